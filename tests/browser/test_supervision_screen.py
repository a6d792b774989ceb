"""综合监管 (/supervision) in headless Chromium: both modes load clean with KPI numbers equal to the
read API's, the wall fits its canvas and refreshes itself, and a click on an office filters the rest
of the screen and the URL, and a click on a credit list switches the grid."""

from __future__ import annotations

import math

import pytest

from data_access.api import extra_screens, indicators, supervision
from tests.browser.browser_harness import MODES, SETTLE_TIMEOUT_MS

WALL_KPIS = (
    "inspection.double_random_planned",
    "inspection.done_rate",
    "inspection.done",
    "inspection.problems",
    "inspection.problem_rate",
    "credit.abnormal_added",
    "entity.abnormal_listed",
    "entity.serious_dishonest",
    "entity.joint_punishment",
)
ANALYST_KPIS = (
    "inspection.tasks",
    "inspection.planned",
    *WALL_KPIS[:5],
    "inspection.case_opened",
    *WALL_KPIS[5:],
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


def _number(raw: str) -> float:
    return float(raw) if raw != "" else math.nan


def _assert_kpis(shown: list[list[str]], expected) -> None:
    assert [i for i, _ in shown] == expected["indicator_id"].tolist()
    for (indicator, raw), want in zip(shown, expected["value"], strict=True):
        assert _number(raw) == pytest.approx(want, rel=1e-6, abs=1e-6, nan_ok=True), indicator


@pytest.mark.parametrize("mode", list(MODES))
def test_sup101_loads_clean_in_both_modes_with_kpis_from_the_read_api(visit, mode):
    query, viewport = MODES[mode]
    query += "&refresh=10" if mode == "wall" else ""
    v = visit("/supervision" + query, viewport=viewport, screenshot=f"supervision-{mode}-{viewport[0]}")
    v.assert_clean()
    assert v.page.locator("#page-supervision").is_visible()
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
        assert v.page.locator(".frame-grid .js-plotly-plot").count() == 6
        ticks = v.page.evaluate(f"() => {_UPDATES_JS}")
        v.page.wait_for_function(f"() => {_UPDATES_JS} > {ticks}", timeout=45_000)
        v.settle()
        v.assert_clean()
        assert v.page.evaluate(_KPIS_JS) == shown
        assert v.page.locator(".wall-banner").is_hidden()
    else:
        assert v.page.locator("#supervision-filter-period").is_visible()
        v.page.locator("#supervision-detail").scroll_into_view_if_needed()
        rows = v.page.evaluate(_GRID_ROWS_JS, "supervision-grid")
        expected = supervision.credit_list_entries("joint_punishment", None, 500).frame
        assert [r["uscc"] for r in rows] == expected["uscc"].str.strip().tolist()
        v.shot("supervision-analyst-full", full_page=True)


def test_sup102_a_click_on_an_office_filters_the_screen(visit):
    v = visit("/supervision?period=year", viewport=(1366, 768))
    y = extra_screens.period_bounds("year")
    offices = supervision.inspections_by_office(y["start"], y["end"])
    top = offices.iloc[0]  # the completion chart's first bar: the most planned
    v.page.locator("#supervision-office-graph").scroll_into_view_if_needed()
    box = v.page.locator("#supervision-office-graph .trace.bars .point >> nth=0").bounding_box()
    v.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    v.page.wait_for_function(
        f"() => new URLSearchParams(location.search).get('office') === '{top['office_code']}'",
        timeout=SETTLE_TIMEOUT_MS,
    )
    v.settle()
    v.assert_clean()
    assert "检查机构：" in v.page.locator("#supervision-chips").inner_text()
    shown = dict(v.page.evaluate(_KPIS_JS))
    assert _number(shown["inspection.double_random_planned"]) == top["planned"]
    want = indicators.indicator_values(
        ("inspection.done_rate", "inspection.done"),
        y["start"],
        y["end"],
        None,
        (),
        {"office_code": top["office_code"]},
    ).set_index("indicator_id")["value"]
    assert _number(shown["inspection.done_rate"]) == pytest.approx(want["inspection.done_rate"])
    assert _number(shown["inspection.done"]) == want["inspection.done"]
    assert "不分检查机构" in v.page.locator("#supervision-kpi-note").inner_text()
    v.shot("supervision-office-filtered")
    # a credit list chosen on its chart lists its entities in the grid
    v.page.locator("#supervision-credit-graph").scroll_into_view_if_needed()
    box = v.page.locator("#supervision-credit-graph .trace.bars .point >> nth=0").bounding_box()
    v.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    v.page.wait_for_function(
        "() => new URLSearchParams(location.search).get('list') === 'abnormal_operation'",
        timeout=SETTLE_TIMEOUT_MS,
    )
    v.settle()
    v.assert_clean()
    rows = v.page.evaluate(_GRID_ROWS_JS, "supervision-grid")
    expected = supervision.credit_list_entries("abnormal_operation", None, 500).frame
    assert [r["uscc"] for r in rows] == expected["uscc"].str.strip().tolist() and rows
