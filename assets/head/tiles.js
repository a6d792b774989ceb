/*
 * The tile page of a spliced wall (/_smartsup/tiles, dashboard/tiles.py): as many whole screens side
 * by side (or stacked) as the window holds at 16:9, each a same-origin frame of the ordinary
 * single-screen wall (?kiosk=1&tiles=off), so each draws its own 1920×1080 canvas scaled like a
 * single wall, refreshes on its own tick and shows its own title bar and banners. The rotation is
 * driven from here, tile by tile: every `rotate` seconds the next tile in turn moves on to the next
 * screen of the playlist that is not already showing.
 */
(function () {
  "use strict";
  var ss = window.smartsup;
  var root = document.getElementById("wall-tiles");
  var pages = JSON.parse(root.getAttribute("data-pages") || "[]");
  var bySlug = {};
  var byPath = {};
  pages.forEach(function (pg) { bySlug[pg.slug] = pg; byPath[pg.path] = pg; });

  var query = new URLSearchParams(window.location.search);
  var p = ss.params();
  var home = query.get("path") || "/";

  // what each frame is told: the wall's own parameters, without tiling or rotation (driven here)
  var frameQuery = new URLSearchParams(window.location.search);
  ["path", "tiles", "rotate", "playlist"].forEach(function (k) { frameQuery.delete(k); });
  frameQuery.set("kiosk", "1");
  frameQuery.set("tiles", "off");
  var frameSearch = "?" + frameQuery.toString();

  function known(slugs) {
    return slugs.filter(function (s) { return bySlug[s]; }).map(function (s) { return bySlug[s]; });
  }

  var playlist = known(p.playlist);
  if (!playlist.length) { playlist = pages.filter(function (pg) { return pg.wall; }); }
  var chosen = p.tiles !== "auto" ? known(p.tiles.split(",").map(function (s) { return s.trim(); })) : [];

  /* The first screens: the chosen tiles, else the page the wall was opened on, then the playlist
   * onwards from it; a playlist shorter than the wall repeats. */
  function initial(n) {
    var out = chosen.slice(0, n);
    if (!out.length && byPath[home]) { out.push(byPath[home]); }
    var start = Math.max(0, playlist.indexOf(out[out.length - 1]) + 1);
    for (var i = 0; out.length < n && playlist.length && i < playlist.length * 2; i++) {
      var next = playlist[(start + i) % playlist.length];
      if (out.indexOf(next) < 0 || i >= playlist.length) { out.push(next); }
    }
    while (out.length < n && out.length) { out.push(out[out.length % out.length]); }
    return out;
  }

  var state = { n: 0, showing: [], turn: 0, cursor: -1, timer: null };

  function build() {
    var layout = ss.tileLayout(window.innerWidth, window.innerHeight);
    if (layout.n < 2) {
      // no longer a spliced wall (window resized): back to the single screen
      window.location.replace(home + frameSearch.replace("tiles=off", "tiles=auto") +
        (p.rotate ? "&rotate=" + p.rotate : "") + (p.playlist.length ? "&playlist=" + p.playlist.join(",") : ""));
      return;
    }
    if (layout.n === state.n) { return; }
    state.n = layout.n;
    state.showing = initial(layout.n);
    state.cursor = playlist.indexOf(state.showing[state.showing.length - 1]);
    root.setAttribute("data-direction", layout.direction);
    root.textContent = "";
    state.showing.forEach(function (pg, i) {
      var frame = document.createElement("iframe");
      frame.className = "wall-tile";
      frame.setAttribute("data-tile", String(i));
      frame.setAttribute("data-slug", pg.slug);
      frame.setAttribute("title", pg.name);
      frame.src = pg.path + frameSearch;
      root.appendChild(frame);
    });
  }

  function nextScreen() {
    // the next screen of the playlist not already on the wall (any, if the playlist is that short)
    for (var i = 1; i <= playlist.length; i++) {
      var candidate = playlist[(state.cursor + i) % playlist.length];
      if (state.showing.indexOf(candidate) < 0 || i === playlist.length) {
        state.cursor = (state.cursor + i) % playlist.length;
        return candidate;
      }
    }
    return null;
  }

  function rotate() {
    schedule();
    if (document.visibilityState !== "visible" || playlist.length <= state.n) { return; }
    var next = nextScreen();
    var tile = state.turn % state.n;
    state.turn += 1;
    var frame = root.querySelector('[data-tile="' + tile + '"]');
    if (!next || !frame) { return; }
    state.showing[tile] = next;
    frame.setAttribute("data-slug", next.slug);
    frame.setAttribute("title", next.name);
    var url = next.path + frameSearch;
    var inner = null;
    try { inner = frame.contentWindow && frame.contentWindow.smartsup; } catch (e) { inner = null; }
    if (inner && inner.navigate) { inner.navigate(url); } else { frame.src = url; }
  }

  function schedule() {
    window.clearTimeout(state.timer);
    if (p.rotate) { state.timer = window.setTimeout(rotate, p.rotate * 1000); }
  }

  window.addEventListener("resize", build);
  build();
  schedule();
})();
