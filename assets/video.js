/*
 * Video wall tiles of HLS streams (components/charts_monitoring.py renders <video data-hls="…">):
 * played through the vendored hls.js wherever the browser has Media Source Extensions (loaded from
 * this app only the first time such a tile appears), natively where it has not (iOS Safari). A tile's player is
 * destroyed when the tile leaves the page (a wall rotating on must not keep downloading segments),
 * and a stream that fails marks its tile so the "无视频流" styling can say so.
 */
(function () {
  "use strict";
  var me = document.currentScript && document.currentScript.src;
  var HLS_SRC = (me || "/assets/video.js").replace(/video\.js(\?.*)?$/, "vendor/hls/hls.light.min.js");
  var loading = null;

  function loadHls() {
    if (window.Hls) { return Promise.resolve(window.Hls); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = HLS_SRC;
        s.onload = function () { resolve(window.Hls); };
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  function failed(video) {
    var tile = video.closest(".mon-tile");
    if (tile) { tile.classList.add("mon-tile--stream-error"); }
  }

  function attach(video) {
    var url = video.getAttribute("data-hls");
    if (!url || video.__smartsupHls === url) { return; }
    video.__smartsupHls = url;
    var native = video.canPlayType("application/vnd.apple.mpegurl") !== "";
    // hls.js's own advice: use it wherever Media Source Extensions exist, native HLS elsewhere (iOS)
    if (!window.MediaSource && native) { video.src = url; return; }
    loadHls().then(function (Hls) {
      if (!video.isConnected) { return; }
      if (!Hls || !Hls.isSupported()) {
        if (native) { video.src = url; } else { failed(video); }
        return;
      }
      if (video.__hls) { video.__hls.destroy(); }
      var hls = new Hls({ lowLatencyMode: true });
      hls.on(Hls.Events.ERROR, function (_event, data) {
        if (data && data.fatal) { failed(video); hls.destroy(); video.__hls = null; }
      });
      hls.loadSource(url);
      hls.attachMedia(video);
      video.__hls = hls;
    }, function () { if (native) { video.src = url; } else { failed(video); } });
  }

  function detach(video) {
    if (video.__hls) { video.__hls.destroy(); video.__hls = null; }
    video.__smartsupHls = null;
  }

  function each(node, fn) {
    if (node.nodeType !== 1) { return; }
    if (node.matches("video[data-hls]")) { fn(node); }
    node.querySelectorAll("video[data-hls]").forEach(fn);
  }

  new MutationObserver(function (mutations) {
    mutations.forEach(function (m) {
      if (m.type === "attributes") { attach(m.target); return; }
      m.removedNodes.forEach(function (n) { each(n, detach); });
      m.addedNodes.forEach(function (n) { each(n, attach); });
    });
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-hls"] });
  each(document.body, attach);
})();
