// Save-to-visible latency of `inkproof serve`: an article file is written, and the
// clock stops when headless Chromium (already showing that article) has the new
// text in its DOM. Also records the server's memory before and after the edits
// and, when `wrk` is installed, a loopback load run against the article page.
//
//   node benches/serve-latency.mjs SITE_ROOT [EDITS]
//
// SITE_ROOT is copied to a temp folder first (the original is never edited), e.g.
// the demo guide (the repository root) or a generated corpus:
//   cargo build --release && target/release/inkproof gen-corpus --n 10000 --out /tmp/c10k
//   node benches/serve-latency.mjs /tmp/c10k 20
// INKPROOF_BIN picks the binary (default target/release/inkproof); needs
// tests/browser's node_modules (`cd tests/browser && npm install`).
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "..");
process.env.INKPROOF_BIN ||= join(repo, "target/release/inkproof");
const require = createRequire(join(repo, "tests/browser/package.json"));
require.resolve("playwright-core"); // fail early with a clear message when missing
const { launch, startServe } = await import("../tests/browser/harness.mjs");

const [src, editsArg] = process.argv.slice(2);
if (!src) {
  console.error("usage: node benches/serve-latency.mjs SITE_ROOT [EDITS]");
  process.exit(2);
}
const edits = Number(editsArg || 20);
const dir = mkdtempSync(join(tmpdir(), "inkproof-serve-bench-"));
const root = join(dir, "site");
for (const part of ["content", "templates", "static", "inkproof.yaml"]) {
  if (existsSync(join(src, part))) cpSync(join(src, part), join(root, part), { recursive: true });
}

const rssMiB = (pid) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k) => Number(status.match(new RegExp(`${k}:\\s+(\\d+)`))[1]);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
};
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p90: q(0.9), min: s[0], max: s[s.length - 1] };
};

const started = Date.now();
const server = await startServe(root);
const firstBuildMs = Date.now() - started;
const before = rssMiB(server.proc.pid);
const browser = await launch();
try {
  // The newest article on the home page, and the file it is built from.
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.base + "/", { waitUntil: "load" });
  const href = await page.locator("main a[href$='/']").evaluateAll((as) =>
    as.map((a) => new URL(a.href).pathname).find((p) => p.split("/").length === 3 && !/^\/(tags|categories|search)\//.test(p)));
  const info = await (await fetch(`${server.base}/__inkproof/findings?page=${encodeURIComponent(href)}`)).json();
  const file = join(root, info.source);
  const original = readFileSync(file, "utf8");
  await page.goto(server.base + href, { waitUntil: "load" });

  // Split: file written → the server printed "Rebuilt" (watch + debounce +
  // rebuild), and the rest (message, reload, render) in the browser.
  const latencies = [];
  const serverSide = [];
  for (let i = 1; i <= edits; i++) {
    const marker = `inkproof-edit-${i}-${Date.now()}`;
    const rebuilds = server.rebuilds();
    let rebuiltAt = 0;
    const poll = setInterval(() => { if (!rebuiltAt && server.rebuilds() > rebuilds) rebuiltAt = Date.now(); }, 1);
    const t0 = Date.now();
    writeFileSync(file, `${original}\n\nEdit marker ${marker}.\n`);
    await page.waitForFunction((m) => document.body?.innerText.includes(m), marker, { polling: 5, timeout: 600000 });
    const t1 = Date.now();
    clearInterval(poll);
    latencies.push(t1 - t0);
    if (rebuiltAt) serverSide.push(rebuiltAt - t0);
  }
  const afterEdits = rssMiB(server.proc.pid);

  let wrk = null;
  if (spawnSync("wrk", ["--version"]).error === undefined) {
    const out = execFileSync("wrk", ["-t2", "-c32", "-d10s", server.base + href], { encoding: "utf8" });
    const num = (re) => Number((out.match(re) || [, "0"])[1]);
    wrk = {
      requests_per_s: num(/Requests\/sec:\s+([\d.]+)/),
      non_2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/),
      socket_errors: (out.match(/Socket errors: (.*)/) || [, "none"])[1],
    };
  }
  console.log(JSON.stringify({
    site: src, page: href, source: info.source, first_build_ms: firstBuildMs,
    latency_ms: stats(latencies),
    server_rebuilt_ms: stats(serverSide),
    rss_mib: { after_first_build: before.rss, after_edits: afterEdits.rss, peak: afterEdits.peak, edits },
    wrk,
  }, null, 2));
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
