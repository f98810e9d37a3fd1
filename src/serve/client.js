// inkproof serve: live reload and the findings overlay. `inkproof serve` injects
// this into every HTML page it serves; `inkproof build` never does.
//
// The server says which published files changed after each rebuild. When this
// page's own file changed, its new body is swapped in (keeping the scroll
// position); it reloads when an asset it uses changed or the swap can't be
// sure; changed stylesheets are swapped in place; otherwise only the overlay
// is refreshed.
(() => {
  "use strict";
  const SCROLL = "inkproof-scroll:" + location.pathname;
  const key = (path) => {
    let k = decodeURIComponent(path).replace(/^\/+/, "");
    if (k === "" || k.endsWith("/")) k += "index.html";
    return k;
  };
  const here = key(location.pathname);
  let instance = null;
  let retry = 200;
  let dismissed = null;

  const saved = sessionStorage.getItem(SCROLL);
  if (saved !== null) {
    sessionStorage.removeItem(SCROLL);
    const y = Number(saved);
    // `instant`: a theme's `scroll-behavior: smooth` would animate from the top.
    const restore = () => window.scrollTo({ top: y, behavior: "instant" });
    restore();
    addEventListener("load", restore, { once: true });
  }

  function reload() {
    sessionStorage.setItem(SCROLL, String(window.scrollY));
    location.reload();
  }

  // A changed stylesheet is loaded beside the old one, which goes once the new
  // one applies: no flash of unstyled content, no navigation.
  function swapStyles(changed) {
    for (const link of document.querySelectorAll('link[rel~="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin || !changed.has(key(url.pathname))) continue;
      url.searchParams.set("inkproof", String(Date.now()));
      const next = link.cloneNode();
      next.href = url.href;
      next.onload = next.onerror = () => link.remove();
      link.after(next);
    }
  }

  // Scripts, images and other files this page loads (links to other pages and
  // feeds don't count).
  const LOADED = "script[src], img[src], source[src], video[src], audio[src], iframe[src], " +
    'link[rel~="icon"][href], link[rel~="preload"][href], link[rel~="modulepreload"][href]';
  function usesAny(changed) {
    for (const el of document.querySelectorAll(LOADED)) {
      const ref = el.getAttribute("src") || el.getAttribute("href");
      try {
        const url = new URL(ref, location.href);
        if (url.origin === location.origin && changed.has(key(url.pathname))) return true;
      } catch (_) { /* not a URL */ }
    }
    return false;
  }

  // What the head loads; when a template edit changes it, only a reload is right.
  // Stylesheets are left out: their names follow their bytes (`style.1a2b3c4d.css`),
  // so a CSS edit renames them on every page, and they are swapped in place.
  const headSignature = (doc) =>
    [...doc.head.querySelectorAll("script[src]")].map((e) => e.getAttribute("src")).join("\n");
  const sheets = (doc) =>
    [...doc.head.querySelectorAll("link[rel~=stylesheet]")].map((e) => e.getAttribute("href"));

  // The new page's stylesheets replace this page's, each old one going once the
  // new ones apply (no flash of unstyled content).
  function adoptSheets(doc) {
    const want = sheets(doc);
    const have = [...document.head.querySelectorAll("link[rel~=stylesheet]")];
    if (want.join("\n") === have.map((l) => l.getAttribute("href")).join("\n")) return;
    let last = have[have.length - 1] || null;
    let pending = want.length;
    const done = () => { if (--pending <= 0) have.forEach((l) => l.remove()); };
    for (const href of want) {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      link.onload = link.onerror = done;
      if (last) last.after(link); else document.head.append(link);
      last = link;
    }
    if (!want.length) done();
  }

  // The page's own file changed: fetch it and swap the body in place. A reload
  // re-parses and re-lays-out the whole page (~250 ms on a big guide); this is
  // a fraction of that, keeps the scroll position, and falls back to a reload
  // whenever it can't be sure (status, head, parse).
  async function swapPage() {
    try {
      const res = await fetch(location.href, { cache: "no-store" });
      if (!res.ok || !(res.headers.get("content-type") || "").startsWith("text/html")) return reload();
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      if (headSignature(doc) !== headSignature(document)) return reload();
      adoptSheets(doc);
      const y = window.scrollY;
      document.title = doc.title;
      const body = document.adoptNode(doc.body);
      // Parsed scripts are inert; recreate them so the page behaves as after a load.
      for (const old of body.querySelectorAll("script")) {
        if ((old.getAttribute("src") || "").startsWith("/__inkproof/")) { old.remove(); continue; }
        const live = document.createElement("script");
        for (const a of old.attributes) live.setAttribute(a.name, a.value);
        live.textContent = old.textContent;
        old.replaceWith(live);
      }
      document.body.replaceWith(body);
      window.scrollTo({ top: y, behavior: "instant" });
      // The theme's deferred scripts bind to elements of the body: run them again.
      for (const old of document.head.querySelectorAll("script[src]")) {
        const url = new URL(old.src, location.href);
        if (url.origin !== location.origin || url.pathname.startsWith("/__inkproof/")) continue;
        const live = document.createElement("script");
        for (const a of old.attributes) live.setAttribute(a.name, a.value);
        old.replaceWith(live);
      }
      document.dispatchEvent(new CustomEvent("inkproof:swapped"));
      refreshFindings();
    } catch (_) {
      reload();
    }
  }

  function onUpdate(m) {
    const changed = new Set(m.changed);
    if (m.full_reload || m.removed.includes(here)) return reload();
    const assets = new Set([...changed].filter((k) => !k.endsWith(".html") && !k.endsWith(".css")));
    if (assets.size && usesAny(assets)) return reload();
    swapStyles(changed);
    if (changed.has(here)) return swapPage();
    refreshFindings();
  }

  function connect() {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/__inkproof/ws");
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "hello") {
        retry = 200;
        // A restarted server may hold a different site: show it.
        if (instance !== null && instance !== m.instance) return reload();
        instance = m.instance;
        refreshFindings();
      } else if (m.type === "update") {
        onUpdate(m);
      }
    };
    ws.onclose = () => {
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 2000);
    };
  }

  async function refreshFindings() {
    try {
      const res = await fetch("/__inkproof/findings?page=" + encodeURIComponent(location.pathname), { cache: "no-store" });
      show(await res.json());
    } catch (_) { /* server restarting; the next hello refreshes */ }
  }

  // The overlay lives in a shadow root, so the site's CSS and ours can't meet.
  function show(data) {
    const old = document.getElementById("inkproof-overlay");
    const signature = JSON.stringify([data.source, data.stale, data.findings, data.others]);
    const empty = !data.stale && data.findings.length === 0 && data.others === 0;
    if (empty || dismissed === signature) {
      if (old) old.remove();
      if (empty) dismissed = null;
      return;
    }
    const host = document.createElement("inkproof-overlay");
    host.id = "inkproof-overlay";
    const root = host.attachShadow({ mode: "open" });
    const el = (tag, cls, text) => {
      const e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text !== undefined) e.textContent = text;
      return e;
    };
    const style = el("style");
    style.textContent = `
      .box { position: fixed; right: 12px; bottom: 12px; z-index: 2147483647; max-width: min(44rem, calc(100vw - 24px));
        max-height: 60vh; overflow: auto; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
        background: #1e1e24; color: #eee; border-radius: 8px; box-shadow: 0 6px 24px rgba(0,0,0,.35); padding: 10px 14px; }
      header { display: flex; justify-content: space-between; gap: 1rem; font-weight: bold; margin-bottom: 6px; }
      button { all: unset; cursor: pointer; padding: 0 6px; font-size: 16px; }
      ul { list-style: none; margin: 0; padding: 0; }
      li { padding: 6px 0; border-top: 1px solid #3a3a44; }
      .id { color: #ff8f6b; } .warning .id { color: #f0c85a; }
      .loc { color: #8fc7ff; } .hint { display: block; color: #b9b9c6; }
      .stale { color: #f0c85a; margin: 0 0 6px; } .others { margin-top: 6px; color: #b9b9c6; }`;
    const box = el("div", "box");
    box.setAttribute("role", "status");
    const header = el("header");
    const n = data.findings.length;
    header.append(el("span", "title", n ? `inkproof: ${n} finding${n === 1 ? "" : "s"} on this page` : "inkproof"));
    const close = el("button", "dismiss", "×");
    close.title = "Dismiss until the findings change";
    close.setAttribute("aria-label", close.title);
    close.onclick = () => { dismissed = signature; host.remove(); };
    header.append(close);
    box.append(header);
    if (data.stale) {
      box.append(el("p", "stale", `Showing the last good version of this page: ${data.source} has errors.`));
    }
    const list = el("ul");
    for (const f of data.findings) {
      const li = el("li", "finding " + f.severity);
      li.append(el("span", "id", `${f.severity}[${f.id}]`), " ", el("span", "loc", f.location), " ", el("span", "msg", f.message));
      if (f.help) li.append(el("span", "hint", "help: " + f.help));
      list.append(li);
    }
    box.append(list);
    if (data.others || data.known) {
      const top = (data.others_by_check || []).map((c) => `${c.count.toLocaleString("en")} ${c.id}`);
      if (data.others > (data.others_by_check || []).reduce((s, c) => s + c.count, 0)) top.push("…");
      let text = data.others
        ? `${data.others.toLocaleString("en")} more finding${data.others === 1 ? "" : "s"} elsewhere in the site (${top.join(", ")}; see the terminal)`
        : "No findings elsewhere in the site";
      if (data.known) text += ` · ${data.known.toLocaleString("en")} known, suppressed`;
      box.append(el("p", "others", text));
    }
    root.append(style, box);
    if (old) old.replaceWith(host); else document.documentElement.append(host);
  }

  connect();
})();
