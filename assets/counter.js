/*
 * Rolling numbers on the wall: when a KPI number appears or its value changes, count from the
 * value shown before (0 the first time) to the new one. The visible text is formatted in Python
 * (components/formatting.py); the element carries the number it shows (data-target), its decimals
 * (data-decimals) and the exact final text (data-final), so the last frame is always that text.
 * Only the number's text node value is changed, never React's nodes. Respects
 * prefers-reduced-motion and does nothing in analyst mode.
 */
(function () {
  "use strict";
  var DURATION_MS = 1200;
  var reduced = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;
  var lastShown = {};
  var tokens = new WeakMap();

  function format(value, decimals) {
    return value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  }

  function setText(el, text) {
    var node = el.firstChild;
    if (node && node.nodeType === 3 && node.nodeValue !== text) { node.nodeValue = text; }
  }

  function keyOf(el) {
    var box = el.closest("[data-indicator]");
    var card = el.closest(".kpi-card");
    return box ? box.getAttribute("data-indicator") + "|" + (card ? card.id : "") : null;
  }

  function roll(el) {
    var key = keyOf(el);
    if (!key) { return; }
    var target = parseFloat(el.getAttribute("data-target"));
    var finalText = el.getAttribute("data-final") || "";
    var from = lastShown[key];
    if (!isFinite(target)) { delete lastShown[key]; return; }
    lastShown[key] = target;
    var wall = document.documentElement.getAttribute("data-ss-mode") === "wall" && el.closest(".kpi-card--wall");
    if (!wall || (reduced && reduced.matches)) { setText(el, finalText); return; }
    if (from === undefined) { from = 0; }
    if (from === target) { setText(el, finalText); return; }
    var decimals = parseInt(el.getAttribute("data-decimals") || "0", 10);
    var token = {};
    tokens.set(el, token);
    var start = null;
    function step(now) {
      if (tokens.get(el) !== token) { return; }
      if (start === null) { start = now; }
      var k = Math.min(1, (now - start) / DURATION_MS);
      var eased = 1 - Math.pow(1 - k, 3);
      setText(el, k >= 1 ? finalText : format(from + (target - from) * eased, decimals));
      if (k < 1) { window.requestAnimationFrame(step); }
    }
    setText(el, format(from, decimals));
    window.requestAnimationFrame(step);
  }

  function scan(node) {
    if (node.nodeType !== 1) { return; }
    if (node.classList.contains("kpi-num")) { roll(node); }
    node.querySelectorAll(".kpi-num").forEach(roll);
  }

  new MutationObserver(function (mutations) {
    mutations.forEach(function (m) {
      if (m.type === "attributes") { roll(m.target); }
      else { m.addedNodes.forEach(scan); }
    });
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-target"] });
})();
