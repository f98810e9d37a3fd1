/* inkproof default theme behaviour: the theme toggle, copy buttons, the
 * table of contents' "you are here", and the search entry points.
 *
 * Loaded with `defer`, no dependencies. Every feature here is an extra: with
 * JavaScript off the page reads the same, the toggle and copy buttons simply
 * stay hidden (they carry the `hidden` attribute in the HTML), downloads
 * still work, the header's Search is a link and the search page lists every
 * guide. A one-line script in the page head marks `html.js` (so the toggle
 * and copy buttons hold their place from the first paint) and applies the
 * stored theme; this file keeps it in sync afterwards. The search itself
 * (search.js) is fetched only when a reader opens it. */
(function () {
  "use strict";

  var KEY = "inkproof-theme";
  var root = document.documentElement;
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var LABELS = { system: "auto", light: "light", dark: "dark" };

  // ---------- Theme ----------

  function storedMode() {
    try {
      var v = window.localStorage.getItem(KEY);
      return v === "light" || v === "dark" ? v : "system";
    } catch (e) {
      return "system"; // storage blocked (privacy mode, file://): follow the system
    }
  }

  function storeMode(mode) {
    try {
      if (mode === "system") window.localStorage.removeItem(KEY);
      else window.localStorage.setItem(KEY, mode);
    } catch (e) { /* the choice lasts for this page only */ }
  }

  function systemTheme() {
    return darkQuery && darkQuery.matches ? "dark" : "light";
  }

  function applyMode(mode) {
    if (mode === "system") delete root.dataset.theme;
    else root.dataset.theme = mode;
    var shown = mode === "system" ? systemTheme() : mode;
    var toggles = document.querySelectorAll("[data-theme-toggle]");
    for (var i = 0; i < toggles.length; i++) {
      var b = toggles[i];
      // The name says what is chosen, so every toggle on every page reads
      // "Colour theme: dark" rather than a bare "Auto".
      var name = "Colour theme: " + LABELS[mode] + (mode === "system" ? " (" + shown + ")" : "");
      b.dataset.mode = mode;
      b.setAttribute("aria-label", name);
      b.title = name + ". Click to change.";
    }
  }

  // The first click always changes what the reader sees: from "system" it goes
  // to the opposite look, then to the system's look pinned, then back to system.
  function nextMode(mode) {
    var sys = systemTheme();
    var other = sys === "dark" ? "light" : "dark";
    if (mode === "system") return other;
    if (mode === other) return sys;
    return "system";
  }

  function initTheme() {
    var mode = storedMode();
    applyMode(mode);
    var toggles = document.querySelectorAll("[data-theme-toggle]");
    for (var i = 0; i < toggles.length; i++) {
      toggles[i].hidden = false;
      toggles[i].addEventListener("click", function () {
        mode = nextMode(mode);
        storeMode(mode);
        applyMode(mode);
      });
    }
    if (darkQuery) {
      var onChange = function () { if (mode === "system") applyMode(mode); };
      if (darkQuery.addEventListener) darkQuery.addEventListener("change", onChange);
      else if (darkQuery.addListener) darkQuery.addListener(onChange);
    }
    // Another tab changed the theme: follow it.
    window.addEventListener("storage", function (e) {
      if (e.key === KEY) { mode = storedMode(); applyMode(mode); }
    });
  }

  // ---------- Copy ----------

  var status; // one polite live region, so screen readers hear "Copied"

  function announce(text) {
    if (!status) {
      status = document.createElement("span");
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      document.body.appendChild(status);
    }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  // Older browsers and non-secure origins have no async clipboard: copy
  // through a hidden textarea instead, then give focus back.
  function legacyCopy(text) {
    var active = document.activeElement;
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "-9999px";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    if (active && active.focus) active.focus();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copyText(text) {
    if (navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(text); });
    }
    return legacyCopy(text);
  }

  function selectContents(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function wire(button, target) {
    var idle = button.textContent || "Copy";
    var timer;
    button.addEventListener("click", function () {
      copyText(target.textContent).then(function () {
        button.textContent = "Copied";
        button.dataset.copied = "true";
        announce("Copied to clipboard");
      }, function () {
        // Leave the code selected so the reader can copy it by hand.
        selectContents(target);
        button.textContent = "Press Ctrl+C";
        button.dataset.copied = "false";
        announce("Could not copy. The code is selected; press Ctrl+C.");
      }).then(function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          button.textContent = idle;
          delete button.dataset.copied;
        }, 1500);
      });
    });
    button.hidden = false;
  }

  function initCopy() {
    // Buttons the build wrote next to snippets.
    var buttons = document.querySelectorAll(".copy-button[data-copy-target]");
    for (var i = 0; i < buttons.length; i++) {
      var target = document.getElementById(buttons[i].getAttribute("data-copy-target"));
      if (target) wire(buttons[i], target);
    }
    // Every other code block gets its own button, in a wrapper so the button
    // does not scroll away with long lines.
    var blocks = document.querySelectorAll("pre.code");
    var plainBlocks = 0;
    for (var j = 0; j < blocks.length; j++) {
      var pre = blocks[j];
      if (pre.closest(".snippet") || pre.closest(".code-block")) continue;
      var wrap = document.createElement("div");
      wrap.className = "code-block";
      pre.parentNode.insertBefore(wrap, pre);
      wrap.appendChild(pre);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = "Copy";
      var lang = pre.getAttribute("data-lang");
      // Distinct names: "Copy code block 2 (powershell)".
      button.setAttribute("aria-label", "Copy code block " + (++plainBlocks) + (lang && lang !== "text" ? " (" + lang + ")" : ""));
      wrap.appendChild(button);
      wire(button, pre.querySelector("code") || pre);
    }
  }

  // Code that scrolls must be reachable by keyboard.
  function focusableScrollers() {
    var pres = document.querySelectorAll("pre.code");
    for (var i = 0; i < pres.length; i++) {
      var p = pres[i];
      if (p.scrollWidth > p.clientWidth || p.scrollHeight > p.clientHeight) p.tabIndex = 0;
    }
  }

  // ---------- Table of contents ----------
  //
  // The TOC is a plain list of links; here the entry of the section in view
  // gets aria-current="true" (and its highlight from the theme).

  function initToc() {
    var toc = document.querySelector("[data-toc]");
    if (!toc) return;
    var links = toc.querySelectorAll('a[href^="#"]');
    var items = [];
    for (var i = 0; i < links.length; i++) {
      var h = document.getElementById(decodeURIComponent(links[i].getAttribute("href").slice(1)));
      if (h) items.push({ link: links[i], heading: h });
    }
    if (!items.length) return;
    var current = null;
    var queued = false;
    function update() {
      queued = false;
      // The last heading above the top fifth of the window is the one being read.
      var line = window.innerHeight * 0.2;
      var pick = items[0];
      for (var j = 0; j < items.length; j++) {
        if (items[j].heading.getBoundingClientRect().top <= line) pick = items[j];
        else break;
      }
      // At the very bottom the last sections can never reach the line.
      if (window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2) pick = items[items.length - 1];
      if (pick === current) return;
      if (current) current.link.removeAttribute("aria-current");
      pick.link.setAttribute("aria-current", "true");
      current = pick;
    }
    function queue() {
      if (!queued) { queued = true; window.requestAnimationFrame(update); }
    }
    window.addEventListener("scroll", queue, { passive: true });
    window.addEventListener("resize", queue);
    update();
  }

  // ---------- Search ----------
  //
  // The search code (search.js) loads on first use: when the reader opens
  // the header search (click, "/" or Ctrl+K), or at once on the search page.

  var searchLoading = null;

  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement(tag);
      for (var k in attrs) el[k] = attrs[k];
      el.onload = resolve;
      el.onerror = reject;
      document.head.appendChild(el);
    });
  }

  // The script and its stylesheet, together, once (the search page links the
  // stylesheet itself).
  function loadSearch(base) {
    if (!searchLoading) {
      var css = document.querySelector('link[href$="search.css"]') ? null : load("link", { rel: "stylesheet", href: base + "search.css" });
      searchLoading = Promise.all([load("script", { src: base + "search.js" }), css]).then(function () {
        if (!window.inkproofSearch) throw new Error("no search");
        return window.inkproofSearch;
      });
    }
    return searchLoading;
  }

  function initSearch() {
    var trigger = document.querySelector("[data-search-open]");
    var base = trigger ? trigger.getAttribute("data-search-base") || "/" : "/";
    var pageInput = document.querySelector("#search-input[data-search-index]");
    if (pageInput) {
      loadSearch(base).then(function (s) { s.initPage(base); }, function () {});
    }
    function open(e) {
      if (pageInput) {
        if (e) e.preventDefault();
        pageInput.focus();
        pageInput.select();
        return;
      }
      if (e) e.preventDefault();
      loadSearch(base).then(function (s) { s.openDialog(base, trigger); }, function () {
        window.location.href = trigger ? trigger.href : base + "search/";
      });
    }
    if (trigger) trigger.addEventListener("click", function (e) {
      if (e.button === 0 && !e.ctrlKey && !e.metaKey && !e.shiftKey && !e.altKey) open(e);
    });
    // "/" or Ctrl+K opens search, as on many sites, unless the reader is typing.
    document.addEventListener("keydown", function (e) {
      var slash = e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey;
      var ctrlK = (e.key === "k" || e.key === "K") && (e.ctrlKey || e.metaKey);
      if ((!slash && !ctrlK) || e.defaultPrevented) return;
      var t = e.target;
      if (slash && t && (t.isContentEditable || /^(?:INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      open(e);
    });
  }

  function init() {
    initTheme();
    initCopy();
    focusableScrollers();
    initToc();
    initSearch();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
