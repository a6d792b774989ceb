"""The app shell in headless Chromium: every page in both modes, the wall canvas, 404, URL params."""

from __future__ import annotations

import json

import pytest

from tests.browser.browser_harness import MODES, REGISTERED_PAGES, WALL_SIZES

_GEOMETRY_JS = """() => {
  const c = document.getElementById('wall-canvas').getBoundingClientRect();
  const d = document.documentElement;
  return {left: c.left, top: c.top, right: c.right, bottom: c.bottom, width: c.width, height: c.height,
          scrollW: d.scrollWidth, scrollH: d.scrollHeight, vw: window.innerWidth, vh: window.innerHeight,
          bodyScrollW: document.body.scrollWidth, bodyScrollH: document.body.scrollHeight,
          mode: d.getAttribute('data-ss-mode'), theme: d.getAttribute('data-ss-theme')};
}"""


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize(("slug", "path"), REGISTERED_PAGES, ids=[s for s, _ in REGISTERED_PAGES])
def test_app001_every_page_loads(visit, slug, path, mode):
    query, viewport = MODES[mode]
    v = visit(path + query, viewport=viewport, screenshot=f"{slug}-{mode}-{viewport[0]}x{viewport[1]}")
    v.assert_clean()
    root = v.page.locator(f"#page-{slug}")
    assert root.count() == 1 and root.is_visible()
    assert v.page.evaluate("document.documentElement.getAttribute('data-ss-mode')") == mode
    nav_visible = v.page.locator(".app-nav").is_visible()
    assert nav_visible == (mode == "analyst")
    if mode == "wall":
        assert v.page.locator(".wall-titlebar").is_visible()
        assert v.page.locator("#wall-clock").inner_text().strip() != ""


@pytest.mark.parametrize(("width", "height"), WALL_SIZES, ids=[f"{w}x{h}" for w, h in WALL_SIZES])
def test_app002_wall_canvas_fills_without_scrollbars(visit, width, height):
    # one canvas (tiles=off): a spliced wall is otherwise filled with several (test_live_walls.py)
    v = visit("/?kiosk=1&tiles=off", viewport=(width, height), screenshot=f"wall-fit-{width}x{height}")
    v.assert_clean()
    g = v.page.evaluate(_GEOMETRY_JS)
    assert g["scrollW"] <= g["vw"] and g["scrollH"] <= g["vh"], g
    assert g["bodyScrollW"] <= g["vw"] and g["bodyScrollH"] <= g["vh"], g
    assert g["left"] >= -0.5 and g["top"] >= -0.5, g
    assert g["right"] <= g["vw"] + 0.5 and g["bottom"] <= g["vh"] + 0.5, g
    # contain: the 16:9 canvas touches both edges of one axis and keeps its aspect ratio
    assert abs(g["width"] / g["height"] - 1920 / 1080) < 0.01, g
    assert abs(g["width"] - g["vw"]) < 1 or abs(g["height"] - g["vh"]) < 1, g
    # and sits centred
    assert abs((g["left"] + g["right"]) / 2 - g["vw"] / 2) < 1, g
    assert abs((g["top"] + g["bottom"]) / 2 - g["vh"] / 2) < 1, g


def test_app003_fit_stretch_fills_the_whole_window(visit):
    v = visit("/?kiosk=1&fit=stretch", viewport=(5760, 1080))
    g = v.page.evaluate(_GEOMETRY_JS)
    assert abs(g["width"] - 5760) < 1 and abs(g["height"] - 1080) < 1, g


@pytest.mark.parametrize("query", ["", "?kiosk=1"], ids=["analyst", "wall"])
def test_app004_unknown_path_shows_404_page(visit, query):
    v = visit("/no/such/screen" + query, viewport=(1366, 768) if not query else (1920, 1080),
              screenshot=f"not-found-{'wall' if query else 'analyst'}")
    v.assert_clean()
    assert v.page.locator("#page-not-found").is_visible()
    assert "页面不存在" in v.page.locator("#page-not-found").inner_text()
    back = v.page.locator("#page-not-found a").get_attribute("href")
    assert back == ("/?kiosk=1" if query else "/")


def test_app005_bad_url_parameters_fall_back_to_defaults(visit):
    v = visit("/?kiosk=1&refresh=abc&fit=foo&rotate=-3&theme=pink&playlist=,,nope", viewport=(1920, 1080))
    v.assert_clean()
    g = v.page.evaluate(_GEOMETRY_JS)
    assert g["mode"] == "wall" and g["theme"] == "dark", g
    assert abs(g["width"] - 1920) < 1 and abs(g["height"] - 1080) < 1, g
    assert v.page.locator("#page-overview").is_visible()
    interval = v.page.evaluate("window.smartsup.params().refresh")
    assert interval == 30


def test_app006_kpi_numbers_carry_indicator_and_raw_value(visit, probe):
    v = visit("/_probe?kiosk=1", viewport=(1920, 1080))
    number = v.page.locator("[data-indicator='probe.value']")
    assert number.get_attribute("data-value") == "12345"
    assert number.inner_text().replace("\n", "") == "1.23万件"
    assert v.page.locator("#wall-screen-name").inner_text() == "探针"
    assert "2026年11月20日 09:30" in v.page.locator("#wall-data-time").inner_text()
    # and on a real screen: counts as integers, rates as fractions in [0, 1] (product.md §6)
    v = visit("/?kiosk=1", viewport=(1920, 1080))
    numbers = v.page.locator("[data-indicator]")
    assert numbers.count() >= 1
    for i in range(numbers.count()):
        el = numbers.nth(i)
        raw, indicator = el.get_attribute("data-value"), el.get_attribute("data-indicator")
        assert indicator and raw is not None
        if indicator.endswith("_rate"):
            assert 0 <= float(raw) <= 1, (indicator, raw)
        else:
            assert raw.lstrip("-").isdigit(), (indicator, raw)


def test_app007_light_theme_on_the_wall(visit):
    v = visit("/?kiosk=1&theme=light", viewport=(1920, 1080), screenshot="overview-wall-light")
    v.assert_clean()
    assert v.page.evaluate("document.documentElement.getAttribute('data-ss-theme')") == "light"


def test_app008_rotation_keeps_kiosk_parameters(visit, probe):
    query = "?kiosk=1&rotate=5&playlist=probe,not-found&theme=dark"
    v = visit("/_probe" + query, viewport=(1920, 1080))
    v.page.wait_for_url("**/404" + query, timeout=12_000)
    v.page.wait_for_selector("#page-not-found", state="visible", timeout=15_000)
    v.settle()
    assert v.page.evaluate("document.documentElement.getAttribute('data-ss-mode')") == "wall"
    v.page.wait_for_url("**/_probe" + query, timeout=12_000)
    v.page.wait_for_selector("#page-probe", state="visible", timeout=15_000)
    v.settle()
    v.assert_clean()


def test_app009_failed_refresh_keeps_data_and_raises_banner(visit, probe):
    v = visit("/_probe?kiosk=1&refresh=5", viewport=(1920, 1080))
    assert v.page.locator(".wall-banner").is_hidden()
    probe.STATE.update(fail=True, value=99)
    v.page.wait_for_selector("html[data-ss-stale] .wall-banner", state="visible", timeout=15_000)
    assert probe.CALLS["n"] >= 1
    assert "数据延迟" in v.page.locator(".wall-banner").inner_text()
    assert "数据库暂时无法访问" in v.page.locator(".wall-banner").inner_text()
    assert v.page.locator("[data-indicator='probe.value']").get_attribute("data-value") == "12345"
    v.shot("probe-wall-banner")
    probe.STATE.update(fail=False)
    v.page.wait_for_selector(".wall-banner", state="hidden", timeout=15_000)
    assert v.page.locator("[data-indicator='probe.value']").get_attribute("data-value") == "99"


def test_app010_slow_refreshes_never_overlap_and_raise_the_late_banner(visit, probe):
    v = visit("/_probe?kiosk=1&refresh=5", viewport=(1920, 1080))
    probe.STATE.update(delay=12.0)
    # no good refresh for more than twice the interval while one is still running → "late"
    v.page.wait_for_selector('html[data-ss-stale="late"] .wall-banner', state="visible", timeout=20_000)
    assert "超过两个刷新周期" in v.page.locator(".wall-banner").inner_text()
    v.page.wait_for_selector(".wall-banner", state="hidden", timeout=20_000)
    assert probe.CALLS["n"] >= 1
    assert probe.CALLS["max_active"] == 1, probe.CALLS


def test_app011_refresh_pauses_while_hidden(visit, probe):
    v = visit("/_probe?kiosk=1&refresh=5", viewport=(1920, 1080))
    v.page.evaluate("""() => {
      Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
      document.dispatchEvent(new Event('visibilitychange'));
    }""")
    v.settle()  # a refresh ticked before the tab was hidden may still be running
    probe.CALLS.update(n=0)
    v.page.wait_for_timeout(11_000)
    assert probe.CALLS["n"] == 0, probe.CALLS
    v.page.evaluate("""() => {
      Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'visible'});
      document.dispatchEvent(new Event('visibilitychange'));
    }""")
    v.page.wait_for_timeout(6_500)
    assert probe.CALLS["n"] >= 1, probe.CALLS


def test_app012_nothing_requested_off_origin_and_status_json(visit):
    v = visit("/?kiosk=1", viewport=(1920, 1080))
    assert v.off_origin() == []
    assert any("/_dash-update-component" in u for u in v.requests)
    body = json.loads(v.page.evaluate("fetch('/health').then(r => r.text())"))
    assert body["database"] == "ok" and body["status"] == "ok"


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)], ids=["desktop", "phone"])
def test_app013_analyst_panels_reflow_without_horizontal_scrolling(visit, width, height):
    v = visit("/", viewport=(width, height))
    v.assert_clean()
    v.shot(f"overview-analyst-full-{width}", full_page=True)
    layout = v.page.evaluate("""() => ({
      scrollW: document.documentElement.scrollWidth, vw: window.innerWidth,
      panels: [...document.querySelectorAll('.panel')].map(p => p.getBoundingClientRect().toJSON()),
    })""")
    assert layout["scrollW"] <= layout["vw"], layout["scrollW"]
    assert layout["panels"] and all(p["right"] <= layout["vw"] + 0.5 for p in layout["panels"])
    if width < 576:
        lefts = {round(p["left"]) for p in layout["panels"]}
        assert len(lefts) == 1, lefts  # one column on a phone


_RECORD_KPI_TEXT = """(() => {
  window.__kpiTexts = [];
  new MutationObserver(() => {
    const el = document.querySelector('.kpi-num');
    if (el) window.__kpiTexts.push(el.textContent);
  }).observe(document, {subtree: true, childList: true, characterData: true});
})();"""


def test_app014_wall_numbers_roll_unless_motion_is_reduced(browser, app_url, probe, signed_in):
    texts = {}
    for reduced in (False, True):
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, storage_state=signed_in(),
                                      reduced_motion="reduce" if reduced else "no-preference")
        try:
            page = context.new_page()
            page.add_init_script(_RECORD_KPI_TEXT)
            page.goto(app_url + "/_probe?kiosk=1")
            page.wait_for_selector(".kpi-num")
            page.wait_for_timeout(2_500)
            final = page.locator(".kpi-num").first.get_attribute("data-final")
            seen = page.evaluate("window.__kpiTexts")
            assert seen and seen[-1] == final and page.locator(".kpi-num").first.inner_text() == final
            texts[reduced] = [t for t in dict.fromkeys(seen) if t]
        finally:
            context.close()
    # the roll starts from 0 on first show (how many frames it gets depends on the machine's load)
    rolled = [float(t.replace(",", "")) for t in texts[False] if t != texts[False][0]]
    assert rolled and rolled[0] == 0 and rolled == sorted(rolled), texts[False]
    assert len(texts[True]) == 1, texts[True]


def test_app015_kpi_provenance_on_hover_for_analysts(visit, probe):
    v = visit("/_probe")
    card = v.page.locator(".kpi-card").first
    card.hover()
    popover = v.page.locator(".popover")
    popover.wait_for(state="visible", timeout=5_000)
    text = popover.inner_text()
    assert "口径：测试用的探针数值" in text and "单位：件" in text and "2026年11月20日 09:30" in text
    v.assert_clean()
