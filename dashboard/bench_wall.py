"""The wall half of ``smartsup bench``: every wall screen in headless Chromium at 1920×1080.

For each screen on the wall playlist (``?kiosk=1``):

* **page weight** — the bytes a wall display moves to show the screen the first time, with an
  empty browser cache: the page, every script, style sheet and font, and the callbacks' answers,
  as transferred (compressed by the app, headers included; ``PerformanceResourceTiming.transferSize``);
* **cold draw** — from navigation start to fully drawn on that first visit (empty browser cache,
  empty query cache);
* **warm draw** — the same on later visits (scripts in the browser's cache, answers in the query
  cache), as a wall screen that rotates back is drawn.

"Fully drawn" is :data:`dashboard.browser.DRAWN_JS`: no pending callback, every figure drawn, every
map fitted — the condition the browser tests wait for. It is checked on every animation frame and
read off ``performance.now()``, so a figure is not padded by a polling interval.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.browser import CHROMIUM_FLAGS, DASH_ERRORS_JS, DRAWN_JS, MAP_POINT_JS, TRANSFER_JS, serving

WALL_DRAW_S = 1.5
PAGE_WEIGHT_MB = 2.0
VIEWPORT = {"width": 1920, "height": 1080}
#: No rotation, and no timed refresh during the measurement.
WALL_QUERY = "?kiosk=1&refresh=3600"
TIMEOUT_MS = 120_000

_DRAWN_AT_JS = f"""() => new Promise((resolve) => {{
  const drawn = {DRAWN_JS};
  const tick = () => drawn() ? resolve(performance.now()) : requestAnimationFrame(tick);
  tick();
}})"""


#: Rotate to ``url`` as the wall's playlist does (assets/kiosk.js: a client-side navigation, the
#: app already loaded) and resolve with the milliseconds until page ``slug`` is fully drawn.
_ROTATE_JS = f"""([url, slug]) => new Promise((resolve) => {{
  const drawn = {DRAWN_JS};
  const t0 = performance.now();
  window.history.pushState({{}}, "", url);
  window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
  const tick = () => (document.getElementById("page-" + slug) && drawn())
    ? resolve(performance.now() - t0) : requestAnimationFrame(tick);
  requestAnimationFrame(tick);
}})"""


@dataclass
class WallResult:
    """One wall screen's page weight (bytes) and draw times (seconds)."""

    slug: str
    path: str
    name: str
    weight_bytes: int = 0
    decoded_bytes: int = 0
    requests: int = 0
    encoding: str = ""
    cold_s: float = float("nan")
    warm_s: list[float] = field(default_factory=list)
    rotate_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def rotate_median(self) -> float:
        """Median draw after a rotation (s)."""
        return statistics.median(self.rotate_s) if self.rotate_s else float("nan")

    @property
    def rotate_max(self) -> float:
        """Slowest draw after a rotation (s)."""
        return max(self.rotate_s) if self.rotate_s else float("nan")

    @property
    def warm_median(self) -> float:
        """Median warm draw (s)."""
        return statistics.median(self.warm_s) if self.warm_s else float("nan")

    @property
    def warm_max(self) -> float:
        """Slowest warm draw (s)."""
        return max(self.warm_s) if self.warm_s else float("nan")


def wall_pages(app) -> list[tuple[str, str, str]]:
    """(slug, path, name) of the screens on the wall playlist of ``app``'s registry."""
    import dash

    from dashboard.kiosk import registered_pages

    del app  # the registry is dash's process-wide one, filled by create_app
    return [(p.slug, p.path, p.name) for p in registered_pages(dash.page_registry) if p.wall]


def measure_wall(settings, *, warm_reps: int, echo: Callable[[str], None]) -> list[WallResult]:
    """Serve the app of ``settings`` in-process and measure every wall screen."""
    from playwright.sync_api import sync_playwright

    from dashboard.app import create_app

    if not Path(settings.chromium_path).exists():
        raise FileNotFoundError(
            f"找不到 Chromium（{settings.chromium_path}）：apt-get install -y chromium fonts-noto-cjk，"
            "或用 --no-wall 跳过大屏测量"
        )
    app = create_app(settings)
    results: list[WallResult] = []
    with serving(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(settings.chromium_path), args=CHROMIUM_FLAGS,
                                     headless=True)
        try:
            for slug, path, name in wall_pages(app):
                res = WallResult(slug, path, name)
                context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
                context.add_cookies([_wall_cookie(app, base)])
                page = context.new_page()
                encodings: set[str] = set()

                def on_response(response, encodings=encodings) -> None:
                    enc = response.headers.get("content-encoding")
                    if enc:
                        encodings.add(enc)

                page.on("response", on_response)
                url = base + path + WALL_QUERY
                page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
                res.cold_s = page.evaluate(_DRAWN_AT_JS) / 1000
                # the last callbacks' answers arrive before the frame that shows them
                moved = page.evaluate(TRANSFER_JS)
                res.weight_bytes, res.decoded_bytes, res.requests = (
                    int(moved["bytes"]), int(moved["decoded"]), int(moved["requests"]))
                res.encoding = ",".join(sorted(encodings))
                for _ in range(warm_reps):
                    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
                    res.warm_s.append(page.evaluate(_DRAWN_AT_JS) / 1000)
                res.errors = page.evaluate(DASH_ERRORS_JS)
                context.close()
                echo(f"[大屏] {name} {path}: {res.weight_bytes / 1e6:.2f} MB（{res.encoding or '未压缩'}），"
                     f"首次 {res.cold_s:.2f} s，再次 {res.warm_median:.2f} s（最慢 {res.warm_max:.2f} s）"
                     + (f"，错误 {len(res.errors)}" if res.errors else ""))
                results.append(res)
            _rotations(browser, base, results, warm_reps, echo, _wall_cookie(app, base))
        finally:
            browser.close()
    return results


def _wall_cookie(app, base: str) -> dict:
    """A wall display's session for the measuring browser (kiosk, read-only; see ``auth.web``)."""
    from dashboard.auth.web import browser_cookie

    return browser_cookie(app, base, "bench-wall", role="wall", ttl_s=6 * 3600)


def _rotations(browser, base: str, results: list[WallResult], reps: int, echo: Callable[[str], None],
               cookie: dict) -> None:
    """Rotate through the playlist as a wall does; the first round warms up, then ``reps`` rounds count."""
    if len(results) < 2:
        return
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.add_cookies([cookie])
    page = context.new_page()
    page.goto(base + results[-1].path + WALL_QUERY, wait_until="commit", timeout=TIMEOUT_MS)
    page.evaluate(_DRAWN_AT_JS)
    for round_ in range(reps + 1):
        for res in results:
            ms = page.evaluate(_ROTATE_JS, [res.path + WALL_QUERY, res.slug])
            if round_:
                res.rotate_s.append(ms / 1000)
    context.close()
    for res in results:
        echo(f"[大屏] 轮播到 {res.name}：{res.rotate_median:.2f} s（最慢 {res.rotate_max:.2f} s）")


#: The analyst's view in which a click on a street filters the screen.
ANALYST_VIEWPORT = {"width": 1366, "height": 768}
CLICK_SETTLE_S = 0.5

#: The first street map of the page: its graph id, or null.
_STREET_MAP_JS = """() => {
  for (const el of document.querySelectorAll('[id$="-map-graph"]')) {
    const gd = el.querySelector('.js-plotly-plot');
    if (gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot) return el.id;
  }
  return null;
}"""

#: Resolve with the milliseconds from ``t0`` until the URL names ``code`` and the page is fully drawn.
_FILTERED_AT_JS = f"""([code, t0, limitMs]) => new Promise((resolve) => {{
  const drawn = {DRAWN_JS};
  const tick = () => {{
    if (location.search.includes(code) && drawn()) {{ resolve(performance.now() - t0); return; }}
    if (performance.now() - t0 > limitMs) {{ resolve(null); return; }}
    requestAnimationFrame(tick);
  }};
  requestAnimationFrame(tick);
}})"""


@dataclass
class ClickResult:
    """A cross-filter click on one screen's street map: seconds until every panel is redrawn."""

    slug: str
    path: str
    name: str
    settle_s: list[float] = field(default_factory=list)
    missed: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.settle_s) if self.settle_s else float("nan")

    @property
    def slowest(self) -> float:
        return max(self.settle_s) if self.settle_s else float("nan")


def measure_clicks(settings, *, reps: int, echo: Callable[[str], None]) -> list[ClickResult]:
    """For every wall screen with a street map, in the analyst view (1366×768): click ``reps`` streets
    in turn on the map and time each click until the URL names the street and the page is drawn."""
    from playwright.sync_api import sync_playwright

    from dashboard.app import create_app
    from data_access.api import geo

    app = create_app(settings)
    streets = [(f["id"], f["properties"]["lon"], f["properties"]["lat"])
               for f in geo.street_polygons()["features"]]
    results: list[ClickResult] = []
    with serving(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(settings.chromium_path), args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport=ANALYST_VIEWPORT, locale="zh-CN",
                                          timezone_id="Asia/Shanghai")
            context.add_cookies([_analyst_cookie(app, base)])
            page = context.new_page()
            for slug, path, name in wall_pages(app):
                page.goto(base + path, wait_until="commit", timeout=TIMEOUT_MS)
                page.evaluate(_DRAWN_AT_JS)
                graph = page.evaluate(_STREET_MAP_JS)
                if graph is None:
                    continue
                res = ClickResult(slug, path, name)
                for code, lon, lat in streets[: reps + 1]:
                    page.goto(base + path, wait_until="commit", timeout=TIMEOUT_MS)
                    page.evaluate(_DRAWN_AT_JS)
                    page.locator("#" + graph).scroll_into_view_if_needed()
                    point = page.evaluate(MAP_POINT_JS, [graph, lon, lat])
                    t0 = page.evaluate("() => performance.now()")
                    page.mouse.click(point["x"], point["y"])
                    ms = page.evaluate(_FILTERED_AT_JS, [code, t0, 30_000])
                    if code == streets[0][0]:
                        continue  # the first click warms the callbacks' caches up
                    if ms is None:
                        res.missed += 1
                    else:
                        res.settle_s.append(ms / 1000)
                results.append(res)
                echo(f"[分析] {name} {path}：点击地图筛选街镇 {res.median:.2f} s（最慢 {res.slowest:.2f} s）"
                     + (f"，未生效 {res.missed} 次" if res.missed else ""))
            context.close()
        finally:
            browser.close()
    return results


def _analyst_cookie(app, base: str) -> dict:
    from dashboard.auth.web import browser_cookie

    return browser_cookie(app, base, "bench-analyst", role="analyst", ttl_s=6 * 3600)


def render_clicks(results: list[ClickResult], reps: int) -> list[str]:
    """The markdown lines of the analyst click section."""
    lines = [
        "## Analyst cross-filter click in headless Chromium (1366×768)",
        "",
        f"A click on a street of the screen's map, {reps} streets in turn after one to warm up, each from a "
        "freshly loaded screen: from the click until the URL names the street and every panel is drawn "
        f"again. Median / slowest. Budget: ≤ {CLICK_SETTLE_S} s.",
        "",
        "| screen | click settles | missed |",
        "|---|---:|---:|",
    ]
    for r in results:
        settles = (f"{r.median:.2f} / {r.slowest:.2f} s {_ok(r.median <= CLICK_SETTLE_S)}" if r.settle_s
                   else "— (the click at the street's centre selected no street: a marker covers it)")
        lines.append(f"| {r.name} `{r.path}` | {settles} | {r.missed} |")
    lines.append("")
    return lines


def _ok(flag: bool) -> str:
    return "✅" if flag else "❌"


def render_wall(results: list[WallResult], warm_reps: int) -> list[str]:
    """The markdown lines of the wall section."""
    lines = [
        "## Wall screens in headless Chromium (1920×1080, `?kiosk=1`)",
        "",
        "*Page weight*: bytes transferred for the first visit with an empty browser cache — page, scripts, "
        "styles, fonts and the callbacks' answers, compressed by the app, headers included. *First draw*: "
        "navigation start to fully drawn (no pending callback, every figure drawn, every map fitted) on "
        "that visit, every cache cold. *Reload*: the same over "
        f"{warm_reps} reloads (browser and query caches warm; scripts compiled again). *Rotation*: the "
        "wall's own warm redraw — the playlist moving to the screen as `assets/kiosk.js` does (a "
        f"client-side navigation, app loaded, caches warm), {warm_reps} rounds after one to warm up. "
        "Median / slowest. The app is served in-process by the development server; Chromium runs with "
        "`--disable-gpu`, so maps are drawn by software WebGL.",
        "",
        f"Budgets: a wall screen drawn warm ≤ {WALL_DRAW_S} s (checked on *rotation*, how a wall redraws a "
        f"screen), page weight ≤ {PAGE_WEIGHT_MB:.0f} MB.",
        "",
        "| screen | page weight | uncompressed | requests | encoding | first draw | reload | rotation "
        "| errors |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} `{r.path}` | {r.weight_bytes / 1e6:.2f} MB "
            f"{_ok(r.weight_bytes <= PAGE_WEIGHT_MB * 1e6)} "
            f"| {r.decoded_bytes / 1e6:.2f} MB | {r.requests} | {r.encoding or '—'} | {r.cold_s:.2f} s "
            f"| {r.warm_median:.2f} / {r.warm_max:.2f} s "
            f"| {r.rotate_median:.2f} / {r.rotate_max:.2f} s {_ok(r.rotate_max <= WALL_DRAW_S)} "
            f"| {len(r.errors)} |"
        )
    lines.append("")
    return lines
