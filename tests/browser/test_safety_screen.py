"""“三品一特”安全守护 (/safety) in headless Chromium: both modes load clean with the read API's KPI
numbers, the wall fits its canvas and refreshes itself, a click on a sampling bar or on the map
filters the other panels and the URL, exports carry the rows of the filter, bad links fall back."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from dashboard.browser import MAP_POINT_JS as _MAP_POINT_JS
from data_access.api import extra_screens, geo, indicators, safety
from tests.browser.browser_harness import MODES, SETTLE_TIMEOUT_MS

KPIS = (
    "licence.food_business_valid",
    "licence.drug_retail_valid",
    "sampling.batches",
    "sampling.pass_rate",
    "sampling.followup_rate",
    "equipment.elevators",
    "equipment.overdue_inspection",
    "equipment.inspection_pass_rate",
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



def _num(raw: str) -> float:
    return float(raw) if raw != "" else float("nan")


def _wait_for(page, predicate_js: str) -> None:
    page.wait_for_function(
        f"() => {{ const q = new URLSearchParams(location.search); return {predicate_js}; }}",
        timeout=SETTLE_TIMEOUT_MS,
    )


def _click_centre(page, selector: str) -> None:
    """Click the middle of an SVG mark (Plotly's drag layer would swallow a click on the element)."""
    box = page.locator(selector).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def _busy_street() -> tuple[str, str]:
    y = extra_screens.period_bounds("year")
    code = (
        safety.failed_samplings(y["start"], y["end"], limit=5000).frame["street_code"].value_counts().index[0]
    )
    return code, extra_screens.street_names()[code]


@pytest.mark.parametrize("mode", list(MODES))
def test_saf101_loads_clean_with_kpis_from_the_read_api(visit, mode):
    query, viewport = MODES[mode]
    query += "&refresh=10" if mode == "wall" else ""
    v = visit("/safety" + query, viewport=viewport, screenshot=f"safety-{mode}-{viewport[0]}x{viewport[1]}")
    v.assert_clean()
    assert v.page.locator("#page-safety").is_visible()
    shown = v.page.evaluate(_KPIS_JS)
    want = indicators.kpis(KPIS, "month").set_index("indicator_id")["value"]
    assert [i for i, _ in shown] == list(KPIS)
    for indicator, raw in shown:
        assert _num(raw) == pytest.approx(want[indicator], rel=1e-6, abs=1e-6, nan_ok=True), indicator
    if mode == "wall":
        boxes = v.page.evaluate("""() => [...document.querySelectorAll('.panel, .kpi-card')].map(p => {
            const r = p.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, r.height]; })""")
        assert len(boxes) == len(KPIS) + 9
        assert all(
            b[0] >= 0 and b[1] >= 0 and b[2] <= 1920.5 and b[3] <= 1080.5 and b[4] > 80 for b in boxes
        ), boxes
        assert v.page.evaluate("() => document.documentElement.scrollHeight <= innerHeight + 1")
        assert v.page.locator(".frame-grid .js-plotly-plot").count() == 8
        ticks = v.page.evaluate(f"() => {_UPDATES_JS}")
        v.page.wait_for_function(f"() => {_UPDATES_JS} > {ticks}", timeout=45_000)
        v.settle()
        v.assert_clean()
        assert v.page.evaluate(_KPIS_JS) == shown
        assert v.page.locator(".wall-banner").is_hidden()
    else:
        m = extra_screens.period_bounds("month")
        expected = safety.failed_samplings(m["start"], m["end"], limit=500).frame
        rows = v.page.evaluate(_GRID_ROWS_JS, "safety-grid")
        assert [r["id"] for r in rows] == expected["id"].astype(str).tolist()
        v.shot("safety-analyst-full", full_page=True)


def test_saf102_a_sampling_bar_click_filters_the_failed_samplings(visit):
    v = visit("/safety?period=year", viewport=(1366, 768))
    y = extra_screens.period_bounds("year")
    top = safety.sampling_by_category(y["start"], y["end"])["food_category"][0]
    v.page.locator("#safety-sampling-graph").scroll_into_view_if_needed()
    _click_centre(v.page, "#safety-sampling-graph .trace.bars .point >> nth=0")
    _wait_for(v.page, f"q.get('category') === '{top}'")
    v.settle()
    v.assert_clean()
    assert f"食品类别：{top}" in v.page.locator("#safety-chips").inner_text()
    rows = v.page.evaluate(_GRID_ROWS_JS, "safety-grid")
    expected = safety.failed_samplings(y["start"], y["end"], limit=5000).frame
    expected = expected[expected["food_category"] == top].head(500)
    assert rows and {r["food_category"] for r in rows} == {top}
    assert [r["id"] for r in rows] == expected["id"].astype(str).tolist()
    # the entity column links to the entity's file
    href = v.page.locator("#safety-grid .ag-row a").first.get_attribute("href")
    assert href.startswith("/entity/") and extra_screens.normalise_uscc(href.split("/")[-1])
    v.shot("safety-category-filtered")


def test_saf103_a_map_click_filters_the_screen_and_the_export(visit):
    code, name = _busy_street()
    v = visit("/safety?period=year", viewport=(1366, 768))
    feature = next(f for f in geo.street_polygons()["features"] if f["id"] == code)
    v.page.locator("#safety-map-graph").scroll_into_view_if_needed()
    point = v.page.evaluate(
        _MAP_POINT_JS, ["safety-map-graph", feature["properties"]["lon"], feature["properties"]["lat"]]
    )
    v.page.mouse.click(point["x"], point["y"])
    _wait_for(v.page, f"q.get('street') === '{code}'")
    v.settle()
    v.assert_clean()
    assert f"街镇：{name}" in v.page.locator("#safety-chips").inner_text()
    shown = dict(v.page.evaluate(_KPIS_JS))
    scoped = indicators.kpis(KPIS, "year", (code,)).set_index("indicator_id")["value"]
    for i in KPIS:
        assert _num(shown[i]) == pytest.approx(scoped[i], rel=1e-6, abs=1e-6, nan_ok=True), i
    y = extra_screens.period_bounds("year")
    expected = safety.failed_samplings(y["start"], y["end"], (code,), limit=5000).frame
    rows = v.page.evaluate(_GRID_ROWS_JS, "safety-grid")
    assert rows and {r["street_name"] for r in rows} == {name}
    v.page.locator("#safety-detail").scroll_into_view_if_needed()
    with v.page.expect_download() as info:
        v.page.locator("#safety-export-csv").click()
    csv = pd.read_csv(info.value.path(), encoding="utf-8-sig", dtype=str)
    assert csv["编号"].tolist() == expected["id"].astype(str).tolist()
    with v.page.expect_download() as info:
        v.page.locator("#safety-export-xlsx").click()
    ws = openpyxl.load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).active
    assert [str(r[0]) for r in ws.iter_rows(min_row=2, values_only=True)] == expected["id"].astype(
        str
    ).tolist()
    v.assert_clean()


def test_saf104_bad_link_parameters_fall_back_with_a_note(visit):
    v = visit("/safety?street=nowhere&period=2026-13&equipment=boiler", viewport=(1366, 768))
    v.assert_clean()
    note = v.page.locator("#safety-link-notes")
    assert note.is_visible() and "nowhere" in note.inner_text() and "2026-13" in note.inner_text()
    assert "设备种类：锅炉" in v.page.locator("#safety-chips").inner_text()
