/* The Tren de Aragua profile site: small enhancements; every page reads without them. */
(function () {
  "use strict";

  // Lower case without accents, as the search index is written (pages.py: fold).
  function fold(text) {
    return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  }

  function setUpSearch() {
    var input = document.getElementById("q");
    var list = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    if (!input || !list || !status) return;
    var items = Array.prototype.slice.call(list.querySelectorAll(".result"));
    function run() {
      var q = fold(input.value.trim());
      var shown = 0;
      items.forEach(function (li) {
        var hit = !q || li.getAttribute("data-terms").indexOf(q) !== -1;
        li.hidden = !hit;
        if (hit) shown += 1;
      });
      status.textContent = q ? shown + (shown === 1 ? " match" : " matches") + " for “" + input.value.trim() + "”" : items.length + " names";
    }
    var params = new URLSearchParams(window.location.search);
    if (params.get("q")) input.value = params.get("q");
    input.addEventListener("input", run);
    input.form.addEventListener("submit", function (event) {
      event.preventDefault();
      run();
      var first = list.querySelector(".result:not([hidden]) a");
      if (first) first.focus();
    });
    run();
  }

  function setUpNetwork() {
    var svg = document.getElementById("network");
    if (!svg) return;
    var edges = Array.prototype.slice.call(svg.querySelectorAll(".edge"));
    var nodes = Array.prototype.slice.call(svg.querySelectorAll(".node"));
    function focusOn(id) {
      svg.classList.add("focusing");
      var near = {};
      near[id] = true;
      edges.forEach(function (e) {
        var hit = e.getAttribute("data-source") === id || e.getAttribute("data-target") === id;
        e.classList.toggle("near", hit);
        if (hit) {
          near[e.getAttribute("data-source")] = true;
          near[e.getAttribute("data-target")] = true;
        }
      });
      nodes.forEach(function (n) {
        n.classList.toggle("near", !!near[n.getAttribute("data-entity")]);
      });
    }
    function clear() {
      svg.classList.remove("focusing");
    }
    nodes.forEach(function (n) {
      var id = n.getAttribute("data-entity");
      n.addEventListener("mouseenter", function () { focusOn(id); });
      n.addEventListener("focus", function () { focusOn(id); });
      n.addEventListener("mouseleave", clear);
      n.addEventListener("blur", clear);
    });
    var form = document.querySelector(".net-filter");
    if (!form) return;
    form.hidden = false;
    form.addEventListener("change", function () {
      var on = {};
      Array.prototype.forEach.call(form.querySelectorAll("input[name=status]"), function (box) {
        on[box.value] = box.checked;
      });
      edges.forEach(function (e) {
        e.classList.toggle("filtered", !on[e.getAttribute("data-status")]);
      });
    });
  }

  // A passage cut into pieces (it crosses a paragraph or another passage): mark every piece.
  function markTargetPassage() {
    Array.prototype.forEach.call(document.querySelectorAll("mark.targeted"), function (m) {
      m.classList.remove("targeted");
    });
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) return;
    var target = document.getElementById(id);
    var mark = target && target.closest ? target.closest("mark.cited") : null;
    if (!mark) return;
    var passage = mark.getAttribute("data-passage");
    Array.prototype.forEach.call(document.querySelectorAll("mark.cited"), function (m) {
      if (m.getAttribute("data-passage") === passage) m.classList.add("targeted");
    });
  }

  // Quotes folded in <details> are opened for printing, and closed again after.
  function setUpPrinting() {
    var opened = [];
    window.addEventListener("beforeprint", function () {
      opened = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (d) {
        d.open = true;
        return true;
      });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
    });
  }

  function start() {
    setUpSearch();
    setUpNetwork();
    markTargetPassage();
    window.addEventListener("hashchange", markTargetPassage);
    setUpPrinting();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
