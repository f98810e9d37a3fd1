/* inkproof default theme behaviour: the theme toggle, copy buttons and search.
 *
 * Loaded with `defer`, no dependencies. Every feature here is an extra: with
 * JavaScript off the page reads the same, the toggle and copy buttons simply
 * stay hidden (they carry the `hidden` attribute in the HTML), downloads
 * still work and the search page lists every guide. The stored theme is
 * applied before paint by a one-line script in the page head; this file keeps
 * it in sync afterwards. */
(function () {
  "use strict";

  var KEY = "inkproof-theme";
  var root = document.documentElement;
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var LABELS = { system: "Auto", light: "Light", dark: "Dark" };

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
      var label = b.querySelector(".theme-label");
      if (label) label.textContent = LABELS[mode];
      b.dataset.mode = mode;
      b.setAttribute("aria-pressed", shown === "dark" ? "true" : "false");
      b.title = "Theme: " + LABELS[mode] + (mode === "system" ? " (follows your system)" : "") + ". Click to change.";
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
      button.setAttribute("aria-label", "Copy " + (lang && lang !== "text" ? lang + " " : "") + "code");
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

  // ---------- Search ----------
  //
  // The search page ships a list of every guide (for readers without
  // JavaScript) and a form. Here the list makes way for ranked matches from
  // the JSON index the build writes. Everything from the index reaches the
  // page through textContent and DOM nodes, never as markup, so a title that
  // looks like HTML shows up as text.

  var SEARCH_DELAY = 120; // ms after the last keystroke; fast enough to feel live
  var SEARCH_LIMIT = 50; // results drawn at once; a longer list helps nobody

  // Field weights, far enough apart that a title match always outranks a
  // heading match, which outranks a tag or keyword, which outranks the summary.
  var WEIGHT = { title: 100, headings: 20, terms: 6, summary: 2 };
  // How well a word sits in the text: inside another word, at a word's
  // start, or as the whole word. The top factor keeps each field below the
  // next one up (20 * 1.6 < 100, 6 * 1.6 < 20 ...).
  var FIT = [0, 1, 1.3, 1.6];

  var COMBINING = /[\u0300-\u036f]/g;
  // Built at run time: an engine without Unicode property escapes would
  // otherwise reject the whole file, theme toggle included.
  var WORD_CHAR = (function () {
    try { return new RegExp("[\\p{L}\\p{N}]", "u"); } catch (e) { return /[0-9a-z\u00c0-\uffff]/i; }
  })();
  // Letters with no decomposition, and typographic punctuation readers type
  // in its plain form.
  var EXTRA_FOLD = { "ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "ß": "ss",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u00a0": " " };

  function foldChar(ch) {
    var f = ch.normalize("NFD").replace(COMBINING, "").toLowerCase();
    return EXTRA_FOLD[f] || f;
  }

  // Lower case, accents off, so "Resume" finds "Résumé" and back.
  function fold(text) {
    var out = "";
    for (var ch of String(text)) out += foldChar(ch);
    return out;
  }

  // The folded text plus, for each of its code units, where it came from in
  // the original, so matches found in folded text can be marked in the
  // original (folding can change lengths: "ß" becomes "ss").
  function foldWithMap(text) {
    var folded = "";
    var from = [];
    var to = [];
    var pos = 0;
    for (var ch of text) {
      var f = foldChar(ch);
      for (var k = 0; k < f.length; k++) { from.push(pos); to.push(pos + ch.length); }
      folded += f;
      pos += ch.length;
    }
    return { text: folded, from: from, to: to };
  }

  // Query words, folded, without sentence punctuation around them and
  // without repeats.
  function queryWords(query) {
    var seen = {};
    var words = [];
    var parts = fold(query).split(/\s+/);
    for (var i = 0; i < parts.length; i++) {
      var w = parts[i].replace(/^["'([{]+/, "").replace(/["'.,;:!?)\]}]+$/, "");
      if (w && !seen[w]) { seen[w] = true; words.push(w); }
    }
    return words;
  }

  function isWordChar(text, i) {
    return i >= 0 && i < text.length && WORD_CHAR.test(text.charAt(i));
  }

  // 0 when `word` is not in `text`, else the best FIT index of its occurrences.
  function fit(text, word) {
    var best = 0;
    var at = text.indexOf(word);
    while (at !== -1 && best < 3) {
      var q = 1;
      if (!isWordChar(text, at - 1)) q = isWordChar(text, at + word.length) ? 2 : 3;
      if (q > best) best = q;
      at = text.indexOf(word, at + 1);
    }
    return best;
  }

  function fitAny(list, word) {
    var best = 0;
    for (var i = 0; i < list.length && best < 3; i++) best = Math.max(best, fit(list[i], word));
    return best;
  }

  function asText(v) { return typeof v === "string" ? v : ""; }
  function asTexts(v) { return Array.isArray(v) ? v.filter(function (x) { return typeof x === "string"; }) : []; }

  // Links only to this site or to the web: a stray `javascript:` URL in the
  // index must not become a live link.
  function safeHref(url) {
    return /^(?:https?:\/\/|\/|\.{0,2}\/)/i.test(url) ? url : "#";
  }

  function prepare(raw) {
    var docs = [];
    for (var i = 0; i < raw.length; i++) {
      var r = raw[i];
      if (!r || typeof r !== "object") continue;
      var d = {
        order: docs.length,
        title: asText(r.title),
        url: safeHref(asText(r.url)),
        summary: asText(r.summary),
        date: asText(r.date),
        terms: asTexts(r.terms),
        headings: asTexts(r.headings),
      };
      d.f = { title: fold(d.title), summary: fold(d.summary), terms: d.terms.map(fold), headings: d.headings.map(fold) };
      docs.push(d);
    }
    return docs;
  }

  // Every word must be somewhere; the score sums, per word, its best field
  // plus a little for each other field it also appears in.
  function score(doc, words) {
    var total = 0;
    for (var i = 0; i < words.length; i++) {
      var w = words[i];
      var s = [
        WEIGHT.title * FIT[fit(doc.f.title, w)],
        WEIGHT.headings * FIT[fitAny(doc.f.headings, w)],
        WEIGHT.terms * FIT[fitAny(doc.f.terms, w)],
        WEIGHT.summary * FIT[fit(doc.f.summary, w)],
      ];
      var best = Math.max.apply(null, s);
      if (best === 0) return 0;
      total += best + 0.2 * (s[0] + s[1] + s[2] + s[3] - best);
    }
    if (words.length > 1) {
      var phrase = words.join(" ");
      if (doc.f.title.indexOf(phrase) !== -1) total += 50;
      else if (doc.f.headings.some(function (h) { return h.indexOf(phrase) !== -1; })) total += 10;
    }
    return total;
  }

  function search(docs, words) {
    var hits = [];
    for (var i = 0; i < docs.length; i++) {
      var s = score(docs[i], words);
      if (s > 0) hits.push({ doc: docs[i], score: s });
    }
    hits.sort(function (a, b) { return b.score - a.score || a.doc.order - b.doc.order; });
    return hits;
  }

  // Fills `el` with `text`, each match of `words` wrapped in <mark>. Built
  // from text nodes, so the text can never turn into markup.
  function highlight(el, text, words) {
    var m = foldWithMap(text);
    var ranges = [];
    for (var i = 0; i < words.length; i++) {
      var w = words[i];
      for (var at = m.text.indexOf(w); at !== -1; at = m.text.indexOf(w, at + 1)) {
        ranges.push([m.from[at], m.to[at + w.length - 1]]);
      }
    }
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    var pos = 0;
    for (var j = 0; j < ranges.length; j++) {
      var start = Math.max(ranges[j][0], pos);
      var end = ranges[j][1];
      while (j + 1 < ranges.length && ranges[j + 1][0] <= end) end = Math.max(end, ranges[++j][1]);
      if (end <= start) continue;
      if (start > pos) el.appendChild(document.createTextNode(text.slice(pos, start)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(start, end);
      el.appendChild(mark);
      pos = end;
    }
    if (pos < text.length) el.appendChild(document.createTextNode(text.slice(pos)));
    return el;
  }

  function element(tag, className) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    return el;
  }

  // A labelled line listing the entries of `list` that contain a query word,
  // so a reader sees why a guide matched when its title does not say.
  function matchedLine(className, label, list, folded, words, max) {
    var hits = [];
    for (var i = 0; i < list.length && hits.length < max; i++) {
      if (words.some(function (w) { return folded[i].indexOf(w) !== -1; })) hits.push(list[i]);
    }
    if (!hits.length) return null;
    var p = element("p", className);
    var name = element("span", "search-result-label");
    name.textContent = label + ": ";
    p.appendChild(name);
    for (var j = 0; j < hits.length; j++) {
      if (j) p.appendChild(document.createTextNode(" · "));
      highlight(p.appendChild(element("span")), hits[j], words);
    }
    return p;
  }

  function renderHit(doc, words) {
    var li = element("li", "search-result");
    var a = element("a", "search-result-title");
    a.href = doc.url;
    highlight(a, doc.title || doc.url, words);
    li.appendChild(a);
    if (doc.date) {
      var meta = element("p", "search-result-meta");
      meta.textContent = doc.date;
      li.appendChild(meta);
    }
    var sections = matchedLine("search-result-extra", "Sections", doc.headings, doc.f.headings, words, 3);
    if (sections) li.appendChild(sections);
    var terms = matchedLine("search-result-extra", "Topics", doc.terms, doc.f.terms, words, 4);
    if (terms) li.appendChild(terms);
    if (doc.summary) li.appendChild(highlight(element("p", "search-result-summary"), doc.summary, words));
    return li;
  }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function initSearch() {
    var input = document.querySelector("#search-input[data-search-index]");
    if (!input) return;
    var form = input.form;
    var status = document.querySelector(".search-status");
    var list = document.querySelector(".search-results");
    var all = document.querySelector(".search-all");
    var hint = document.getElementById("search-hint");
    if (!status || !list) return;

    var docs = null; // null while loading, [] if the index could not be read
    var failed = false;
    var timer;
    var shownQuery = null;

    if (form) form.hidden = false;
    if (all) all.hidden = true;
    if (hint) hint.hidden = false;

    function say(text) { if (status.textContent !== text) status.textContent = text; }

    function syncUrl(query) {
      if (!window.history || !history.replaceState) return;
      var url = new URL(window.location.href);
      if (query) url.searchParams.set("q", query);
      else url.searchParams.delete("q");
      if (url.href !== window.location.href) history.replaceState(history.state, "", url.href);
    }

    function run() {
      window.clearTimeout(timer);
      var query = input.value.trim();
      syncUrl(query);
      if (failed) return;
      if (!docs) { if (query) say("Loading the search index…"); return; }
      if (query === shownQuery) return;
      shownQuery = query;
      list.textContent = "";
      var words = queryWords(query);
      if (!words.length) {
        say(query ? "Type a word to search." : "Type to search " + plural(docs.length, "guide", "guides") + ".");
        return;
      }
      var hits = search(docs, words);
      var quoted = "\u201c" + query + "\u201d";
      if (!hits.length) {
        say("No guides match " + quoted + ". Try fewer or shorter words.");
        return;
      }
      var frag = document.createDocumentFragment();
      for (var i = 0; i < hits.length && i < SEARCH_LIMIT; i++) frag.appendChild(renderHit(hits[i].doc, words));
      list.appendChild(frag);
      var text = plural(hits.length, "guide matches", "guides match") + " " + quoted;
      say(hits.length > SEARCH_LIMIT ? text + "; showing the best " + SEARCH_LIMIT + "." : text);
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(run, SEARCH_DELAY);
    }

    function links() { return list.querySelectorAll("a.search-result-title"); }

    function moveFocus(from, step) {
      var items = Array.prototype.slice.call(links());
      var i = items.indexOf(from) + step;
      if (i < 0) input.focus();
      else if (i < items.length) items[i].focus();
    }

    input.addEventListener("input", later);
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") {
        run(); // a pending keystroke first, so the focus lands on fresh results
        if (links().length) {
          e.preventDefault();
          links()[0].focus();
        }
      } else if (e.key === "Escape" && input.value) {
        e.preventDefault();
        input.value = "";
        run();
      }
    });
    list.addEventListener("keydown", function (e) {
      var link = e.target.closest && e.target.closest("a.search-result-title");
      if (!link) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        moveFocus(link, e.key === "ArrowDown" ? 1 : -1);
      } else if (e.key === "Escape") {
        e.preventDefault();
        input.focus();
      }
    });
    if (form) form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
    // "/" jumps to the search box, as on many sites, unless the reader is typing.
    document.addEventListener("keydown", function (e) {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      var t = e.target;
      if (t && (t.isContentEditable || /^(?:INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      e.preventDefault();
      input.focus();
      input.select();
    });

    var params = new URLSearchParams(window.location.search);
    var q = params.get("q");
    if (q) input.value = q;
    input.focus({ preventScroll: true });

    say("Loading the search index…");
    fetch(input.getAttribute("data-search-index"), { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (raw) {
        if (!Array.isArray(raw)) throw new Error("not a list");
        docs = prepare(raw);
        run();
      })
      .catch(function () {
        failed = true;
        list.textContent = "";
        if (form) form.hidden = true;
        if (all) all.hidden = false;
        say("Search is not available right now, so here is every guide instead.");
      });
  }

  function init() {
    initTheme();
    initCopy();
    focusableScrollers();
    initSearch();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
