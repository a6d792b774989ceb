"""智能预警 in headless Chromium on the small district: both modes load clean with KPI numbers equal
to the read API's, the wall fits its canvas and refreshes itself, a click on a level filters the
other panels and the open-warning list, the export carries those rows, and a link restores the view
(bad parameters fall back with a visible note)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from data_access.api import indicators
from data_access.api import warnings as wr
from tests.browser.browser_harness import MODES, SETTLE_TIMEOUT_MS

KPI_IDS = (
    "warning.raised",
    "warning.open_total",
    "warning.open.red",
    "warning.open.orange",
    "warning.open.yellow",
    "warning.open.blue",
    "warning.closure_rate",
    "warning.avg_response_minutes",
    "warning.avg_closure_minutes",
)
LEVELS = ("red", "orange", "yellow", "blue")
LEVEL_NAMES = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}

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


def _busiest_level() -> str:
    status = wr.warning_status()
    return str(status.sort_values(["open", "level"], ascending=[False, True]).iloc[0]["level"])


def _click_centre(page, selector: str) -> None:
    """Click the middle of an SVG mark (Plotly's drag layer would swallow a click on the element)."""
    box = page.locator(selector).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


@pytest.mark.parametrize("mode", list(MODES))
def test_wrb001_loads_clean_with_kpis_from_the_read_api(visit, mode):
    query, viewport = MODES[mode]
    query += "&refresh=10" if mode == "wall" else ""
    v = visit(
        "/warnings" + query, viewport=viewport, screenshot=f"warnings-{mode}-{viewport[0]}x{viewport[1]}"
    )
    v.assert_clean()
    assert v.page.locator("#page-warnings").is_visible()
    shown = v.page.evaluate(_KPIS_JS)
    expected = indicators.kpis(KPI_IDS, "month").set_index("indicator_id")["value"]
    assert [i for i, _ in shown] == list(KPI_IDS)
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
        assert v.page.locator(".frame-grid .js-plotly-plot").count() >= 6
        assert v.page.locator("#warnings-catalogue .ticker-row").count() >= len(wr.warning_rules())
        # the wall refreshes on its own (refresh=10), cleanly, with the same numbers
        ticks = v.page.evaluate(f"() => {_UPDATES_JS}")
        v.page.wait_for_function(f"() => {_UPDATES_JS} > {ticks}", timeout=45_000)
        v.settle()
        v.assert_clean()
        assert v.page.evaluate(_KPIS_JS) == shown
        assert v.page.locator(".wall-banner").is_hidden()
    else:
        rows = v.page.evaluate(_GRID_ROWS_JS, "warnings-grid")
        assert [r["id"] for r in rows] == wr.open_warning_points(limit=500).frame["id"].tolist()
        assert v.page.locator("#warnings-catalogue tbody tr").count() == len(wr.warning_rules())
        v.shot("warnings-analyst-full", full_page=True)


def test_wrb002_a_level_click_filters_the_list_and_the_export(visit):
    level = _busiest_level()
    name = LEVEL_NAMES[level]
    v = visit("/warnings", viewport=(1366, 768))
    v.page.locator("#warnings-levels-graph").scroll_into_view_if_needed()
    _click_centre(v.page, f"#warnings-levels-graph .trace.bars .point >> nth={LEVELS.index(level)}")
    _wait_for_state(v.page, f"q.get('level') === '{level}'")
    v.settle()
    v.assert_clean()
    assert f"预警等级：{name}" in v.page.locator("#warnings-chips").inner_text()
    assert "不随等级筛选" in v.page.locator("#warnings-kpi-note").inner_text()  # the per-level cards
    rows = v.page.evaluate(_GRID_ROWS_JS, "warnings-grid")
    expected = wr.open_warning_points(None, level, 500).frame
    assert rows and [r["id"] for r in rows] == expected["id"].tolist()
    assert {r["level"] for r in rows} == {name}
    newest = v.page.locator("#warnings-newest tbody tr")
    assert newest.count() > 0
    assert {newest.nth(i).locator("td").nth(1).inner_text() for i in range(newest.count())} == {name}
    v.shot("warnings-level-filtered")
    v.page.locator("#warnings-detail").scroll_into_view_if_needed()
    with v.page.expect_download() as info:
        v.page.locator("#warnings-export-csv").click()
    csv = pd.read_csv(info.value.path(), encoding="utf-8-sig", dtype=str)
    full = wr.open_warning_points(None, level, 5000).frame
    assert csv["预警编号"].tolist() == full["id"].tolist() and set(csv["等级"]) == {name}
    v.assert_clean()
    # the link restores the view
    link = urlsplit(v.page.url)
    v.page.context.close()
    again = visit(f"{link.path}?{link.query}", viewport=(1366, 768))
    again.assert_clean()
    assert parse_qs(link.query)["level"] == [level]
    assert [r["id"] for r in again.page.evaluate(_GRID_ROWS_JS, "warnings-grid")] == [r["id"] for r in rows]


def test_wrb003_bad_link_parameters_fall_back_with_a_note(visit):
    v = visit("/warnings?street=nowhere&level=purple&period=2026-13", viewport=(1366, 768))
    v.assert_clean()
    note = v.page.locator("#warnings-link-notes")
    assert note.is_visible()
    text = note.inner_text()
    assert "nowhere" in text and "purple" in text and "2026-13" in text
    assert "未筛选" in v.page.locator("#warnings-chips").inner_text()
