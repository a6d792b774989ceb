"""网络监管 in headless Chromium on the small district: both modes load clean with KPI numbers equal
to the read API's, the wall fits its canvas and refreshes itself, a click on a month of the ad trend
filters the other panels and the complaint list, the export carries those rows, and a link restores
the view (bad parameters fall back with a visible note)."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from data_access.api import complaints, extra_screens, indicators, online
from tests.browser.browser_harness import MODES, SETTLE_TIMEOUT_MS

KPI_IDS = (
    "online.stores_active",
    "online.ad_hits",
    "online.ad_hits_high",
    "online.ad_handled_rate",
    "complaint.online_shopping",
    "ip.registered",
    "ip.trademarks",
    "ip.invention_patents",
)
ONLINE = "online_shopping"

_UPDATES_JS = "performance.getEntriesByType('resource').filter(e => e.name.includes('_dash-update')).length"
_KPIS_JS = """() => [...document.querySelectorAll('[data-indicator]')]
    .map(e => [e.getAttribute('data-indicator'), e.getAttribute('data-value')])"""
_GRID_ROWS_JS = """async (id) => {
  const api = await window.dash_ag_grid.getApiAsync(id);
  const rows = [];
  api.forEachNode(n => rows.push(n.data));
  return rows;
}"""


def _wait_for_state(page, predicate_js: str) -> None:
    page.wait_for_function(
        f"() => {{ const q = new URLSearchParams(location.search); return {predicate_js}; }}",
        timeout=SETTLE_TIMEOUT_MS,
    )


def _click_centre(page, selector: str) -> None:
    """Click the middle of an SVG mark (Plotly's drag layer would swallow a click on the element)."""
    box = page.locator(selector).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def _kpis_match(shown, expected) -> None:
    assert [i for i, _ in shown] == list(KPI_IDS)
    for indicator, raw in shown:
        assert float(raw) == pytest.approx(expected[indicator], rel=1e-6, abs=1e-6), indicator


@pytest.mark.parametrize("mode", list(MODES))
def test_onb001_loads_clean_with_kpis_from_the_read_api(visit, mode):
    query, viewport = MODES[mode]
    query += "&refresh=10" if mode == "wall" else ""
    v = visit("/online" + query, viewport=viewport, screenshot=f"online-{mode}-{viewport[0]}x{viewport[1]}")
    v.assert_clean()
    assert v.page.locator("#page-online").is_visible()
    shown = v.page.evaluate(_KPIS_JS)
    _kpis_match(shown, indicators.kpis(KPI_IDS, "month").set_index("indicator_id")["value"])
    m = extra_screens.period_bounds("month")
    if mode == "wall":
        boxes = v.page.evaluate("""() => [...document.querySelectorAll('.panel, .kpi-card')].map(p => {
            const r = p.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, r.height]; })""")
        assert boxes and all(
            b[0] >= 0 and b[1] >= 0 and b[2] <= 1920.5 and b[3] <= 1080.5 and b[4] > 80 for b in boxes
        ), boxes
        size = v.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert size == [1920, 1080]
        assert v.page.locator(".frame-grid .js-plotly-plot").count() == 7
        assert v.page.locator("#online-newest .ticker-row").count() > 0
        # the wall refreshes on its own (refresh=10), cleanly, with the same numbers
        ticks = v.page.evaluate(f"() => {_UPDATES_JS}")
        v.page.wait_for_function(f"() => {_UPDATES_JS} > {ticks}", timeout=45_000)
        v.settle()
        v.assert_clean()
        assert v.page.evaluate(_KPIS_JS) == shown
        assert v.page.locator(".wall-banner").is_hidden()
    else:
        rows = v.page.evaluate(_GRID_ROWS_JS, "online-grid")
        expected = complaints.complaint_list(m["start"], m["end"], category=ONLINE, limit=500).frame
        assert rows and [r["id"] for r in rows] == expected["id"].tolist()
        links = v.page.locator("#online-newest a.entity-link")
        assert links.count() > 0 and links.first.get_attribute("href").startswith("/entity/")
        v.shot("online-analyst-full", full_page=True)


def test_onb002_a_month_click_filters_the_panels_the_list_and_the_export(visit):
    m = extra_screens.period_bounds("month")
    trend = online.ad_hit_trend(*extra_screens.month_window(m["as_of"], 12))
    k = len(trend) - 3
    first = trend["month"].iloc[k]
    start = date(first.year, first.month, 1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    code = f"{start:%Y-%m}"
    v = visit("/online", viewport=(1366, 768))
    v.page.locator("#online-ad-trend-graph").scroll_into_view_if_needed()
    _click_centre(v.page, f"#online-ad-trend-graph .trace.bars >> nth=0 >> .point >> nth={k}")
    _wait_for_state(v.page, f"q.get('period') === '{code}'")
    v.settle()
    v.assert_clean()
    assert f"期间：{start.year}年{start.month}月" in v.page.locator("#online-chips").inner_text()
    shown = dict(v.page.evaluate(_KPIS_JS))
    assert float(shown["online.ad_hits"]) == trend["total"].iloc[k]
    by_category = complaints.complaints_by("category", start, end).set_index("category")
    assert float(shown["complaint.online_shopping"]) == by_category.loc[ONLINE, "n"]
    rows = v.page.evaluate(_GRID_ROWS_JS, "online-grid")
    expected = complaints.complaint_list(start, end, category=ONLINE, limit=500).frame
    assert rows and [r["id"] for r in rows] == expected["id"].tolist()
    v.shot("online-month-filtered")
    v.page.locator("#online-detail").scroll_into_view_if_needed()
    with v.page.expect_download() as info:
        v.page.locator("#online-export-csv").click()
    csv = pd.read_csv(info.value.path(), encoding="utf-8-sig", dtype=str)
    full = complaints.complaint_list(start, end, category=ONLINE, limit=5000).frame
    assert csv["编号"].tolist() == full["id"].tolist()
    v.assert_clean()
    # the link restores the view
    link = urlsplit(v.page.url)
    v.page.context.close()
    again = visit(f"{link.path}?{link.query}", viewport=(1366, 768))
    again.assert_clean()
    assert parse_qs(link.query)["period"] == [code]
    assert [r["id"] for r in again.page.evaluate(_GRID_ROWS_JS, "online-grid")] == [r["id"] for r in rows]


def test_onb003_bad_link_parameters_fall_back_with_a_note(visit):
    v = visit("/online?street=nowhere&office=X9&period=2026-13", viewport=(1366, 768))
    v.assert_clean()
    note = v.page.locator("#online-link-notes")
    assert note.is_visible()
    text = note.inner_text()
    assert "nowhere" in text and "X9" in text and "2026-13" in text
    assert "未筛选" in v.page.locator("#online-chips").inner_text()
