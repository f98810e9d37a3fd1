/* inkproof theme behaviour: theme toggle, copy buttons, the TOC's "you are
 * here", search entry points. Deferred, no dependencies, all extras: without
 * JavaScript the toggle and copy buttons stay hidden, Search is a link and
 * the search page lists every guide. The head script marks `html.js` (so
 * buttons hold their place from the first paint) and applies the stored
 * theme. search.js is fetched on first use. Budget: 10 KB. */
(function () {
  "use strict";

  var KEY = "inkproof-theme";
  var root = document.documentElement;
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var LABELS = { system: "auto", light: "light", dark: "dark" };

  // ---------- Theme ----------

  // Storage can be blocked (privacy mode, file://): then follow the system.
  function storedMode() {
    try { var v = localStorage.getItem(KEY); } catch (e) { return "system"; }
    return v === "light" || v === "dark" ? v : "system";
  }

  function storeMode(mode) {
    try { if (mode === "system") localStorage.removeItem(KEY); else localStorage.setItem(KEY, mode); } catch (e) {}
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
      // The name says what is chosen: "Colour theme: dark".
      var name = "Colour theme: " + LABELS[mode] + (mode === "system" ? " (" + shown + ")" : "");
      b.dataset.mode = mode;
      b.setAttribute("aria-label", name);
      b.title = name + ". Click to change.";
    }
  }

  // The first click always changes the look: system → opposite → system's look pinned → system.
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
    setTimeout(function () { status.textContent = text; }, 50);
  }

  // No async clipboard (old browsers, plain http): copy through a hidden
  // textarea, then give focus back.
  function legacyCopy(text) {
    var active = document.activeElement, area = document.createElement("textarea"), ok = false;
    area.value = text;
    area.readOnly = true;
    area.style.cssText = "position:fixed;top:-9999px;opacity:0";
    document.body.appendChild(area);
    area.select();
    try { ok = document.execCommand("copy"); } catch (e) {}
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

  // Bidi controls and zero-width characters would make the pasted command
  // differ from the one shown ("Trojan Source"). The build already takes them
  // out of highlighted code; raw HTML in an article may still hold them.
  var INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u202A-\u202E\u2066-\u2069]/g;

  function wire(button, target) {
    var idle = button.textContent || "Copy";
    var timer;
    button.addEventListener("click", function () {
      copyText(target.textContent.replace(INVISIBLE, "")).then(function () {
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
        clearTimeout(timer);
        timer = setTimeout(function () {
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
    // Other code blocks get a button in a wrapper, so it stays put while the
    // code scrolls (style.css reserves its space: nothing shifts).
    var blocks = document.querySelectorAll("pre.code");
    var plainBlocks = 0;
    for (var j = 0; j < blocks.length; j++) {
      var pre = blocks[j];
      if (pre.closest(".snippet") || pre.closest(".code-block")) continue;
      var wrap = document.createElement("div");
      wrap.className = "code-block";
      pre.parentNode.insertBefore(wrap, pre);
      wrap.appendChild(pre);
      var button = wrap.appendChild(document.createElement("button"));
      button.type = "button";
      button.className = "copy-button";
      button.textContent = "Copy";
      var lang = pre.getAttribute("data-lang");
      // Distinct names: "Copy code block 2 (powershell)".
      button.setAttribute("aria-label", "Copy code block " + (++plainBlocks) + (lang && lang !== "text" ? " (" + lang + ")" : ""));
      wire(button, pre.querySelector("code") || pre);
    }
  }

  // Code that scrolls must be reachable by keyboard (tables are, from the
  // markup); any `pre`, also one written as raw HTML, may scroll.
  function focusableScrollers() {
    var pres = document.querySelectorAll("pre.code, .content pre");
    for (var i = 0; i < pres.length; i++) {
      var p = pres[i];
      if (p.scrollWidth > p.clientWidth || p.scrollHeight > p.clientHeight) p.tabIndex = 0;
    }
  }

  // ---------- TOC: the section in view gets aria-current="true" ----------

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
    var current = null, queued = false;
    function update() {
      queued = false;
      // The last heading above the top fifth of the window is being read.
      var line = innerHeight * 0.2, pick = items[0];
      for (var j = 0; j < items.length; j++) {
        if (items[j].heading.getBoundingClientRect().top <= line) pick = items[j];
        else break;
      }
      // At the very bottom the last sections can never reach the line.
      if (innerHeight + scrollY >= root.scrollHeight - 2) pick = items[items.length - 1];
      if (pick === current) return;
      if (current) current.link.removeAttribute("aria-current");
      pick.link.setAttribute("aria-current", "true");
      current = pick;
    }
    function queue() {
      if (!queued) { queued = true; requestAnimationFrame(update); }
    }
    window.addEventListener("scroll", queue, { passive: true });
    window.addEventListener("resize", queue);
    update();
  }

  // ---------- Search: search.js loads on first use (or at once on /search/) ----------

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

  // The script and its stylesheet, together, once. A build names both on the
  // trigger (fingerprinted); the search page's own stylesheet holds the search
  // rules, so there it names no stylesheet. Older templates name neither.
  function loadSearch(base, trigger) {
    if (!searchLoading) {
      var named = trigger && trigger.hasAttribute("data-search-js");
      var js = named ? trigger.getAttribute("data-search-js") : base + "search.js";
      var cssUrl = named ? trigger.getAttribute("data-search-css") : base + "search.css";
      var css = !cssUrl || document.querySelector('link[href$="search.css"]') ? null : load("link", { rel: "stylesheet", href: cssUrl });
      searchLoading = Promise.all([load("script", { src: js }), css]).then(function () {
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
    // A site built without search (`search: false`) has neither: no key opens it.
    if (!trigger && !pageInput) return;
    if (pageInput) {
      loadSearch(base, trigger).then(function (s) { s.initPage(base); }, function () {});
    }
    function open(e) {
      e.preventDefault();
      if (pageInput) { pageInput.focus(); pageInput.select(); return; }
      loadSearch(base, trigger).then(function (s) { s.openDialog(base, trigger); }, function () {
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
