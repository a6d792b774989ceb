"""稽查办案 (/cases) in headless Chromium: both modes load clean with KPI numbers equal to the read
API's, the wall fits its canvas and refreshes itself, and a click on a chart filters the rest of
the screen, the URL and the grid."""

from __future__ import annotations

import math

import pytest

from data_access.api import cases, extra_screens, indicators
from tests.browser.browser_harness import MODES, SETTLE_TIMEOUT_MS

WALL_KPIS = (
    "case.opened",
    "case.closed",
    "case.open",
    "case.approaching_limit",
    "case.overdue_open",
    "case.fines_total",
    "case.confiscation_total",
    "case.transferred_to_police",
    "case.avg_duration_minutes",
)
ANALYST_KPIS = (*WALL_KPIS[:5], "case.decisions", *WALL_KPIS[5:], "inspection.case_opened")

_UPDATES_JS = "performance.getEntriesByType('resource').filter(e => e.name.includes('_dash-update')).length"
_KPIS_JS = """() => [...document.querySelectorAll('[data-indicator]')]
    .map(e => [e.getAttribute('data-indicator'), e.getAttribute('data-value')])"""
_GRID_ROWS_JS = """async (id) => {
  const api = await window.dash_ag_grid.getApiAsync(id);
  const rows = [];
  api.forEachNode(n => rows.push(n.data));
  return rows;
}"""


def _number(raw: str) -> float:
    return float(raw) if raw != "" else math.nan


def _assert_kpis(shown: list[list[str]], expected) -> None:
    assert [i for i, _ in shown] == expected["indicator_id"].tolist()
    for (indicator, raw), want in zip(shown, expected["value"], strict=True):
        assert _number(raw) == pytest.approx(want, rel=1e-6, abs=1e-6, nan_ok=True), indicator


@pytest.mark.parametrize("mode", list(MODES))
def test_cas101_loads_clean_in_both_modes_with_kpis_from_the_read_api(visit, mode):
    query, viewport = MODES[mode]
    query += "&refresh=10" if mode == "wall" else ""
    v = visit("/cases" + query, viewport=viewport, screenshot=f"cases-{mode}-{viewport[0]}x{viewport[1]}")
    v.assert_clean()
    assert v.page.locator("#page-cases").is_visible()
    ids = WALL_KPIS if mode == "wall" else ANALYST_KPIS
    shown = v.page.evaluate(_KPIS_JS)
    _assert_kpis(shown, indicators.kpis(ids, "month"))
    if mode == "wall":
        boxes = v.page.evaluate("""() => [...document.querySelectorAll('.panel, .kpi-card')].map(p => {
            const r = p.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, r.height]; })""")
        assert boxes and all(
            b[0] >= 0 and b[1] >= 0 and b[2] <= 1920.5 and b[3] <= 1080.5 and b[4] > 80 for b in boxes
        ), boxes
        size = v.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert size == [1920, 1080]  # no scroll bars on the wall
        assert v.page.locator(".frame-grid .js-plotly-plot").count() == 7
        # the wall refreshes on its own (refresh=10): the tick redraws the screen, cleanly, same data
        ticks = v.page.evaluate(f"() => {_UPDATES_JS}")
        v.page.wait_for_function(f"() => {_UPDATES_JS} > {ticks}", timeout=45_000)
        v.settle()
        v.assert_clean()
        assert v.page.evaluate(_KPIS_JS) == shown
        assert v.page.locator(".wall-banner").is_hidden()
    else:
        assert v.page.locator("#cases-filter-period").is_visible()
        v.page.locator("#cases-detail").scroll_into_view_if_needed()
        v.page.wait_for_selector("#cases-grid .ag-row", timeout=SETTLE_TIMEOUT_MS)
        rows = v.page.evaluate(_GRID_ROWS_JS, "cases-grid")
        assert [r["case_no"] for r in rows] == cases.cases_near_limit(None, 0, 500).frame["case_no"].tolist()
        v.shot("cases-analyst-full", full_page=True)


def test_cas102_a_click_on_a_cause_filters_the_screen(visit):
    v = visit("/cases?period=year", viewport=(1366, 768))
    y = extra_screens.period_bounds("year")
    by_cause = cases.cases_by("cause", y["start"], y["end"])
    top = by_cause.iloc[0]  # the cause chart's first bar: the most cases
    v.page.locator("#cases-cause-graph").scroll_into_view_if_needed()
    box = v.page.locator("#cases-cause-graph .trace.bars .point >> nth=0").bounding_box()
    v.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    v.page.wait_for_function(
        f"() => new URLSearchParams(location.search).get('cause') === '{top['cause']}'",
        timeout=SETTLE_TIMEOUT_MS,
    )
    v.settle()
    v.assert_clean()
    chips = v.page.locator("#cases-chips").inner_text()
    assert "案由：" in chips, chips
    shown = dict(v.page.evaluate(_KPIS_JS))
    assert _number(shown["case.opened"]) == top["opened"]
    want = indicators.indicator_values(
        ("case.fines_total", "case.open"), y["start"], y["end"], None, (), {"cause": top["cause"]}
    ).set_index("indicator_id")["value"]
    assert _number(shown["case.fines_total"]) == pytest.approx(want["case.fines_total"])
    assert _number(shown["case.open"]) == want["case.open"]
    assert "检查后立案不分案由" in v.page.locator("#cases-kpi-note").inner_text()
    rows = v.page.evaluate(_GRID_ROWS_JS, "cases-grid")
    expected = cases.cases_near_limit(None, 0, 500).frame
    assert [r["case_no"] for r in rows] == expected[expected["cause"] == top["cause"]]["case_no"].tolist()
    v.shot("cases-cause-filtered")
    # the chip's × clears it again
    v.page.locator("#cases-chips [data-filter=cause] .xf-chip-x").click()
    v.page.wait_for_function(
        "() => !new URLSearchParams(location.search).get('cause')", timeout=SETTLE_TIMEOUT_MS
    )
    v.settle()
    assert _number(dict(v.page.evaluate(_KPIS_JS))["case.opened"]) == by_cause["opened"].sum()
