/* inkproof search: the reader's half of the chunked index (src/search.rs).
 *
 * Loaded by inkproof.js on first use. A query fetches `meta.json` once, then
 * only the word chunks its words live in and the document chunks of the
 * results it draws; nothing else. A site built before the chunked index
 * existed has only `search.json` (titles, headings, terms, summaries): that
 * file is read into the same shape, so both give the same ranking.
 *
 * Everything from the index reaches the page through textContent and DOM
 * nodes, never as markup, so a title that looks like HTML stays text. */
(function () {
  "use strict";

  var SEARCH_DELAY = 120; // ms after the last keystroke
  var SHOWN = 10; // results drawn at once (and per "More results"); their documents are fetched
  var PREFIX = 0.7; // a word that only starts with the query word counts less
  var MAX_PREFIX_CHUNKS = 6; // a short word would need many chunks: use fewer
  // Weights of the fields, as in src/search.rs.
  var W = { title: 100, headings: 20, terms: 6, summary: 2 };

  // ---------- Text folding (must match `fold` in src/search.rs) ----------

  var COMBINING = /[\u0300-\u036f]/g;
  var NON_WORD = (function () {
    try { return new RegExp("[^\\p{L}\\p{N}]+", "u"); } catch (e) { return /[^0-9a-z\u00c0-\uffff]+/i; }
  })();
  var EXTRA_FOLD = { "ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "ß": "ss" };

  function foldChar(ch) {
    var f = ch.normalize("NFD").replace(COMBINING, "").toLowerCase();
    var out = "";
    for (var c of f) out += EXTRA_FOLD[c] || c;
    return out;
  }

  function fold(text) {
    var out = "";
    for (var ch of String(text)) out += foldChar(ch);
    return out;
  }

  // The folded text plus, for each code unit, where it came from, so matches
  // found in folded text can be marked in the original ("ß" becomes "ss").
  function foldWithMap(text) {
    var folded = "", from = [], to = [], pos = 0;
    for (var ch of text) {
      var f = foldChar(ch);
      for (var k = 0; k < f.length; k++) { from.push(pos); to.push(pos + ch.length); }
      folded += f;
      pos += ch.length;
    }
    return { text: folded, from: from, to: to };
  }

  function wordsOf(text, stop) {
    var seen = {}, out = [];
    var parts = fold(text).split(NON_WORD);
    for (var i = 0; i < parts.length; i++) {
      var w = parts[i];
      if (w.length > 1 && !seen[w] && !(stop && stop[w])) { seen[w] = true; out.push(w); }
    }
    return out;
  }

  // ---------- The index ----------

  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status + " for " + url);
      return r.json();
    });
  }

  function hex(key) {
    var bytes = new TextEncoder().encode(key), s = "";
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }

  // Links only to this site or to the web: a stray `javascript:` URL in the
  // index must not become a live link.
  function safeHref(url) {
    return /^(?:https?:\/\/|\/|\.{0,2}\/)/i.test(url) ? url : "#";
  }

  function asText(v) { return typeof v === "string" ? v : ""; }
  function asTexts(v) { return Array.isArray(v) ? v.filter(function (x) { return typeof x === "string"; }) : []; }

  function makeDoc(id, r) {
    var d = { id: id, url: safeHref(asText(r[0])), title: asText(r[1]), date: asText(r[2]),
      summary: asText(r[3]), headings: asTexts(r[4]), terms: asTexts(r[5]) };
    d.fh = d.headings.map(fold);
    d.ft = d.terms.map(fold);
    return d;
  }

  // `chunked`: the page says the build wrote the chunked index (the
  // `data-search-chunked` attribute); otherwise there is only search.json.
  function Index(base, chunked, fallbackUrl) {
    this.dir = base + "search/idx/";
    this.chunked = chunked;
    this.fallbackUrl = fallbackUrl || base + "search.json";
    this.chunks = {};
    this.docChunks = {};
    this.ready = this.load();
  }

  Index.prototype.load = function () {
    var self = this;
    if (!this.chunked) {
      return getJson(this.fallbackUrl).then(function (raw) {
        if (!Array.isArray(raw)) throw new Error("not a list");
        self.fromFullIndex(raw);
      });
    }
    return getJson(this.dir + "meta.json").then(function (meta) {
      if (!meta || !Array.isArray(meta.keys)) throw new Error("bad meta");
      self.meta = meta;
      self.count = meta.docs;
      self.stop = {};
      (meta.stop || []).forEach(function (w) { self.stop[w] = true; });
    });
  };

  // search.json → the same word table and documents, held in memory.
  Index.prototype.fromFullIndex = function (raw) {
    var words = {}, docs = [];
    raw.forEach(function (r) {
      if (!r || typeof r !== "object") return;
      var id = docs.length;
      var terms = asTexts(r.terms), headings = asTexts(r.headings);
      docs.push(makeDoc(id, [r.url, r.title, r.date, r.summary, headings, terms]));
      var fields = [[asText(r.title), W.title], [headings.join(" \n "), W.headings], [terms.join(" \n "), W.terms], [asText(r.summary), W.summary]];
      fields.forEach(function (f) {
        wordsOf(f[0]).forEach(function (w) {
          var p = words[w] || (words[w] = {});
          p[id] = (p[id] || 0) + f[1];
        });
      });
    });
    this.memory = words;
    this.docs = docs;
    this.count = docs.length;
    this.stop = {};
  };

  Index.prototype.chunk = function (key) {
    if (!this.chunks[key]) this.chunks[key] = getJson(this.dir + "w/" + hex(key) + ".json");
    return this.chunks[key];
  };

  // Every indexed word that equals or starts with `w`, as { word: {doc: score} }.
  Index.prototype.lookup = function (w) {
    if (this.memory) {
      var out = {};
      for (var word in this.memory) if (word.lastIndexOf(w, 0) === 0) out[word] = this.memory[word];
      return Promise.resolve(out);
    }
    var keys = this.meta.keys, exact = null, longer = [];
    for (var i = 0; i < keys.length; i++) {
      var k = keys[i];
      if (w.lastIndexOf(k, 0) === 0 && (!exact || k.length > exact.length)) exact = k;
      else if (k.length > w.length && k.lastIndexOf(w, 0) === 0) longer.push(k);
    }
    if (longer.length > MAX_PREFIX_CHUNKS) longer = [];
    var wanted = exact !== null ? [exact].concat(longer) : longer;
    return Promise.all(wanted.map(this.chunk, this)).then(function (chunks) {
      var out = {};
      chunks.forEach(function (c) {
        for (var word in c) {
          if (word.lastIndexOf(w, 0) !== 0) continue;
          var list = c[word], docs = {}, id = 0;
          for (var j = 0; j + 1 < list.length; j += 2) { id += list[j]; docs[id] = list[j + 1]; }
          out[word] = docs;
        }
      });
      return out;
    });
  };

  // Ranked hits for `words`: every word must match; per word the best
  // matching index word counts (a whole word fully, a longer word less).
  Index.prototype.search = function (words) {
    return Promise.all(words.map(this.lookup, this)).then(function (tables) {
      var total = null;
      tables.forEach(function (table, i) {
        var best = {};
        for (var word in table) {
          var f = word === words[i] ? 1 : PREFIX;
          var docs = table[word];
          for (var id in docs) {
            var s = docs[id] * f;
            if (!(best[id] >= s)) best[id] = s;
          }
        }
        if (total === null) total = best;
        else {
          var next = {};
          for (var d in total) if (best[d] !== undefined) next[d] = total[d] + best[d];
          total = next;
        }
      });
      var hits = [];
      for (var d in total || {}) hits.push({ id: +d, score: total[d] });
      hits.sort(function (a, b) { return b.score - a.score || a.id - b.id; });
      return hits;
    });
  };

  Index.prototype.doc = function (id) {
    if (this.docs) return Promise.resolve(this.docs[id]);
    var per = this.meta.docs_per_chunk, n = Math.floor(id / per);
    if (!this.docChunks[n]) this.docChunks[n] = getJson(this.dir + "d/" + n + ".json");
    return this.docChunks[n].then(function (list) { return makeDoc(id, list[id - n * per] || []); });
  };

  // ---------- Drawing results ----------

  function element(tag, className) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    return el;
  }

  // Fills `el` with `text`, every word starting with a query word wrapped in
  // <mark>. Built from text nodes, so the text can never turn into markup.
  function highlight(el, text, words) {
    var m = foldWithMap(text), ranges = [];
    words.forEach(function (w) {
      for (var at = m.text.indexOf(w); at !== -1; at = m.text.indexOf(w, at + 1)) {
        ranges.push([m.from[at], m.to[at + w.length - 1]]);
      }
    });
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    var pos = 0;
    for (var j = 0; j < ranges.length; j++) {
      var start = Math.max(ranges[j][0], pos), end = ranges[j][1];
      while (j + 1 < ranges.length && ranges[j + 1][0] <= end) end = Math.max(end, ranges[++j][1]);
      if (end <= start) continue;
      if (start > pos) el.appendChild(document.createTextNode(text.slice(pos, start)));
      var mark = el.appendChild(element("mark"));
      mark.textContent = text.slice(start, end);
      pos = end;
    }
    if (pos < text.length) el.appendChild(document.createTextNode(text.slice(pos)));
    return el;
  }

  // "Sections: …" / "Topics: …": why a guide matched when its title does not say.
  function matchedLine(label, list, folded, words, max) {
    var hits = [];
    for (var i = 0; i < list.length && hits.length < max; i++) {
      if (words.some(function (w) { return folded[i].indexOf(w) !== -1; })) hits.push(list[i]);
    }
    if (!hits.length) return null;
    var p = element("p", "search-result-extra");
    p.appendChild(element("span", "search-result-label")).textContent = label + ": ";
    hits.forEach(function (h, j) {
      if (j) p.appendChild(document.createTextNode(" · "));
      highlight(p.appendChild(element("span")), h, words);
    });
    return p;
  }

  function renderHit(doc, words) {
    var li = element("li", "search-result");
    var a = li.appendChild(element("a", "search-result-title"));
    a.href = doc.url;
    highlight(a, doc.title || doc.url, words);
    if (doc.date) li.appendChild(element("p", "search-result-meta")).textContent = doc.date;
    var sections = matchedLine("Sections", doc.headings, doc.fh, words, 3);
    if (sections) li.appendChild(sections);
    var topics = matchedLine("Topics", doc.terms, doc.ft, words, 4);
    if (topics) li.appendChild(topics);
    if (doc.summary) li.appendChild(highlight(element("p", "search-result-summary"), doc.summary, words));
    return li;
  }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  // ---------- One search box (the page's or the dialog's) ----------

  function bind(ui, index, opts) {
    var timer, shown = null, run = 0;
    function say(text) { if (ui.status.textContent !== text) ui.status.textContent = text; }

    function syncUrl(query) {
      if (!opts.syncUrl || !window.history || !history.replaceState) return;
      var url = new URL(window.location.href);
      if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
      if (url.href !== window.location.href) history.replaceState(history.state, "", url.href);
    }

    function update() {
      window.clearTimeout(timer);
      var query = ui.input.value.trim();
      syncUrl(query);
      if (query === shown) return Promise.resolve();
      shown = query;
      var mine = ++run;
      var words = wordsOf(query, index.stop);
      if (!words.length) {
        ui.list.textContent = "";
        say(query ? "Type a longer word to search." : "Type to search " + plural(index.count, "guide", "guides") + ".");
        return Promise.resolve();
      }
      var quoted = "\u201c" + query + "\u201d";
      return index.search(words).then(function (hits) {
        if (mine !== run) return;
        ui.list.textContent = "";
        if (more) more.remove();
        if (!hits.length) { say("No guides match " + quoted + ". Try fewer or shorter words."); return; }
        var text = plural(hits.length, "guide matches", "guides match") + " " + quoted;
        return draw(hits, 0, words, mine).then(function () {
          if (mine === run) say(hits.length > SHOWN ? text + "; the best first." : text);
        });
      }).catch(function () {
        if (mine === run) { shown = null; say("Search is not available right now."); }
      });
    }

    // Draws hits[from, from + SHOWN) (fetching their documents), then a
    // "More results" button while there are more.
    var more = null;
    function draw(hits, from, words, mine) {
      var slice = hits.slice(from, from + SHOWN);
      return Promise.all(slice.map(function (h) { return index.doc(h.id); })).then(function (docs) {
        if (mine !== run) return;
        var frag = document.createDocumentFragment();
        docs.forEach(function (d) { frag.appendChild(renderHit(d, words)); });
        ui.list.appendChild(frag);
        if (more) more.remove();
        more = null;
        if (hits.length > from + SHOWN) {
          more = element("button", "search-more");
          more.type = "button";
          more.textContent = "More results (" + (hits.length - from - SHOWN) + " left)";
          more.addEventListener("click", function () {
            var first = from + SHOWN;
            draw(hits, first, words, mine).then(function () {
              var next = links()[first];
              if (next) next.focus();
            });
          });
          ui.list.parentNode.insertBefore(more, ui.list.nextSibling);
        }
      });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, SEARCH_DELAY);
    }

    function links() { return ui.list.querySelectorAll("a.search-result-title"); }

    ui.input.addEventListener("input", later);
    ui.input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") {
        e.preventDefault();
        update().then(function () { if (links().length) links()[0].focus(); });
      } else if (e.key === "Escape" && ui.input.value) {
        e.preventDefault();
        e.stopPropagation();
        ui.input.value = "";
        update();
      }
    });
    ui.list.addEventListener("keydown", function (e) {
      var link = e.target.closest && e.target.closest("a.search-result-title");
      if (!link) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        var items = Array.prototype.slice.call(links());
        var i = items.indexOf(link) + (e.key === "ArrowDown" ? 1 : -1);
        if (i < 0) ui.input.focus();
        else if (i < items.length) items[i].focus();
      } else if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        ui.input.focus();
      }
    });
    if (ui.form) ui.form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
    return { update: update, say: say };
  }

  function chunked() {
    var t = document.querySelector("[data-search-open]");
    return !!(t && t.hasAttribute("data-search-chunked"));
  }

  // ---------- The search page ----------

  function initPage(base) {
    var input = document.querySelector("#search-input[data-search-index]");
    var status = document.querySelector(".search-status");
    var list = document.querySelector(".search-results");
    if (!input || !status || !list) return;
    var form = input.form, all = document.querySelector(".search-all"), hint = document.getElementById("search-hint");
    if (form) form.hidden = false;
    if (all) all.hidden = true;
    if (hint) hint.hidden = false;
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) input.value = q;
    input.focus({ preventScroll: true });
    status.textContent = "Loading the search index…";
    var index = new Index(base, chunked(), input.getAttribute("data-search-index"));
    index.ready.then(function () {
      bind({ input: input, status: status, list: list, form: form }, index, { syncUrl: true }).update();
    }, function () {
      list.textContent = "";
      // Inline styles: the theme shows the form on `html.js` pages.
      if (form) { form.hidden = true; form.style.display = "none"; }
      if (all) { all.hidden = false; all.style.display = "block"; }
      status.textContent = "Search is not available right now, so here is every guide instead.";
    });
  }

  // ---------- The header dialog ----------

  var dialog = null;

  function buildDialog(base) {
    var d = element("dialog", "search-dialog");
    d.setAttribute("aria-labelledby", "search-dialog-title");
    var head = d.appendChild(element("div", "search-dialog-head"));
    var h = head.appendChild(element("h2"));
    h.id = "search-dialog-title";
    h.textContent = "Search the guides";
    var close = head.appendChild(element("button", "search-close"));
    close.type = "button";
    close.textContent = "Close";
    close.addEventListener("click", function () { d.close(); });
    var form = d.appendChild(element("form", "search-form"));
    form.setAttribute("role", "search");
    form.action = base + "search/";
    form.method = "get";
    var label = form.appendChild(element("label", "visually-hidden"));
    label.htmlFor = "search-dialog-input";
    label.textContent = "Search words";
    var field = form.appendChild(element("div", "search-field"));
    var input = field.appendChild(element("input"));
    input.id = "search-dialog-input";
    input.name = "q";
    input.type = "search";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("enterkeyhint", "search");
    var submit = field.appendChild(element("button", "search-submit"));
    submit.type = "submit";
    submit.textContent = "Search";
    var status = d.appendChild(element("p", "search-status"));
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var list = d.appendChild(element("ol", "search-results"));
    list.setAttribute("aria-label", "Search results");
    // Clicking the backdrop (outside the box) closes, as readers expect.
    d.addEventListener("click", function (e) {
      if (e.target !== d) return;
      var r = d.getBoundingClientRect();
      if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) d.close();
    });
    document.body.appendChild(d);
    var index = new Index(base, chunked());
    var box = bind({ input: input, status: status, list: list, form: form }, index, { syncUrl: false });
    status.textContent = "Loading the search index…";
    index.ready.then(function () { box.update(); }, function () {
      status.textContent = "Search is not available right now. ";
      var a = status.appendChild(element("a"));
      a.href = base + "search/";
      a.textContent = "Open the search page";
    });
    return { el: d, input: input };
  }

  function openDialog(base, trigger) {
    if (!dialog) dialog = buildDialog(base);
    if (!dialog.el.open) {
      dialog.el.showModal();
      if (trigger) dialog.el.addEventListener("close", function () { trigger.focus(); }, { once: true });
    }
    dialog.input.focus();
    dialog.input.select();
  }

  window.inkproofSearch = { initPage: initPage, openDialog: openDialog, fold: fold, wordsOf: wordsOf };
})();
