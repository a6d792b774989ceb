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
        .filter(function (s) { return s.length > 0; }),
      tiles: clean(q.get("tiles")) || "auto"
    };
  }

  /*
   * Spliced walls (tiles=auto|slug,slug,…|off): a window wider (or taller) than 16:9 by a factor of
   * two or more holds that many whole screens. The tile page (/_smartsup/tiles) lays them out as
   * same-origin frames of the single-screen wall; a frame itself never tiles again.
   */
  var ASPECT = 16 / 9;

  function tileLayout(w, h) {
    var wide = (w / h) / ASPECT;
    var tall = (h / w) * ASPECT;
    // 2 % slack: a 5760×1080 window minus a pixel of border is still three screens
    if (wide >= 1.98) { return { n: Math.floor(wide + 0.02), direction: "row" }; }
    if (tall >= 1.98) { return { n: Math.floor(tall + 0.02), direction: "column" }; }
    return { n: 1, direction: "row" };
  }

  function tiledWall() {
    var p = params();
    // fit=width|height|stretch asks for one canvas fitted that way: no tiles
    if (!p.kiosk || p.tiles === "off" || p.fit !== "contain" || window.top !== window) { return false; }
    if (window.location.pathname.indexOf("/_smartsup/tiles") >= 0) { return false; }
    if (tileLayout(window.innerWidth, window.innerHeight).n < 2) { return false; }
    var q = new URLSearchParams(window.location.search);
    q.set("path", window.location.pathname);
    // replace, not assign: "back" on the wall PC returns to where it came from, not to a redirect
    window.location.replace(prefix() + "_smartsup/tiles?" + q.toString());
    return true;
  }

  function prefix() {
    var boot = document.currentScript && document.currentScript.src;
    var at = boot ? boot.indexOf("assets/head/boot.js") : -1;
    return at >= 0 ? new URL(boot.slice(0, at)).pathname : "/";
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
  window.smartsup.tileLayout = tileLayout;
  applyMode();
  tiledWall();
})();
