/* inkproof default theme behaviour: the theme toggle and copy buttons.
 *
 * Loaded with `defer`, no dependencies. Every feature here is an extra: with
 * JavaScript off the page reads the same, the toggle and copy buttons simply
 * stay hidden (they carry the `hidden` attribute in the HTML) and downloads
 * still work. The stored theme is applied before paint by a one-line script
 * in the page head; this file keeps it in sync afterwards. */
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

  function init() {
    initTheme();
    initCopy();
    focusableScrollers();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
