"""Live walls in Chromium (issue 13): the bureau's clock on a wall PC set to another zone, late
sources named in the title bar, the "数据延迟" banner clear of the KPI labels, spliced walls tiled."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.browser.browser_harness import SETTLE_TIMEOUT_MS, Visit


@pytest.fixture
def visit_in_zone(browser: Browser, app_url: str, signed_in) -> Iterator[Callable[..., Visit]]:
    """Like ``visit``, with the browser's own time zone chosen by the test."""
    contexts: list[BrowserContext] = []

    def _visit(path: str, *, zone: str, viewport: tuple[int, int] = (1920, 1080),
               screenshot: str | None = None) -> Visit:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                      locale="zh-CN", timezone_id=zone, reduced_motion="reduce",
                                      storage_state=signed_in())
        contexts.append(context)
        v = Visit(page=context.new_page(), url=app_url + path, origin=app_url)
        v.attach()
        v.page.goto(v.url, wait_until="load", timeout=SETTLE_TIMEOUT_MS)
        v.settle()
        if screenshot:
            v.shot(screenshot)
        return v

    yield _visit
    for context in contexts:
        context.close()


CLOCK = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日 星期(.) (\d{2}):(\d{2}):(\d{2})")


def test_live001_wall_clock_is_the_bureaus_time_on_a_utc_pc(visit_in_zone, probe):
    v = visit_in_zone("/_probe?kiosk=1", zone="UTC", screenshot="live-clock-utc-pc")
    v.assert_clean()
    text = v.page.locator("#wall-clock").inner_text().strip()
    m = CLOCK.fullmatch(text)
    assert m, text
    shown = datetime(*(int(m.group(i)) for i in (1, 2, 3, 5, 6, 7)))
    shanghai = datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert abs((shown - shanghai).total_seconds()) < 10, (text, shanghai)
    assert m.group(4) == "一二三四五六日"[shanghai.weekday()]


def test_live002_late_sources_are_named(visit, probe):
    """The small district's data ends on 20 Nov 2026: every feed has been silent for days."""
    v = visit("/_probe?kiosk=1", viewport=(1920, 1080), screenshot="live-late-sources")
    v.assert_clean()
    note = v.page.locator("#wall-sources")
    assert note.is_visible()
    text = note.inner_text()
    assert text.startswith("数据源延迟：") and "投诉举报" in text and "天无新数据" in text
    # it sits inside the title bar, above the KPI strip
    bar = v.page.locator(".wall-titlebar").bounding_box()
    box = note.bounding_box()
    assert box["y"] + box["height"] <= bar["y"] + bar["height"] + 1


def test_live003_delay_banner_clears_the_kpi_labels(visit, probe):
    probe.STATE["fail"] = True
    v = visit("/_probe?kiosk=1&refresh=5", viewport=(1920, 1080))
    v.page.wait_for_selector("html[data-ss-stale]", timeout=20_000)
    v.page.wait_for_selector(".wall-banner", state="visible", timeout=5_000)
    v.shot("live-delay-banner")
    banner = v.page.locator(".wall-banner").bounding_box()
    kpis = v.page.locator("#probe-kpis").bounding_box()
    assert banner["y"] + banner["height"] <= kpis["y"], (banner, kpis)
    clock = v.page.locator("#wall-clock").bounding_box()
    assert banner["x"] + banner["width"] <= clock["x"]


@pytest.mark.parametrize(("path", "viewport", "name"), [
    ("/?kiosk=1", (1920, 1080), "live-partial-overview-wall"),
    ("/entities?kiosk=1", (1920, 1080), "live-partial-entities-wall"),
    ("/complaints", (1366, 768), "live-partial-complaints-analyst"),
])
def test_live004_trends_mark_the_partial_period(visit, path, viewport, name):
    """The small district's data ends on 20 Nov: November is drawn as 本月至今 wherever a monthly
    trend ends in it."""
    v = visit(path, viewport=viewport, screenshot=name)
    v.assert_clean()
    labels = v.page.eval_on_selector_all(".annotation-text", "els => els.map(e => e.textContent)")
    assert any(t.startswith("本月至今（截至11月20日）") for t in labels), labels


# --- spliced walls ---------------------------------------------------------------------------------

def _tiles(v: Visit, n: int) -> list[dict]:
    """Wait for the tile page to hold ``n`` drawn screens; their frames' boxes and what each draws."""
    from dashboard.browser import DRAWN_JS

    v.page.wait_for_url("**/_smartsup/tiles?**", timeout=SETTLE_TIMEOUT_MS)
    v.page.wait_for_function(f"() => document.querySelectorAll('iframe.wall-tile').length === {n}",
                             timeout=SETTLE_TIMEOUT_MS)
    out = []
    for handle in v.page.query_selector_all("iframe.wall-tile"):
        frame = handle.content_frame()
        frame.wait_for_selector("[id^='page-']", state="visible", timeout=SETTLE_TIMEOUT_MS)
        frame.wait_for_function(DRAWN_JS, timeout=SETTLE_TIMEOUT_MS, polling=200)
        canvas = frame.evaluate("""() => {
            const r = document.getElementById('wall-canvas').getBoundingClientRect();
            return {x: r.x, y: r.y, width: r.width, height: r.height,
                    root: document.querySelector("[id^='page-']").id,
                    mode: document.documentElement.getAttribute('data-ss-mode'),
                    search: window.location.search};
        }""")
        out.append({"box": handle.bounding_box(), "canvas": canvas,
                    "slug": handle.get_attribute("data-slug")})
    return out


def test_live005_5760_wall_is_three_whole_screens(visit):
    v = visit("/?kiosk=1", viewport=(5760, 1080), settle=False)
    tiles = _tiles(v, 3)
    v.shot("live-tiles-5760")
    assert [round(t["box"]["x"]) for t in tiles] == [0, 1920, 3840]
    for t in tiles:
        assert round(t["box"]["width"]) == 1920 and round(t["box"]["height"]) == 1080
        c = t["canvas"]
        # each tile draws the whole design canvas at full size: nothing of the wall is left black
        assert (round(c["x"]), round(c["y"]), round(c["width"]), round(c["height"])) == (0, 0, 1920, 1080)
        assert c["mode"] == "wall" and "tiles=off" in c["search"] and "rotate" not in c["search"]
    roots = [t["canvas"]["root"] for t in tiles]
    assert roots[0] == "page-overview" and len(set(roots)) == 3
    assert not [e for e in v.console_errors if "ERR_ABORTED" not in e]


def test_live006_tiles_chosen_and_taller_walls(visit):
    v = visit("/?kiosk=1&tiles=complaints,warnings,overview", viewport=(5760, 1080), settle=False)
    roots = [t["canvas"]["root"] for t in _tiles(v, 3)]
    assert roots == ["page-complaints", "page-warnings", "page-overview"]
    tall = visit("/complaints?kiosk=1", viewport=(1920, 2160), settle=False)
    boxes = [t["box"] for t in _tiles(tall, 2)]
    assert [round(b["y"]) for b in boxes] == [0, 1080] and all(round(b["width"]) == 1920 for b in boxes)


TILE_LOG_JS = """
window.__tiles = [];
new MutationObserver(records => {
  for (const r of records) {
    if (r.type === "childList") {
      r.addedNodes.forEach(n => { if (n.classList && n.classList.contains("wall-tile")) {
        window.__tiles.push(n.dataset.tile + ":" + n.dataset.slug); } });
    } else if (r.target.classList.contains("wall-tile")) {
      window.__tiles.push(r.target.dataset.tile + ":" + r.target.dataset.slug);
    }
  }
}).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ["data-slug"]});
"""


def test_live007_tiles_rotate_one_at_a_time(browser, app_url, signed_in):
    context = browser.new_context(viewport={"width": 3840, "height": 1080}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", storage_state=signed_in())
    try:
        page = context.new_page()
        page.add_init_script(TILE_LOG_JS)
        page.goto(app_url + "/?kiosk=1&rotate=5&playlist=overview,complaints,warnings,entities",
                  wait_until="commit")
        page.wait_for_url("**/_smartsup/tiles?**", timeout=SETTLE_TIMEOUT_MS)
        page.wait_for_function("() => window.__tiles && window.__tiles.length >= 5", timeout=60_000)
        log = page.evaluate("() => window.__tiles")
        # two tiles open on the first two screens; then the first tile moves on, then the second,
        # each to the next screen of the playlist not already on the wall
        assert log[:5] == ["0:overview", "1:complaints", "0:warnings", "1:entities", "0:overview"], log
        frame = page.query_selector('[data-tile="0"]').content_frame()
        frame.wait_for_selector("#page-overview", state="visible", timeout=SETTLE_TIMEOUT_MS)
    finally:
        context.close()


def test_live008_a_16_9_wall_is_not_tiled(visit):
    v = visit("/?kiosk=1&tiles=auto", viewport=(1920, 1080), screenshot="live-tiles-none-1920")
    v.assert_clean()
    assert "/_smartsup/tiles" not in v.page.url
    assert v.page.locator("iframe").count() == 0
    assert v.page.locator("#page-overview").is_visible()
