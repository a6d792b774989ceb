/*
 * Fit district maps to the size they are actually drawn at. components/maps.py computes a centre
 * and zoom for the panel's expected size (right on the wall's fixed canvas and in the PDF) and puts
 * the map's bounds in layout.meta.smartsupFit; here, after each draw, the zoom is recomputed from
 * the plot's real size, so a map in a narrow analyst column or on a phone still shows the whole
 * district. Plotly's own fitbounds does not fit choropleth layers. Once a map is fitted and drawn
 * its plot element gets data-map-ready="true".
 */
(function () {
  "use strict";
  var TILE = 512;
  var PADDING = 0.06;

  function mercatorY(lat) {
    var phi = Math.max(Math.min(lat, 85), -85) * Math.PI / 180;
    return Math.log(Math.tan(Math.PI / 4 + phi / 2)) * 180 / Math.PI;
  }

  function view(box, w, h) {
    var west = box[0], south = box[1], east = box[2], north = box[3];
    var iw = Math.max(1, w * (1 - 2 * PADDING));
    var ih = Math.max(1, h * (1 - 2 * PADDING));
    var y0 = mercatorY(south), y1 = mercatorY(north);
    var zoom = Math.min(Math.log2(iw * 360 / (TILE * Math.max(east - west, 1e-6))),
                        Math.log2(ih * 360 / (TILE * Math.max(y1 - y0, 1e-6))));
    var cy = (y0 + y1) / 2 * Math.PI / 180;
    var lat = (2 * Math.atan(Math.exp(cy)) - Math.PI / 2) * 180 / Math.PI;
    return { lon: (west + east) / 2, lat: lat, zoom: zoom };
  }

  function fit(gd, idle) {
    var full = gd._fullLayout;
    var meta = gd.layout && gd.layout.meta;
    if (!full || !full._size || !meta || !meta.smartsupFit) { return; }
    // The MapLibre instance (Plotly keeps it on the subplot) tells whether the view has been set
    // yet: a relayout before its style has loaded changes the layout but not what is drawn.
    var ml = full.map && full.map._subplot && full.map._subplot.map;
    if (!ml) { return; }
    if (!ml.loaded()) { ml.once("idle", function () { fit(gd, true); }); return; }
    var v = view(meta.smartsupFit, full._size.w, full._size.h);
    if (Math.abs(ml.getZoom() - v.zoom) < 0.02) {
      // fitted and drawn: tests and the PDF printer wait for this mark. Called from "idle", the
      // fitted view is already on screen; otherwise wait for the frame that shows it.
      if (idle) { gd.setAttribute("data-map-ready", "true"); return; }
      ml.once("idle", function () { gd.setAttribute("data-map-ready", "true"); });
      ml.triggerRepaint();
      return;
    }
    gd.removeAttribute("data-map-ready");
    // Move MapLibre itself: Plotly records the new view from the map's moveend event, whereas a
    // Plotly.relayout would make it re-apply the whole style and drop the trace layers.
    ml.jumpTo({ center: [v.lon, v.lat], zoom: v.zoom });
    ml.once("idle", function () { fit(gd, true); });
  }

  function watch(gd) {
    if (gd.__smartsupFit || typeof gd.on !== "function") { return; }
    gd.__smartsupFit = true;
    gd.on("plotly_afterplot", function () { fit(gd); });
    fit(gd);
  }

  function scan(node) {
    if (node.nodeType !== 1) { return; }
    if (node.classList.contains("js-plotly-plot")) { watch(node); }
    node.querySelectorAll(".js-plotly-plot").forEach(watch);
  }

  new MutationObserver(function (mutations) {
    mutations.forEach(function (m) {
      if (m.type === "attributes") { scan(m.target); } else { m.addedNodes.forEach(scan); }
    });
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
})();
