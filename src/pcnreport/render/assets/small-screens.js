/* Small screens (pcnreport's pandoc path): a Menu button that folds the sidebar away on narrow
   screens, and a written cue above anything that scrolls sideways.

   Loaded without `defer` from <head> so that the class below is on <html> before the first paint:
   otherwise a phone would draw the whole chapter list and then snap it shut. Everything else waits
   for the document. Without this script the sidebar stays open above the content (the skip link
   jumps past it) and wide tables and charts still scroll, with the edge shading of styles.css. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("nav-js");

  function setupMenu() {
    var button = document.querySelector(".nav-toggle");
    var sidebar = document.querySelector(".sidebar");
    if (!button || !sidebar) { root.classList.remove("nav-js"); return; }

    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      sidebar.classList.toggle("nav-open", open);
    }
    button.hidden = false;
    setOpen(false);
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    // Escape folds the menu from anywhere inside it and puts focus back where the reader opened it.
    sidebar.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true"
          && getComputedStyle(button).display !== "none") {
        setOpen(false);
        button.focus();
      }
    });
  }

  // --- sideways scrolling ------------------------------------------------------------------------
  var SCROLLERS = "main table, main pre, main .pcn-chart";

  function cueText(el) {
    if (el.tagName === "TABLE") return "Wide table: scroll sideways for more columns";
    if (!el.classList.contains("pcn-chart")) return "Scroll sideways for the rest";
    // A map's legend sits to its right (Vega draws legends as .role-legend groups): say it is out there.
    var box = el.getBoundingClientRect();
    var hidden = Array.prototype.some.call(el.querySelectorAll("svg .role-legend"), function (legend) {
      var r = legend.getBoundingClientRect();
      return r.width > 0 && (r.right > box.right + 1 || r.left < box.left - 1);
    });
    return hidden ? "Wide chart: scroll sideways for its legend"
      : "Wide chart: scroll sideways for the rest";
  }

  function update(el) {
    var over = el.scrollWidth > el.clientWidth + 1;
    var cue = el.previousElementSibling;
    if (!(cue && cue.classList.contains("scroll-cue"))) {
      if (!over) return;
      cue = document.createElement("p");
      cue.className = "scroll-cue";
      // What the cue says is for eyes; a screen reader reads the table or chart whole anyway.
      cue.setAttribute("aria-hidden", "true");
      el.parentNode.insertBefore(cue, el);
    }
    // Worded again each time: a chart that finished drawing may now have its legend out of sight.
    if (over && (el.scrollLeft === 0 || !cue.textContent)) cue.textContent = cueText(el);
    cue.hidden = !over;
    el.classList.toggle("is-scrolling-x", over);
    // A region that scrolls must be reachable from the keyboard to be scrolled with the arrow keys.
    // Charts carry their own tabindex; tables and code get one only while they overflow.
    if (over && !el.hasAttribute("tabindex")) {
      el.setAttribute("tabindex", "0");
      el.setAttribute("data-scroll-tabindex", "");
    } else if (!over && el.hasAttribute("data-scroll-tabindex")) {
      el.removeAttribute("tabindex");
      el.removeAttribute("data-scroll-tabindex");
    }
  }

  function setupScrollCues() {
    var els = Array.prototype.slice.call(document.querySelectorAll(SCROLLERS));
    if (!els.length) return;
    els.forEach(update);
    if ("ResizeObserver" in window) {
      // Fires when the window changes width and when a chart finishes drawing (its box grows).
      var observer = new ResizeObserver(function (entries) {
        entries.forEach(function (entry) { update(entry.target); });
      });
      els.forEach(function (el) { observer.observe(el); });
    } else {
      window.addEventListener("resize", function () { els.forEach(update); });
      window.addEventListener("load", function () { els.forEach(update); });
    }
  }

  function start() {
    setupMenu();
    setupScrollCues();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
