// The reader's side of the demo guide (issue 8): accessibility (axe-core,
// keyboard), layout stability, table-of-contents jumps, search of body text,
// weight budgets, print, and screenshots for people to look at.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, existsSync, statSync, writeFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve, extname } from "node:path";
import { createServer } from "node:http";
import { repo, build, serve, launch, open as openPage, TYPES } from "./harness.mjs";

const GUIDE = "/link-windows-license-to-microsoft-account/";
const TAG = "/tags/windows-11/";
const ARTIFACTS = join(import.meta.dirname, "artifacts");
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
let tmp, out, site, browser;
const foreignSeen = [];

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "inkproof-reader-"));
  out = join(tmp, "public");
  build(repo, out);
  site = await serve(out);
  browser = await launch();
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  site?.server.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  // Every page opened by every test stayed on the site.
  assert.deepEqual(foreignSeen, [], "requests that left the site");
});

/** Opens a page; `theme` "dark" or "light" is both the system preference and the stored choice. */
async function open(path, { width = 1280, height = 800, theme = "light", js = true } = {}) {
  const r = await openPage(browser, site.base, path, {
    viewport: { width, height }, colorScheme: theme, javaScriptEnabled: js,
  });
  r.page.on("request", (req) => { if (!req.url().startsWith(site.base) && !req.url().startsWith("data:")) foreignSeen.push(req.url()); });
  foreignSeen.push(...r.foreign);
  return r;
}

async function axe(page) {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
  });
}

async function searchWithResults(page, query) {
  await page.locator("#search-input").fill(query);
  await page.waitForFunction(() => document.querySelectorAll(".search-results li").length > 0);
}

test("axe-core finds nothing on every kind of page, light and dark, phone and desktop", async () => {
  const pages = [["home", "/"], ["article", GUIDE], ["tag", TAG], ["search", "/search/?q=windows"], ["404", "/no-such-page/"]];
  const problems = [];
  for (const theme of ["light", "dark"]) {
    for (const width of [360, 1280]) {
      for (const [name, path] of pages) {
        const { context, page, errors } = await open(path, { width, theme });
        if (name === "search") await page.waitForFunction(() => document.querySelectorAll(".search-results li").length > 0);
        for (const v of await axe(page)) problems.push(`${name} ${theme} ${width}px: ${v}`);
        // The 404 page's own status is logged as a failed load; nothing else may fail.
        const real = name === "404" ? errors.filter((e) => !/status of 404/.test(e)).concat(errors.filter((e) => /status of 404/.test(e)).slice(1)) : errors;
        assert.deepEqual(real, [], `${name}: script errors`);
        await context.close();
      }
    }
  }
  // The header search dialog, open with results.
  for (const theme of ["light", "dark"]) {
    const { context, page } = await open(GUIDE, { width: 360, theme });
    await page.locator("[data-search-open]").click();
    await page.locator("#search-dialog-input").fill("windows");
    await page.waitForFunction(() => document.querySelectorAll(".search-dialog .search-results li").length > 0);
    for (const v of await axe(page)) problems.push(`dialog ${theme}: ${v}`);
    await context.close();
  }
  assert.deepEqual(problems, []);
});

test("the keyboard alone reaches search, copy and download, each with a visible focus ring", async () => {
  const { context, page } = await open(GUIDE, { width: 1280 });
  const wanted = { search: "[data-search-open]", copy: "figure.snippet .copy-button", download: "figure.snippet a.snippet-download" };
  const reached = {};
  for (let i = 0; i < 250 && Object.keys(reached).length < 3; i++) {
    await page.keyboard.press("Tab");
    const hit = await page.evaluate((wanted) => {
      const el = document.activeElement;
      for (const [name, sel] of Object.entries(wanted)) {
        if (el.matches(sel)) {
          const s = getComputedStyle(el);
          return { name, outline: s.outlineStyle, width: parseFloat(s.outlineWidth), label: el.getAttribute("aria-label") || el.textContent.trim() };
        }
      }
      return null;
    }, wanted);
    if (hit && !reached[hit.name]) reached[hit.name] = hit;
  }
  assert.deepEqual(Object.keys(reached).sort(), ["copy", "download", "search"]);
  for (const [name, r] of Object.entries(reached)) {
    assert.ok(r.outline !== "none" && r.width >= 2, `${name}: focus ring ${r.outline} ${r.width}px`);
  }
  assert.match(reached.copy.label, /^Copy check-activation\.(ps1|cmd)$/);
  assert.match(reached.download.label, /^Download check-activation\.(ps1|cmd) \(/);
  // Enter on the search entry opens a named dialog with the focus in its box.
  await page.locator("[data-search-open]").focus();
  await page.keyboard.press("Enter");
  await page.waitForSelector("dialog.search-dialog[open]");
  assert.equal(await page.evaluate(() => document.activeElement.id), "search-dialog-input");
  const name = await page.evaluate(() => {
    const d = document.querySelector("dialog.search-dialog");
    return document.getElementById(d.getAttribute("aria-labelledby")).textContent;
  });
  assert.equal(name, "Search the guides");
  await page.keyboard.type("product key");
  await page.waitForFunction(() => document.querySelectorAll(".search-dialog .search-results li").length > 0);
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains("search-result-title")), true);
  await page.keyboard.press("Escape"); // back to the box
  await page.keyboard.press("Escape"); // clears it
  await page.keyboard.press("Escape"); // closes the dialog
  assert.equal(await page.locator("dialog.search-dialog[open]").count(), 0);
  assert.equal(await page.evaluate(() => document.activeElement.matches("[data-search-open]")), true, "focus returns to the trigger");
  await context.close();
});

test("the toggle, copy buttons and names: distinct and saying what they do", async () => {
  const { context, page } = await open(GUIDE, { theme: "dark" });
  const toggle = page.locator("[data-theme-toggle]");
  assert.match(await toggle.getAttribute("aria-label"), /^Colour theme: auto \(dark\)$/);
  await toggle.click();
  assert.equal(await toggle.getAttribute("aria-label"), "Colour theme: light");
  await toggle.click();
  assert.equal(await toggle.getAttribute("aria-label"), "Colour theme: dark");
  const names = await page.locator(".copy-button").evaluateAll((bs) => bs.map((b) => b.getAttribute("aria-label")));
  assert.ok(names.length >= 2);
  assert.equal(new Set(names).size, names.length, `copy buttons share a name: ${names}`);
  const boxes = await page.locator(".content input[type=checkbox]").evaluateAll((bs) => bs.map((b) => b.getAttribute("aria-label")));
  for (const label of boxes) assert.ok(label && label.length > 3, `checkbox label ${label}`);
  await context.close();
});

async function settledScroll(page) {
  await page.waitForFunction(() => new Promise((r) => {
    let last = -1, same = 0;
    const tick = () => {
      if (window.scrollY === last && ++same > 5) return r(true);
      if (window.scrollY !== last) same = 0;
      last = window.scrollY;
      requestAnimationFrame(tick);
    };
    tick();
  }), null, { timeout: 10000 });
}

test("a table-of-contents click lands its heading at the top, on first use", async () => {
  for (const width of [360, 1280]) {
    const { context, page } = await open(GUIDE, { width, height: 740 });
    const links = page.locator("nav.toc a");
    const n = await links.count();
    assert.ok(n >= 3);
    const link = links.nth(n - 2);
    const id = (await link.getAttribute("href")).slice(1);
    await link.click();
    await settledScroll(page);
    await page.waitForTimeout(300); // images that were loading have landed too
    const top = await page.evaluate((id) => document.getElementById(id).getBoundingClientRect().top, id);
    assert.ok(top >= 0 && top <= 40, `${width}px: #${id} is at ${top}px`);
    if (width === 1280) {
      // The side TOC marks the section in view.
      const current = await page.locator('nav.toc a[aria-current="true"]').getAttribute("href");
      assert.equal(current, `#${id}`);
    }
    await context.close();
  }
});

test("the table of contents is a plain list of working links without scripts", async () => {
  const { context, page } = await open(GUIDE, { js: false });
  const hrefs = await page.locator("nav.toc a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.ok(hrefs.length >= 3);
  for (const h of hrefs) assert.equal(await page.locator(h).count(), 1, `${h} exists`);
  assert.equal(await page.locator("[data-search-open]").getAttribute("href"), "/search/");
  await context.close();
});

test("nothing shifts while pages load: CLS is 0, light and dark", async () => {
  for (const theme of ["light", "dark"]) {
    for (const width of [412, 1280]) {
      for (const path of ["/", GUIDE, "/search/?q=windows"]) {
        const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme: theme });
        // A stored choice, too: the toggle must not change size once scripts run.
        await context.addInitScript((t) => { try { localStorage.setItem("inkproof-theme", t); } catch (e) {} }, theme);
        const page = await context.newPage();
        await page.goto(site.base + path, { waitUntil: "load" });
        const shifts = await page.evaluate(() => new Promise((r) => {
          const seen = [];
          new PerformanceObserver((l) => { for (const e of l.getEntries()) if (!e.hadRecentInput) seen.push(e.value); })
            .observe({ type: "layout-shift", buffered: true });
          setTimeout(() => r(seen), 1000);
        }));
        assert.equal(shifts.reduce((a, b) => a + b, 0), 0, `${path} ${theme} ${width}px: shifts ${shifts}`);
        await context.close();
      }
    }
  }
});

test("a header painted before all of it arrived grows in place: nothing already shown moves", async () => {
  // A slow network hands the browser the page in pieces and it paints what it
  // has; the header is where that moved things (the nav pushed in from the
  // right, the toggle squeezing the nav onto another line). This server sends
  // each page's header a few hundred bytes at a time, then the rest.
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const file = join(out, path.endsWith("/") ? join(path, "index.html") : path);
    if (!file.startsWith(out) || !existsSync(file)) { res.writeHead(404).end(); return; }
    const body = readFileSync(file);
    if (extname(file) !== ".html") {
      res.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream" }).end(body);
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    const chunk = Number(new URL(req.url, "http://x").searchParams.get("chunk"));
    const end = body.indexOf("</header>");
    assert.ok(end > 0, `${path} has a header`);
    for (let i = 0; i < end; i += chunk) {
      res.write(body.subarray(i, Math.min(i + chunk, end)));
      await new Promise((r) => setTimeout(r, 30));
    }
    res.end(body.subarray(end));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    for (const width of [360, 1280]) {
      for (const path of ["/", GUIDE]) {
        for (const chunk of [200, 500, 900]) {
          const context = await browser.newContext({ viewport: { width, height: 800 } });
          const page = await context.newPage();
          await page.goto(`${base}${path}?chunk=${chunk}`, { waitUntil: "load" });
          const shifts = await page.evaluate(() => new Promise((r) => {
            const seen = [];
            new PerformanceObserver((l) => {
              for (const e of l.getEntries()) {
                if (!e.hadRecentInput) seen.push(`${e.value} ${e.sources.map((s) => s.node?.className || s.node?.nodeName).join(",")}`);
              }
            }).observe({ type: "layout-shift", buffered: true });
            setTimeout(() => r(seen), 500);
          }));
          assert.deepEqual(shifts, [], `${path} at ${width}px, header in ${chunk}-byte pieces`);
          await context.close();
        }
      }
    }
  } finally {
    server.close();
  }
});

test("a word that only appears in an article's body is found", async () => {
  assert.ok(existsSync(join(out, "search/idx/meta.json")), "the build publishes the chunked index");
  // A word of the article's prose that its title, headings, tags, categories,
  // keywords and description don't have (so only body text can find it).
  const art = await open(GUIDE);
  const word = await art.page.evaluate(() => {
    const words = (t) => new Set(t.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 5));
    const meta = [document.title, ...[...document.querySelectorAll("h1, h2, h3, .chips a, .breadcrumb a")].map((e) => e.textContent),
      ...[...document.querySelectorAll('meta[name="keywords"], meta[name="description"]')].map((m) => m.content)].join(" ");
    const not = words(meta);
    const body = [...document.querySelectorAll(".content p")].map((p) => p.textContent).join(" ");
    return [...words(body)].find((w) => !not.has(w));
  });
  await art.context.close();
  assert.ok(word, "the article has a body-only word");
  const { context, page } = await open("/search/");
  await searchWithResults(page, word);
  const urls = await page.locator(".search-results a.search-result-title").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.ok(urls.includes(GUIDE), `${word}: ${urls}`);
  await context.close();
});

test("an article page stays within its weight budget before search opens", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const bytes = { stylesheet: 0, script: 0 };
  const names = [];
  const pending = [];
  page.on("response", (r) => {
    const type = r.request().resourceType();
    if (type in bytes) {
      names.push(new URL(r.url()).pathname);
      pending.push(r.body().then((b) => { bytes[type] += b.length; }));
    }
  });
  await page.goto(site.base + GUIDE, { waitUntil: "load" });
  await page.waitForTimeout(200);
  await Promise.all(pending);
  assert.ok(names.every((n) => !/\/search(\.[0-9a-f]{8})?\.js$/.test(n)), "search.js waits for first use");
  const html = statSync(join(out, GUIDE, "index.html")).size;
  assert.ok(html <= 90 * 1024, `demo article HTML is ${html} bytes`);
  // One stylesheet and one script, both minified under fingerprinted names.
  assert.deepEqual(names.filter((n) => n.endsWith(".css")).length, 1, `stylesheets: ${names}`);
  assert.ok(names.every((n) => /\.[0-9a-f]{8}\.(css|js)$/.test(n)), `fingerprinted: ${names}`);
  assert.ok(bytes.script <= 10 * 1024, `JS ${bytes.script} bytes: ${names}`);
  assert.ok(bytes.stylesheet <= 20 * 1024, `CSS ${bytes.stylesheet} bytes`);
  await context.close();
});

test("print is light even when the reader chose dark", async () => {
  const context = await browser.newContext({ colorScheme: "dark" });
  await context.addInitScript(() => { try { localStorage.setItem("inkproof-theme", "dark"); } catch (e) {} });
  const page = await context.newPage();
  await page.goto(site.base + GUIDE, { waitUntil: "load" });
  await page.emulateMedia({ media: "print", colorScheme: "dark" });
  const colours = await page.evaluate(() => {
    const code = document.querySelector("pre.code");
    const token = code.querySelector("span span") || code.querySelector("span");
    return { body: getComputedStyle(document.body).backgroundColor, fg: getComputedStyle(document.body).color,
      code: getComputedStyle(code).backgroundColor, token: getComputedStyle(token).color };
  });
  assert.equal(colours.body, "rgb(255, 255, 255)");
  assert.equal(colours.fg, "rgb(0, 0, 0)");
  const lum = (rgb) => {
    const [r, g, b] = rgb.match(/\d+/g).map(Number).map((c) => c / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
  assert.ok(ratio(colours.token, colours.code) >= 4.5, `code token ${colours.token} on ${colours.code}`);
  await context.close();
});

test("the article has a breadcrumb, and BreadcrumbList JSON-LD that parses", async () => {
  const { context, page } = await open(GUIDE);
  const crumbs = await page.locator("nav.breadcrumb li").allInnerTexts();
  assert.equal(crumbs[0], "Home");
  assert.equal(crumbs.length, 3);
  const ld = await page.locator('script[type="application/ld+json"]').allTextContents();
  const list = ld.map((s) => JSON.parse(s)).find((v) => v["@type"] === "BreadcrumbList");
  assert.ok(list, "BreadcrumbList present");
  assert.deepEqual(list.itemListElement.map((i) => i.position), [1, 2, 3]);
  assert.ok(list.itemListElement.every((i) => /^https?:\/\//.test(i.item)), "absolute items");
  await context.close();
});

test("the 404 page asks not to be indexed", async () => {
  const { context, page } = await open("/no-such-page/");
  assert.equal(await page.locator('meta[name="robots"]').getAttribute("content"), "noindex");
  await context.close();
});

test("screenshots at 360, 768 and 1280 px are kept as artifacts", async () => {
  for (const width of [360, 768, 1280]) {
    for (const [name, path] of [["home", "/"], ["article", GUIDE], ["search", "/search/?q=windows"]]) {
      const { context, page } = await open(path, { width, height: 900 });
      if (name === "search") await page.waitForFunction(() => document.querySelectorAll(".search-results li").length > 0);
      const file = join(ARTIFACTS, `${name}-${width}.png`);
      await page.screenshot({ path: file, fullPage: name !== "article" });
      assert.ok(statSync(file).size > 1000);
      await context.close();
    }
  }
});

// Pagination needs a site with more guides than one page holds.
test("long lists are paginated with rel=prev/next", async () => {
  const root = join(tmp, "many");
  mkdirSync(join(root, "content"), { recursive: true });
  writeFileSync(join(root, "inkproof.yaml"), "title: Many\nbase_url: http://127.0.0.1:1111\n");
  for (let i = 1; i <= 45; i++) {
    writeFileSync(join(root, "content", `guide-${i}.md`), `---\ntitle: Guide ${i}\ndate: 2024-01-${String((i % 28) + 1).padStart(2, "0")}\ntags: [many]\n---\n\nText ${i}.\n`);
  }
  const manyOut = join(tmp, "many-out");
  build(root, manyOut);
  const home = readFileSync(join(manyOut, "index.html"), "utf8");
  assert.ok(home.includes('class="pagination"'), "the home page of 45 guides is paginated");
  assert.ok(existsSync(join(manyOut, "page/2/index.html")), "page 2 exists");
  const s = await serve(manyOut);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(s.base + "/page/2/", { waitUntil: "load" });
  assert.equal(await page.locator('nav.pagination a[aria-current="page"]').innerText(), "2");
  assert.equal(await page.locator('link[rel="prev"]').getAttribute("href"), "/");
  assert.ok(await page.locator('link[rel="next"]').count() <= 1);
  await context.close();
  s.server.close();
});
