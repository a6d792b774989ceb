/*
 * Wall mode (?kiosk=1): scale the 1920×1080 design canvas to the window, run the clock, raise the
 * "数据延迟" banner, rotate through the playlist, and the shell's clientside callbacks
 * (dash_clientside.smartsup.*). Parameters come from window.smartsup.params (assets/head/boot.js).
 */
(function () {
  "use strict";
  var CANVAS_W = 1920;
  var CANVAS_H = 1080;
  var ss = window.smartsup;
  var state = {
    hasStatus: false,   // the current screen publishes a status store
    live: false,        // …and refreshes (so time since the last good fetch matters)
    ok: true,           // its last refresh succeeded
    lastOkAt: Date.now(),
    href: null,
    rotateTimer: null
  };

  /* --- time in the bureau's zone ------------------------------------------------------- */

  // The shell carries the bureau's time zone (SMARTSUP_TIMEZONE); the wall PC's own zone is never
  // used, so a wall set to UTC still shows the time the data is stamped in.
  var zoneParts = null;

  function timeZone() {
    var shell = document.getElementById("app-shell");
    return (shell && shell.getAttribute("data-timezone")) || "Asia/Shanghai";
  }

  function parts(t) {
    var zone = timeZone();
    if (!zoneParts || zoneParts.zone !== zone) {
      var fmt;
      try {
        fmt = new Intl.DateTimeFormat("en-US", {
          timeZone: zone, year: "numeric", month: "numeric", day: "numeric", weekday: "short",
          hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
        });
      } catch (e) {
        fmt = new Intl.DateTimeFormat("en-US", {
          timeZone: "Asia/Shanghai", year: "numeric", month: "numeric", day: "numeric", weekday: "short",
          hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
        });
      }
      zoneParts = { zone: zone, fmt: fmt };
    }
    var out = {};
    zoneParts.fmt.formatToParts(new Date(t)).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }

  var WEEKDAYS = { Sun: "日", Mon: "一", Tue: "二", Wed: "三", Thu: "四", Fri: "五", Sat: "六" };

  function hhmmss(t) {
    var p = parts(t);
    return p.hour + ":" + p.minute + ":" + p.second;
  }

  function clockText(t) {
    var p = parts(t);
    return p.year + "年" + p.month + "月" + p.day + "日 星期" + WEEKDAYS[p.weekday] + " " + hhmmss(t);
  }

  /* --- scaling -------------------------------------------------------------------------- */

  function fit() {
    var p = ss.params();
    var style = document.documentElement.style;
    if (!p.kiosk) {
      ["--ss-sx", "--ss-sy", "--ss-tx", "--ss-ty"].forEach(function (k) { style.removeProperty(k); });
      return;
    }
    var w = window.innerWidth;
    var h = window.innerHeight;
    var sx = w / CANVAS_W;
    var sy = h / CANVAS_H;
    if (p.fit === "contain") { sx = sy = Math.min(sx, sy); }
    else if (p.fit === "width") { sy = sx; }
    else if (p.fit === "height") { sx = sy; }
    style.setProperty("--ss-sx", String(sx));
    style.setProperty("--ss-sy", String(sy));
    style.setProperty("--ss-tx", Math.max(0, (w - CANVAS_W * sx) / 2) + "px");
    style.setProperty("--ss-ty", Math.max(0, (h - CANVAS_H * sy) / 2) + "px");
  }

  /* --- staleness and clock -------------------------------------------------------------- */

  function checkStale() {
    var p = ss.params();
    var late = p.kiosk && state.hasStatus && state.live &&
      Date.now() - state.lastOkAt > 2 * p.refresh * 1000;
    var stale = state.hasStatus && (!state.ok || late);
    var root = document.documentElement;
    if (stale) { root.setAttribute("data-ss-stale", state.ok ? "late" : "error"); }
    else { root.removeAttribute("data-ss-stale"); }
  }

  function clock() {
    var el = document.getElementById("wall-clock");
    if (!el) { return; }
    var text = clockText(Date.now());
    if (el.textContent !== text) { el.textContent = text; }
  }

  /* --- playlist rotation ---------------------------------------------------------------- */

  function pages() {
    var shell = document.getElementById("app-shell");
    if (!shell) { return []; }
    try { return JSON.parse(shell.getAttribute("data-pages") || "[]"); } catch (e) { return []; }
  }

  function playlist(p) {
    var all = pages();
    var bySlug = {};
    all.forEach(function (pg) { bySlug[pg.slug] = pg; });
    var chosen = p.playlist.filter(function (s) { return bySlug[s]; }).map(function (s) { return bySlug[s]; });
    return chosen.length ? chosen : all.filter(function (pg) { return pg.wall; });
  }

  // The tile page (assets/head/tiles.js) moves a tile on through this, without reloading it.
  ss.navigate = function (url) { navigate(url); };

  function navigate(url) {
    window.history.pushState({}, "", url);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
    onLocationChange();
  }

  function rotate() {
    var p = ss.params();
    if (!p.kiosk || !p.rotate) { return; }
    if (document.visibilityState !== "visible") { scheduleRotation(); return; }
    var list = playlist(p);
    var here = window.location.pathname;
    var i = -1;
    list.forEach(function (pg, k) { if (pg.path === here) { i = k; } });
    var next = list[(i + 1) % list.length];
    if (!next || next.path === here) { scheduleRotation(); return; }
    navigate(next.path + window.location.search);
  }

  function scheduleRotation() {
    window.clearTimeout(state.rotateTimer);
    var p = ss.params();
    if (p.kiosk && p.rotate) { state.rotateTimer = window.setTimeout(rotate, p.rotate * 1000); }
  }

  /* --- location changes ----------------------------------------------------------------- */

  function onLocationChange() {
    state.href = window.location.href;
    ss.applyMode();
    fit();
    scheduleRotation();
  }

  function everySecond() {
    if (window.location.href !== state.href) { onLocationChange(); }
    clock();
    checkStale();
  }

  window.addEventListener("resize", fit);
  window.addEventListener("popstate", onLocationChange);
  window.addEventListener("_dashprivate_pushstate", onLocationChange);
  document.addEventListener("visibilitychange", checkStale);
  onLocationChange();
  clock();
  window.setInterval(everySecond, 1000);

  /* --- clientside callbacks of the shell (dashboard/app.py) ------------------------------ */

  var noUpdate = function () { return window.dash_clientside.no_update; };

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    smartsup: {
      // The wall interval ticks every `refresh` seconds in kiosk mode only.
      intervalFromUrl: function (search) {
        var p = ss.params(search || "");
        return [p.refresh * 1000, !p.kiosk];
      },
      // Forward a tick to the screen's tick store, unless the tab is hidden (then skip it).
      tick: function (n, current) {
        if (!ss.params().kiosk || document.visibilityState !== "visible") { return noUpdate(); }
        return (current || []).map(function () { return n; });
      },
      // Title bar and banner from the screen's status store.
      status: function (statuses) {
        var s = (statuses || []).filter(function (x) { return x; })[0];
        if (!s) {
          state.hasStatus = false;
          state.ok = true;
          checkStale();
          return ["", "", ""];
        }
        state.hasStatus = true;
        state.live = s.live !== false;
        state.ok = !!s.ok;
        if (s.ok) { state.lastOkAt = Date.now(); }
        checkStale();
        var detail = s.ok
          ? "超过两个刷新周期未取得新数据，屏幕显示的是 " + hhmmss(state.lastOkAt) + " 最后一次成功获取的数据"
          : "数据库暂时无法访问，屏幕显示的是 " + hhmmss(state.lastOkAt) + " 最后一次成功获取的数据";
        return [s.title || "", s.data_time_text || "", detail];
      },
      wallLink: function (pathname) {
        return (pathname || "/") + "?kiosk=1";
      }
    }
  });
})();
