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
def visit_in_zone(browser: Browser, app_url: str) -> Iterator[Callable[..., Visit]]:
    """Like ``visit``, with the browser's own time zone chosen by the test."""
    contexts: list[BrowserContext] = []

    def _visit(path: str, *, zone: str, viewport: tuple[int, int] = (1920, 1080),
               screenshot: str | None = None) -> Visit:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                      locale="zh-CN", timezone_id=zone, reduced_motion="reduce")
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
