// Browser tests of the built demo guide: headless Chromium (Debian's package)
// driven by playwright-core, against the site served on 127.0.0.1 only.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { repo, build, serve, launch, open as openPage } from "./harness.mjs";

const GUIDE = "/link-windows-license-to-microsoft-account/";
let out, server, base, browser;

before(async () => {
  out = join(mkdtempSync(join(tmpdir(), "inkproof-browser-")), "public");
  build(repo, out);
  ({ server, base } = await serve(out));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
  if (out) rmSync(resolve(out, ".."), { recursive: true, force: true });
});

function open(path, options = {}) {
  return openPage(browser, base, path, options);
}

test("the guide loads with no third-party request and no script error", async () => {
  const { context, page, foreign, errors } = await open(GUIDE);
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  assert.match(await page.locator("main h1").innerText(), /Microsoft account/i);
  await page.screenshot({ path: join(tmpdir(), "inkproof-guide.png"), fullPage: true });
  await context.close();
});

test("the snippet's copy button copies the code, and the download matches the hash", async () => {
  const { context, page } = await open(GUIDE);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const figure = page.locator("figure.snippet").first();
  const button = figure.locator(".copy-button");
  assert.equal(await button.isVisible(), true, "copy button shown when JS runs");
  const code = await figure.locator("pre code").evaluate((el) => el.textContent);
  await button.click();
  await page.waitForFunction(() => document.querySelector("figure.snippet .copy-button")?.dataset.copied === "true");
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);

  const href = await figure.locator("a.snippet-download").getAttribute("href");
  const download = await figure.locator("a.snippet-download").getAttribute("download");
  assert.ok(download && download.endsWith(".ps1"), `download attribute: ${download}`);
  const shown = (await figure.locator(".snippet-hash").innerText()).trim().toLowerCase();
  const res = await fetch(base + href);
  assert.equal(res.status, 200);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(createHash("sha256").update(bytes).digest("hex"), shown);
  await context.close();
});

test("with JavaScript off the page still reads well and hides the copy button", async () => {
  const { context, page } = await open(GUIDE, { javaScriptEnabled: false });
  assert.equal(await page.locator("figure.snippet .copy-button").first().isVisible(), false);
  assert.ok((await page.locator("main .content p").count()) > 3);
  assert.equal(await page.locator("figure.snippet a.snippet-download").first().isVisible(), true);
  await context.close();
});

test("the theme toggle switches to dark and remembers it", async () => {
  const { context, page } = await open(GUIDE, { colorScheme: "light" });
  const toggle = page.locator("[data-theme-toggle], .theme-toggle").first();
  assert.equal(await toggle.isVisible(), true);
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const before = await bg();
  for (let i = 0; i < 3 && (await page.evaluate(() => document.documentElement.dataset.theme)) !== "dark"; i++) {
    await toggle.click();
  }
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  assert.notEqual(await bg(), before, "background changes in dark mode");
  await page.reload();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  await page.screenshot({ path: join(tmpdir(), "inkproof-guide-dark.png") });
  await context.close();
});

test("pages fit a 360px phone without sideways scrolling", async () => {
  for (const path of ["/", GUIDE, "/tags/"]) {
    const { context, page } = await open(path, { viewport: { width: 360, height: 740 } });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${path} is ${width}px wide`);
    await context.close();
  }
});

test("unknown URLs get the 404 page with a way home", async () => {
  const { context, page } = await open("/no-such-page/");
  assert.ok((await page.locator(`a[href="/"]`).count()) > 0);
  await context.close();
});
