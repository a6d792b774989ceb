"""数据分析 in headless Chromium on the small district: both modes load clean with KPI numbers equal
to the read API's compare, the wall fits its canvas and refreshes itself, changing the indicators
and the dimension through the controls changes the pivot table (to the read API's pivot) and the
URL, the export downloads that table, and a bad link falls back with a visible note."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from data_access.api import analysis, extra_screens
from tests.browser.browser_harness import MODES, SETTLE_TIMEOUT_MS

HEADLINE = (
    "complaint.received",
    "complaint.ontime_rate",
    "complaint.satisfaction_rate",
    "case.opened",
    "case.fines_total",
    "entity.new_registrations",
)
_UPDATES_JS = "performance.getEntriesByType('resource').filter(e => e.name.includes('_dash-update')).length"
_KPIS_JS = """() => [...document.querySelectorAll('[data-indicator]')]
    .map(e => [e.getAttribute('data-indicator'), e.getAttribute('data-value')])"""
_GRID_ROWS_JS = """async (id) => {
  const api = await window.dash_ag_grid.getApiAsync(id);
  const rows = [];
  api.forEachNode(n => rows.push(n.data));
  return rows;
}"""
_HEADERS_JS = """async (id) => {
  const api = await window.dash_ag_grid.getApiAsync(id);
  return api.getColumnDefs().map(c => c.headerName);
}"""


def _wait_for_state(page, predicate_js: str) -> None:
    page.wait_for_function(
        f"() => {{ const q = new URLSearchParams(location.search); return {predicate_js}; }}",
        timeout=SETTLE_TIMEOUT_MS,
    )


def _to_date(bounds) -> tuple:
    as_of = bounds["as_of"]
    return bounds["start"], min(bounds["end"], as_of + timedelta(days=1))


@pytest.mark.parametrize("mode", list(MODES))
def test_anb001_loads_clean_with_kpis_from_the_read_api(visit, mode):
    query, viewport = MODES[mode]
    query += "&refresh=10" if mode == "wall" else ""
    v = visit(
        "/analysis" + query, viewport=viewport, screenshot=f"analysis-{mode}-{viewport[0]}x{viewport[1]}"
    )
    v.assert_clean()
    assert v.page.locator("#page-analysis").is_visible()
    shown = v.page.evaluate(_KPIS_JS)
    month = extra_screens.period_bounds("month")
    as_of = month["as_of"]
    if mode == "wall":
        expected = analysis.compare(HEADLINE, *_to_date(month)).set_index("indicator_id")["value"]
        assert [i for i, _ in shown] == list(HEADLINE)
    else:
        start, end = extra_screens.month_window(as_of, 12)
        ids = ("complaint.received", "case.opened")
        expected = analysis.compare(ids, start, min(end, as_of + timedelta(days=1))).set_index("indicator_id")
        expected = expected["value"]
        assert [i for i, _ in shown] == list(ids)
    for indicator, raw in shown:
        assert float(raw) == pytest.approx(expected[indicator], rel=1e-6, abs=1e-6), indicator
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
        assert v.page.locator(".frame-grid .js-plotly-plot").count() == 3
        ticks = v.page.evaluate(f"() => {_UPDATES_JS}")
        v.page.wait_for_function(f"() => {_UPDATES_JS} > {ticks}", timeout=45_000)
        v.settle()
        v.assert_clean()
        assert v.page.evaluate(_KPIS_JS) == shown
        assert v.page.locator(".wall-banner").is_hidden()
    else:
        rows = v.page.evaluate(_GRID_ROWS_JS, "analysis-grid")
        assert len(rows) == 12 and all(r["v0"] is not None for r in rows)
        v.shot("analysis-analyst-full", full_page=True)


def test_anb002_indicator_and_dimension_controls_change_the_table_and_export(visit):
    v = visit("/analysis", viewport=(1366, 768))
    # add an indicator through the searchable, theme-grouped picker
    v.page.locator("#analysis-indicators").click()
    v.page.keyboard.type("按期办结率")
    v.page.get_by_role("option", name="按期办结率（%） · 投诉举报").click()
    v.page.keyboard.press("Escape")
    _wait_for_state(v.page, "q.get('ind') === 'complaint.received,case.opened,complaint.ontime_rate'")
    v.settle()
    assert v.page.evaluate(_HEADERS_JS, "analysis-grid") == ["月", "受理投诉举报（件）", "立案数（件）",
                                                              "按期办结率（%）"]
    # break down by street instead of month
    v.page.locator("#analysis-dimension").click()
    v.page.get_by_role("option", name="街镇", exact=True).click()
    _wait_for_state(v.page, "q.get('dim') === 'street_code'")
    v.settle()
    v.assert_clean()
    as_of = extra_screens.period_bounds("month")["as_of"]
    start, end = extra_screens.month_window(as_of, 12)
    end = min(end, as_of + timedelta(days=1))
    ids = ("complaint.received", "case.opened", "complaint.ontime_rate")
    pivot = analysis.pivot(ids, start, end, "street_code")
    rows = v.page.evaluate(_GRID_ROWS_JS, "analysis-grid")
    assert v.page.evaluate(_HEADERS_JS, "analysis-grid")[0] == "街镇"
    assert [r["label"] for r in rows] == pivot["label"].tolist()
    assert [r["v0"] for r in rows] == pivot["complaint.received"].tolist()
    assert [r["v2"] for r in rows] == pytest.approx((pivot["complaint.ontime_rate"] * 100).round(2).tolist())
    v.shot("analysis-by-street")
    # the export is that table
    v.page.locator("#analysis-detail").scroll_into_view_if_needed()
    with v.page.expect_download() as info:
        v.page.locator("#analysis-export-csv").click()
    csv = pd.read_csv(info.value.path(), encoding="utf-8-sig")
    assert list(csv.columns) == ["街镇", "受理投诉举报（件）", "立案数（件）", "按期办结率（%）"]
    assert csv["街镇"].tolist() == pivot["label"].tolist()
    assert csv["受理投诉举报（件）"].tolist() == pivot["complaint.received"].tolist()
    v.assert_clean()
    # the link restores the analysis
    link = urlsplit(v.page.url)
    v.page.context.close()
    again = visit(f"{link.path}?{link.query}", viewport=(1366, 768))
    again.assert_clean()
    assert parse_qs(link.query)["dim"] == ["street_code"]
    assert again.page.evaluate(_GRID_ROWS_JS, "analysis-grid") == rows


def test_anb003_a_street_click_limits_the_breakdown(visit):
    v = visit("/analysis?period=year", viewport=(1366, 768))
    y = extra_screens.period_bounds("year")
    top = analysis.ranking("complaint.received", "street_code", *_to_date(y), limit=1).iloc[0]
    v.page.locator("#analysis-streets-graph").scroll_into_view_if_needed()
    box = v.page.locator("#analysis-streets-graph .trace.bars .point >> nth=0").bounding_box()
    v.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    _wait_for_state(v.page, f"q.get('street') === '{top['key']}'")
    v.settle()
    v.assert_clean()
    pivot = analysis.pivot(("complaint.received", "case.opened"), *_to_date(y), "month", (top["key"],))
    rows = v.page.evaluate(_GRID_ROWS_JS, "analysis-grid")
    assert [r["v0"] for r in rows] == pivot["complaint.received"].tolist()
    assert top["label"] in v.page.locator("#analysis-breakdown-title").inner_text()


def test_anb004_bad_link_parameters_fall_back_with_a_note(visit):
    v = visit("/analysis?ind=no.such,complaint.received&dim=cause&street=nowhere", viewport=(1366, 768))
    v.assert_clean()
    note = v.page.locator("#analysis-link-notes")
    assert note.is_visible()
    text = note.inner_text()
    assert "no.such" in text and "案由" in text and "nowhere" in text
    rows = v.page.evaluate(_GRID_ROWS_JS, "analysis-grid")
    assert rows and list(rows[0]) == ["label", "v0"]
