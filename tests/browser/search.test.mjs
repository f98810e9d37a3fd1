// Browser tests of the search page: headless Chromium (Debian's package)
// driven by playwright-core, against built sites served on 127.0.0.1 only.
// The demo guide is one site; a throwaway site whose titles look like HTML is
// the other, to prove index data reaches the page as text.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, existsSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repo, build, serve, launch, open as openPage } from "./harness.mjs";

const LINK_GUIDE = "/link-windows-license-to-microsoft-account/";
const KEY_GUIDE = "/find-your-windows-product-key/";
let tmp, demo, fixture, browser;

// A site with no theme of its own (so the theme built into the binary is
// used): titles, headings and tags that are HTML if anyone parses them, and
// four guides holding "zebra" in one field each, newest (first in the index)
// in the field that ranks lowest.
function fixtureSite(root) {
  mkdirSync(join(root, "content"), { recursive: true });
  writeFileSync(join(root, "inkproof.yaml"), "title: Search fixture\nbase_url: https://fixture.example.test\n");
  writeFileSync(join(root, "content", "evil.md"), [
    "---",
    `title: "Evil <img src=x onerror=\\"window.__pwned=1\\"> guide"`,
    "date: 2024-05-02",
    "tags:",
    `  - "<img src=tag onerror=window.__pwned=2>"`,
    `excerpt: "Summary with <img src=summary onerror=window.__pwned=3> inside"`,
    "---",
    "",
    "Body text for the evil guide.",
    "",
    "## Step &lt;img src=heading onerror=window.__pwned=4&gt;",
    "",
    "More text.",
    "",
  ].join("\n"));
  const zebra = (slug, date, front, body) => writeFileSync(join(root, "content", `${slug}.md`),
    `---\n${front}\ndate: ${date}\nexcerpt: "${slug.includes("summary") ? "A zebra crossing." : "Nothing to see."}"\n---\n\n${body}\n`);
  zebra("zebra-summary", "2024-04-04", "title: Summary holder", "Plain text.");
  zebra("zebra-terms", "2024-04-03", "title: Terms holder\ntags: [zebra]", "Plain text.");
  zebra("zebra-heading", "2024-04-02", "title: Heading holder", "Plain text.\n\n## The zebra section\n\nMore text.");
  zebra("zebra-title", "2024-04-01", "title: Zebra in the title", "Plain text.");
  zebra("zebra-body", "2024-04-05", "title: Body holder", "Plain text.\n\nA zebra stands in the body only.");
  for (let i = 1; i <= 12; i++) {
    writeFileSync(join(root, "content", `quagga-${i}.md`), `---\ntitle: Quagga note ${i}\ndate: 2023-01-${String(i).padStart(2, "0")}\n---\n\nText.\n`);
  }
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "inkproof-search-"));
  build(repo, join(tmp, "demo"));
  const root = join(tmp, "fixture-src");
  fixtureSite(root);
  build(root, join(tmp, "fixture"));
  demo = await serve(join(tmp, "demo"));
  fixture = await serve(join(tmp, "fixture"));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  demo?.server.close();
  fixture?.server.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function open(site, path, options = {}) {
  return openPage(browser, site.base, path, options);
}

const status = (page) => page.locator(".search-status").innerText();
const resultUrls = (page) => page.locator(".search-results a.search-result-title")
  .evaluateAll((links) => links.map((a) => a.getAttribute("href")));

// Types like a person (one key at a time), then waits for the debounced
// search to settle on this query.
async function type(page, text) {
  const input = page.locator("#search-input");
  await input.fill("");
  await input.pressSequentially(text, { delay: 20 });
  await page.waitForFunction((q) => document.querySelector(".search-status").textContent.includes(`\u201c${q}\u201d`), text);
}

test("a word from one guide's title puts that guide first, highlighted", async () => {
  const { context, page, foreign, errors } = await open(demo, "/search/");
  assert.equal(await page.locator(".search-all").isVisible(), false, "the full list makes way for results");
  assert.equal(await page.locator("#search-input").isVisible(), true);
  await type(page, "microsoft");
  const urls = await resultUrls(page);
  assert.equal(urls[0], LINK_GUIDE);
  assert.match(await status(page), /^\d+ guides? match(es)? “microsoft”$/);
  const marks = await page.locator(".search-results li").first().locator(".search-result-title mark").allInnerTexts();
  assert.deepEqual(marks, ["Microsoft"]);
  assert.equal(new URL(page.url()).searchParams.get("q"), "microsoft", "the URL follows the query");
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test("matching ignores case and accents, and every word must match", async () => {
  const { context, page } = await open(demo, "/search/");
  await type(page, "PRÔDUCT kéy");
  assert.equal((await resultUrls(page))[0], KEY_GUIDE);
  assert.match(await status(page), /^\d+ guides? match(es)? “PRÔDUCT kéy”$/);
  await context.close();
  // In the fixture only one guide holds both words.
  const f = await open(fixture, "/search/");
  await type(f.page, "zebra");
  assert.ok((await resultUrls(f.page)).length >= 4);
  await type(f.page, "ZÉBRA crossing");
  assert.deepEqual(await resultUrls(f.page), ["/zebra-summary/"]);
  await f.context.close();
});

test("each field outranks the next, whatever the index order", async () => {
  const { context, page } = await open(fixture, "/search/?q=zebra");
  await page.waitForFunction(() => document.querySelectorAll(".search-results li").length > 0);
  const urls = await resultUrls(page);
  assert.deepEqual(urls.slice(0, 4), ["/zebra-title/", "/zebra-heading/", "/zebra-terms/", "/zebra-summary/"]);
  // Body text is searched once the build publishes the full-text index; it ranks last.
  assert.deepEqual(urls.slice(4), existsSync(join(tmp, "fixture", "search/idx/meta.json")) ? ["/zebra-body/"] : []);
  await context.close();
});

test("ten results at a time; More results draws the rest and moves the focus there", async () => {
  const { context, page } = await open(fixture, "/search/?q=quagga");
  await page.waitForFunction(() => document.querySelectorAll(".search-results li").length > 0);
  assert.equal(await page.locator(".search-results li").count(), 10);
  assert.match(await status(page), /^12 guides match “quagga”; the best first\.$/);
  const more = page.locator("button.search-more");
  assert.equal(await more.innerText(), "More results (2 left)");
  await more.click();
  await page.waitForFunction(() => document.querySelectorAll(".search-results li").length === 12);
  assert.equal(await page.locator("button.search-more").count(), 0);
  const focused = await page.evaluate(() => document.activeElement.getAttribute("href"));
  assert.equal(focused, (await resultUrls(page))[10]);
  await context.close();
});

test("a word in no guide says so and lists nothing", async () => {
  const { context, page } = await open(demo, "/search/");
  await type(page, "zqxjkvw");
  assert.match(await status(page), /^No guides match “zqxjkvw”/);
  assert.equal(await page.locator(".search-results li").count(), 0);
  await context.close();
});

test("?q= in the URL fills the box and runs the search; clearing drops it", async () => {
  const { context, page } = await open(demo, "/search/?q=product%20key");
  await page.waitForFunction(() => document.querySelectorAll(".search-results li").length > 0);
  assert.equal(await page.locator("#search-input").inputValue(), "product key");
  assert.equal((await resultUrls(page))[0], KEY_GUIDE);
  assert.match(await status(page), /“product key”/);
  await page.locator("#search-input").press("Escape");
  assert.equal(await page.locator("#search-input").inputValue(), "");
  assert.equal(await page.locator(".search-results li").count(), 0);
  assert.equal(new URL(page.url()).search, "", "no stale ?q= after clearing");
  await context.close();
});

test("the results can be walked with the arrow keys", async () => {
  const { context, page } = await open(demo, "/search/");
  await type(page, "windows");
  const urls = await resultUrls(page);
  assert.ok(urls.length >= 2);
  const focused = () => page.evaluate(() => document.activeElement.getAttribute("href") ?? document.activeElement.id);
  await page.keyboard.press("ArrowDown");
  assert.equal(await focused(), urls[0]);
  await page.keyboard.press("ArrowDown");
  assert.equal(await focused(), urls[1]);
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("ArrowUp");
  assert.equal(await focused(), "search-input");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await page.waitForURL((u) => u.pathname === urls[0]);
  await context.close();
});

test("with JavaScript off the page lists every guide", async () => {
  const { context, page } = await open(demo, "/search/", { javaScriptEnabled: false });
  assert.equal(await page.locator(".search-all").isVisible(), true);
  const listed = await page.locator(".search-all a").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  for (const guide of [LINK_GUIDE, KEY_GUIDE, "/reset-windows-update-components/"]) {
    assert.ok(listed.includes(guide), `${guide} listed`);
  }
  assert.equal(await page.locator(".search-results li").count(), 0);
  assert.equal(await page.locator(".search-form").isVisible(), false, "no box that cannot search");
  await context.close();
});

test("if the index cannot be loaded, the full list comes back", async () => {
  const context = await browser.newContext();
  await context.route("**/search.json", (route) => route.fulfill({ status: 404, body: "gone" }));
  await context.route("**/search/idx/**", (route) => route.fulfill({ status: 404, body: "gone" }));
  const page = await context.newPage();
  await page.goto(demo.base + "/search/?q=windows", { waitUntil: "load" });
  await page.waitForFunction(() => /not available/.test(document.querySelector(".search-status").textContent));
  assert.equal(await page.locator(".search-all").isVisible(), true);
  assert.ok((await page.locator(".search-all a").count()) >= 3);
  assert.equal(await page.locator(".search-form").isVisible(), false);
  await context.close();
});

test("the header's search is a link to the search page, and opens a dialog when scripts run", async () => {
  const { context, page } = await open(demo, LINK_GUIDE);
  const link = page.locator(".site-nav a[data-search-open]");
  assert.equal(await link.getAttribute("href"), "/search/");
  assert.equal(await link.getAttribute("aria-current"), null);
  await link.click();
  await page.waitForSelector("dialog.search-dialog[open]");
  await page.locator("#search-dialog-input").fill("microsoft");
  await page.waitForFunction(() => document.querySelectorAll(".search-dialog .search-results li").length > 0);
  assert.equal(await page.locator(".search-dialog .search-results a").first().getAttribute("href"), LINK_GUIDE);
  await page.goto(demo.base + "/search/", { waitUntil: "load" });
  assert.match(await page.locator(".site-nav a[aria-current=page]").innerText(), /Search/);
  await context.close();
});

test("search.js loads on first use only", async () => {
  const { context, page } = await open(demo, LINK_GUIDE);
  const loaded = () => page.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname));
  // search.js may be fingerprinted (`search.1a2b3c4d.js`).
  const isSearchJs = (p) => /\/search(\.[0-9a-f]{8})?\.js$/.test(p);
  assert.ok(!(await loaded()).some((p) => isSearchJs(p) || p.includes("search/idx") || p.endsWith("search.json")));
  await page.keyboard.press("/");
  await page.waitForSelector("dialog.search-dialog[open]");
  assert.ok((await loaded()).some(isSearchJs));
  await context.close();
});

test("index data goes in as text: HTML-looking titles stay text", async () => {
  const evilTitle = 'Evil <img src=x onerror="window.__pwned=1"> guide';
  const { context, page, errors, foreign } = await open(fixture, "/search/?q=onerror");
  await page.waitForFunction(() => document.querySelectorAll(".search-results li").length > 0);
  assert.equal(await page.locator(".search-results .search-result-title").first().innerText(), evilTitle);
  // Queries that cut the markup in different places, or not at all.
  for (const q of ["onerror", "evil", "guide", "img src", "pwned"]) {
    await type(page, q);
    assert.ok((await page.locator(".search-results li").count()) > 0, `${q} finds the evil guide`);
    assert.equal(await page.locator(".search-results img, .search-results script").count(), 0, `${q}: no element from index data`);
  }
  assert.match(await page.locator(".search-results").innerText(), /<img src=tag onerror=window\.__pwned=2>/);
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(fixture.hits.filter((p) => /^\/(x|tag|summary|heading)$/.test(p)), [], "no image was requested");
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the search page fits a 360px phone, light and dark", async () => {
  for (const colorScheme of ["light", "dark"]) {
    const { context, page } = await open(demo, "/search/?q=windows", { viewport: { width: 360, height: 740 }, colorScheme });
    await page.waitForFunction(() => document.querySelectorAll(".search-results li").length > 0);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${colorScheme}: ${width}px wide`);
    await page.screenshot({ path: join(tmpdir(), `inkproof-search-${colorScheme}-360.png`), fullPage: true });
    await context.close();
  }
});
