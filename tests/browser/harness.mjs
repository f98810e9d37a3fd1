// Shared set-up for the browser tests: build a site with the binary `cargo test`
// already made (INKPROOF_BIN, default target/debug/inkproof: one compile of the crate),
// serve it on 127.0.0.1 only, launch Debian's Chromium, open pages while
// recording third-party requests and script errors.
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:http";
import { readFileSync, existsSync, statSync } from "node:fs";
import { join, extname, normalize, resolve } from "node:path";
import { chromium } from "playwright-core";

export const repo = resolve(import.meta.dirname, "../..");
export const bin = process.env.INKPROOF_BIN || join(repo, "target/debug/inkproof");

export const TYPES = {
  ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript",
  ".svg": "image/svg+xml", ".xml": "application/xml", ".txt": "text/plain", ".json": "application/json",
  ".ps1": "text/plain; charset=utf-8", ".cmd": "text/plain; charset=utf-8", ".png": "image/png",
};

/** Builds the site at `root` into `out`. */
export function build(root, out) {
  execFileSync(bin, ["--root", root, "build", "--quiet", "--output", out], { stdio: "inherit" });
}

/**
 * Serves `out` on a free local port; resolves to { server, base, hits }, where
 * `hits` lists every path asked for (to catch a request an <img> would make).
 * Unknown paths get the site's 404.html, as static hosts do.
 */
export async function serve(out) {
  const hits = [];
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    hits.push(path);
    let file = join(out, path);
    if (!file.startsWith(out)) { res.writeHead(403).end(); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      const notFound = join(out, "404.html");
      res.writeHead(404, { "content-type": TYPES[".html"] }).end(existsSync(notFound) ? readFileSync(notFound) : "not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { server, base: `http://127.0.0.1:${server.address().port}`, hits };
}

/** Headless Chromium with the flags this closed network needs. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Opens `base + path` in a fresh context; collects foreign requests and errors. */
export async function open(browser, base, path, options = {}) {
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

/**
 * Starts `inkproof serve` on a free port for the site at `root`; resolves to
 * { proc, base, lines, rebuilds() , stop() } once it is listening. `lines` collects
 * what it prints (findings, one "Rebuilt" line per rebuild).
 */
export function startServe(root, args = []) {
  const proc = spawn(bin, ["--root", root, "serve", "--port", "0", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  const lines = [];
  process.once("exit", () => proc.kill("SIGKILL"));
  return new Promise((resolveStart, reject) => {
    let buffered = "";
    proc.stderr.setEncoding("utf8");
    proc.stderr.on("data", (chunk) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        const m = line.match(/^Serving at (http:\/\/127\.0\.0\.1:\d+)\//);
        if (m) {
          resolveStart({
            proc, base: m[1], lines,
            rebuilds: () => lines.filter((l) => l.startsWith("Rebuilt ")).length,
            // Ctrl-C, as an author would; SIGKILL if it hangs, so no server outlives the tests.
            stop: () => new Promise((done) => {
              if (proc.exitCode !== null) return done();
              const timer = setTimeout(() => proc.kill("SIGKILL"), 10000);
              proc.once("exit", () => { clearTimeout(timer); done(); });
              proc.kill("SIGINT");
            }),
          });
        }
      }
    });
    proc.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${lines.join("\n")}`)));
  });
}

/** Polls `check` every 20 ms until it returns true or `ms` pass. */
export async function until(check, ms = 30000, what = "condition") {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
