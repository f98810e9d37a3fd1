// Browser tests of the built demo guide: headless Chromium (Debian's package)
// driven by playwright-core, against the site served on 127.0.0.1 only.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, existsSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, extname, normalize, resolve } from "node:path";
import { chromium } from "playwright-core";

const repo = resolve(import.meta.dirname, "../..");
const GUIDE = "/link-windows-license-to-microsoft-account/";
const TYPES = {
  ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript",
  ".svg": "image/svg+xml", ".xml": "application/xml", ".txt": "text/plain",
  ".ps1": "text/plain; charset=utf-8", ".cmd": "text/plain; charset=utf-8", ".png": "image/png",
};

let out, server, base, browser;

before(async () => {
  out = join(mkdtempSync(join(tmpdir(), "inkproof-browser-")), "public");
  const bin = join(repo, "target/release/inkproof");
  execFileSync(bin, ["--root", repo, "build", "--quiet", "--output", out], { stdio: "inherit" });
  server = createServer((req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    let file = join(out, path);
    if (!file.startsWith(out)) { res.writeHead(403).end(); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) { res.writeHead(404, { "content-type": TYPES[".html"] }).end(readFileSync(join(out, "404.html"))); return; }
    res.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
  if (out) rmSync(resolve(out, ".."), { recursive: true, force: true });
});

async function open(path, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const foreign = [];
  const errors = [];
  page.on("request", (r) => { if (!r.url().startsWith(base) && !r.url().startsWith("data:")) foreign.push(r.url()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(base + path, { waitUntil: "load" });
  return { context, page, foreign, errors };
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
