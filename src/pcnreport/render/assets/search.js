/* The sidebar's search box (pcnreport's pandoc path). Offline and path-independent: the library
   (minisearch.js) and the index (search-index.js) sit beside this script and are loaded by <script>
   on first use, so it works from file:// and under any sub-path. Results link to page#section. */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  var form = document.getElementById("search");
  if (!form || !here) return;
  var libs = new URL(".", here);          // .../site_libs/
  var root = new URL("..", libs);         // the site's root folder
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var engine = null;
  var loading = null;
  var MAX = 50;

  function load(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = new URL(src, libs).href;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("search: cannot load " + src)); };
      document.head.appendChild(s);
    });
  }

  function ready() {
    if (!loading) {
      loading = Promise.all([load("minisearch.js"), load("search-index.js")]).then(function () {
        engine = new MiniSearch({
          fields: ["heading", "text"],
          storeFields: ["page", "anchor", "title", "heading", "text"],
          searchOptions: {
            boost: { heading: 3 },
            prefix: function (term) { return term.length > 2; },
            fuzzy: function (term) { return term.length > 5 ? 0.15 : false; },
            combineWith: "AND"
          }
        });
        engine.addAll(window.PCN_SEARCH_DOCS || []);
      });
    }
    return loading;
  }

  // A short extract around the first place a query term occurs, terms marked.
  function snippet(text, terms) {
    var lower = text.toLowerCase();
    var at = -1;
    terms.forEach(function (t) {
      var i = lower.indexOf(t.toLowerCase());
      if (i >= 0 && (at < 0 || i < at)) at = i;
    });
    var start = Math.max(0, at - 60);
    if (start > 0) {  // begin at a word
      var space = text.indexOf(" ", start);
      if (space >= 0 && space < at) start = space + 1;
    }
    var piece = (start > 0 ? "\u2026" : "") + text.slice(start, start + 180) + (text.length > start + 180 ? "\u2026" : "");
    var frag = document.createDocumentFragment();
    var pattern = terms.filter(Boolean).map(function (t) { return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("|");
    if (!pattern) { frag.appendChild(document.createTextNode(piece)); return frag; }
    var re = new RegExp("(" + pattern + ")", "gi");
    piece.split(re).forEach(function (part, i) {
      if (i % 2) { var m = document.createElement("mark"); m.textContent = part; frag.appendChild(m); }
      else if (part) frag.appendChild(document.createTextNode(part));
    });
    return frag;
  }

  function show(query) {
    list.textContent = "";
    if (!query.trim()) { list.hidden = true; status.textContent = ""; return; }
    var hits = engine.search(query);
    status.textContent = hits.length === 0 ? "No sections match \u201c" + query + "\u201d."
      : (hits.length > MAX ? "The first " + MAX + " of " + hits.length : hits.length) +
        (hits.length === 1 ? " section matches" : " sections match") + " \u201c" + query + "\u201d.";
    hits.slice(0, MAX).forEach(function (hit) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = new URL(hit.page + (hit.anchor ? "#" + hit.anchor : ""), root).href;
      a.textContent = hit.heading === hit.title ? hit.title : hit.title + " \u203a " + hit.heading;
      var p = document.createElement("p");
      p.appendChild(snippet(hit.text, hit.terms.concat(query.split(/\s+/))));
      li.appendChild(a);
      li.appendChild(p);
      list.appendChild(li);
    });
    list.hidden = hits.length === 0;
  }

  var pending = 0;
  function update() {
    var query = input.value;
    var ticket = ++pending;
    ready().then(function () { if (ticket === pending) show(query); })
      .catch(function (err) { status.textContent = "Search is not available: " + err.message; });
  }

  form.hidden = false;  // without JavaScript the box could do nothing, so it stays hidden
  input.addEventListener("focus", ready, { once: true });
  input.addEventListener("input", update);
  input.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { input.value = ""; update(); }
  });
  form.addEventListener("submit", function (e) {
    // Enter goes to the first result.
    e.preventDefault();
    ready().then(function () {
      show(input.value);
      var first = list.querySelector("a");
      if (first) window.location.href = first.href;
    });
  });
})();
