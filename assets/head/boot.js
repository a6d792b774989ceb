/*
 * Loaded in <head>, before any stylesheet paints: reads the wall-mode URL parameters and marks
 * <html> with the mode and theme, so a wall never flashes the light analyst page while loading.
 * Also the one parser of those parameters for the other scripts (window.smartsup.params); it
 * follows the same rules as components.layout.ViewParams (bad values fall back to defaults).
 */
(function () {
  "use strict";
  var FITS = ["contain", "width", "height", "stretch"];
  var THEMES = ["dark", "light"];

  function clean(value) {
    return value === null || value === undefined ? "" : String(value).trim().toLowerCase();
  }

  function intIn(value, low, high, fallback) {
    var text = clean(value);
    if (text === "") { return fallback; }
    var n = Number(text);
    if (!isFinite(n)) { return fallback; }
    n = Math.trunc(n);
    return n >= low && n <= high ? n : fallback;
  }

  function params(search) {
    var q = new URLSearchParams(search === undefined ? window.location.search : search);
    var kiosk = ["1", "true", "yes", "on"].indexOf(clean(q.get("kiosk"))) >= 0;
    var theme = clean(q.get("theme"));
    var fit = clean(q.get("fit"));
    return {
      kiosk: kiosk,
      theme: THEMES.indexOf(theme) >= 0 ? theme : (kiosk ? "dark" : "light"),
      fit: FITS.indexOf(fit) >= 0 ? fit : "contain",
      refresh: intIn(q.get("refresh"), 5, 3600, 30),
      rotate: intIn(q.get("rotate"), 5, 86400, 0),
      playlist: (q.get("playlist") || "").split(",").map(function (s) { return s.trim(); })
        .filter(function (s) { return s.length > 0; })
    };
  }

  function applyMode() {
    var p = params();
    var root = document.documentElement;
    root.setAttribute("data-ss-mode", p.kiosk ? "wall" : "analyst");
    root.setAttribute("data-ss-theme", p.theme);
    root.setAttribute("data-bs-theme", p.theme);
    root.setAttribute("data-ss-fit", p.fit);
    return p;
  }

  window.smartsup = window.smartsup || {};
  window.smartsup.params = params;
  window.smartsup.applyMode = applyMode;
  applyMode();
})();
