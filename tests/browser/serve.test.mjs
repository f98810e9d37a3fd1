// `inkproof serve` in a real browser: an author's edits and mistakes, seen
// without pressing reload. One temp site (from `inkproof init`), one server;
// the tests run in order and each leaves the site clean for the next.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, launch, startServe, until } from "./harness.mjs";

let dir, root, server, browser;

// Long enough to scroll, so "keeps the scroll position" means something.
const filler = Array.from({ length: 60 }, (_, i) => `Paragraph ${i} of the steps, with enough words to wrap.`).join("\n\n");
const article = (title, body) => `---\ntitle: ${title}\ndate: 2024-05-01\ntags: [network]\n---\n\n${body}\n\n${filler}\n`;
const write = (rel, text) => writeFileSync(join(root, rel), text);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "inkproof-serve-"));
  root = join(dir, "site");
  execFileSync(bin, ["init", root], { stdio: "ignore" });
  write("content/reset-the-router.md", article("Reset the router", "Hold the button for ten seconds."));
  write("content/update-the-firmware.md", article("Update the firmware", "Download the image first."));
  server = await startServe(root);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens a page and counts its navigations (a reload is one more). */
async function open(path) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const nav = { count: 0 };
  page.on("framenavigated", (f) => { if (f === page.mainFrame()) nav.count += 1; });
  await page.goto(server.base + path, { waitUntil: "load" });
  // The client is connected once the overlay state was first fetched.
  await page.waitForFunction(() => performance.getEntriesByType("resource").some((r) => r.name.includes("/__inkproof/findings")));
  return { context, page, nav, errors };
}

const overlayLocations = (page) => page.locator("#inkproof-overlay .loc").allInnerTexts();

test("an edit shows up without a manual reload, in place, at the same scroll position", async () => {
  const { context, page, nav, errors } = await open("/reset-the-router/");
  const navigations = nav.count;
  await page.evaluate(() => window.scrollTo({ top: 900, behavior: "instant" }));
  const y = await page.evaluate(() => window.scrollY);
  assert.ok(y > 500, "the page is long enough to scroll");
  write("content/reset-the-router.md", article("Reset the router", "Hold the button for thirty seconds."));
  await page.waitForFunction(() => document.querySelector("main").innerText.includes("thirty seconds"), null, { timeout: 30000 });
  await page.waitForFunction((y) => Math.abs(window.scrollY - y) < 50, y, { timeout: 5000 });
  assert.equal(nav.count, navigations, "the new body is swapped in, not reloaded");
  // The theme's script ran again on the new body: its copy/theme controls work.
  assert.equal(await page.locator(".theme-toggle, [data-theme-toggle]").first().isVisible(), true);
  assert.deepEqual(errors, []);
  await context.close();
});

test("broken front matter shows in the overlay with file and line; fixing it removes the overlay", async () => {
  const { context, page } = await open("/reset-the-router/");
  assert.equal(await page.locator("#inkproof-overlay").count(), 0, "a clean page has no overlay");
  write("content/reset-the-router.md", "---\ntitle: [Reset the router\ndate: 2024-05-01\n---\n\nHalf typed.\n");
  await page.locator("#inkproof-overlay .finding").first().waitFor({ timeout: 30000 });
  const locations = await overlayLocations(page);
  assert.ok(locations.some((l) => l.startsWith("content/reset-the-router.md:2:")), locations.join(" | "));
  assert.match(await page.locator("#inkproof-overlay .id").first().innerText(), /front-matter\//);
  assert.match(await page.locator("#inkproof-overlay .stale").innerText(), /last good version/);
  // The last good page is still what the reader sees.
  assert.match(await page.locator("main").innerText(), /thirty seconds/);

  write("content/reset-the-router.md", article("Reset the router", "Hold the button for thirty seconds."));
  await page.locator("#inkproof-overlay").waitFor({ state: "detached", timeout: 30000 });
  await context.close();
});

test("a broken link shows its finding on the page that has it", async () => {
  const { context, page } = await open("/reset-the-router/");
  write("content/reset-the-router.md", article("Reset the router", "Hold it. See [the manual](router-manual.md)."));
  await page.locator("#inkproof-overlay .finding").first().waitFor({ timeout: 30000 });
  const ids = await page.locator("#inkproof-overlay .id").allInnerTexts();
  assert.ok(ids.some((t) => t.includes("link/")), ids.join(" | "));
  const locations = await overlayLocations(page);
  assert.ok(locations.some((l) => /^content\/reset-the-router\.md:7:\d+$/.test(l)), locations.join(" | "));
  assert.match(await page.locator("#inkproof-overlay .hint").first().innerText(), /help:/);

  // Dismissed, it stays away until the findings change; fixed, it is gone.
  await page.locator("#inkproof-overlay .dismiss").click();
  assert.equal(await page.locator("#inkproof-overlay").count(), 0);
  write("content/reset-the-router.md", article("Reset the router", "Hold the button for thirty seconds."));
  await page.waitForFunction(() => document.querySelector("main").innerText.includes("Paragraph 0") && !document.querySelector("main").innerText.includes("the manual"), null, { timeout: 30000 });
  assert.equal(await page.locator("#inkproof-overlay").count(), 0);
  await context.close();
});

test("a CSS change applies without a navigation, and another page's edit doesn't reload this one", async () => {
  const { context, page, nav } = await open("/reset-the-router/");
  await page.evaluate(() => { window.__sameDocument = true; });
  const before = nav.count;
  appendFileSync(join(root, "static/style.css"), "\nbody { background-color: rgb(1, 2, 3) !important; }\n");
  await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === "rgb(1, 2, 3)", null, { timeout: 30000 });
  assert.equal(nav.count, before, "no navigation for a stylesheet");
  assert.equal(await page.evaluate(() => window.__sameDocument), true);

  const rebuilds = server.rebuilds();
  write("content/update-the-firmware.md", article("Update the firmware", "Download the newest image first."));
  await until(() => server.rebuilds() > rebuilds, 30000, "the rebuild");
  await new Promise((r) => setTimeout(r, 500)); // give a wrong reload time to happen
  assert.equal(nav.count, before, "an edit to another page does not reload this one");
  assert.equal(await page.evaluate(() => window.__sameDocument), true);
  await context.close();
});

test("a config change reloads the page with the new settings", async () => {
  const { context, page, nav } = await open("/reset-the-router/");
  const before = nav.count;
  const config = readFileSync(join(root, "inkproof.yaml"), "utf8");
  write("inkproof.yaml", config.replace(/^title: .*$/m, "title: Router handbook"));
  await page.waitForFunction(() => document.title.includes("Router handbook"), null, { timeout: 30000 });
  assert.ok(nav.count > before, "a config change reloads");
  write("inkproof.yaml", config);
  await context.close();
});

test("deleting the article being viewed shows the site's 404 page", async () => {
  const { context, page } = await open("/update-the-firmware/");
  unlinkSync(join(root, "content/update-the-firmware.md"));
  await page.waitForFunction(() => document.querySelector("h1")?.innerText.includes("isn't here"), null, { timeout: 30000 });
  const status = await page.evaluate(async () => (await fetch(location.href)).status);
  assert.equal(status, 404);
  await context.close();
});
