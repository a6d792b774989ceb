"""应急指挥 in headless Chromium on the small district: both modes load clean with KPI numbers equal
to the read API's, the wall fits its canvas and refreshes itself, a click on a level filters the
incident grid and the URL, "查看" in the list shows that incident's timeline and nearest resources,
a link restores the view, and bad parameters fall back with a visible note."""

from __future__ import annotations

import math
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from data_access.api import emergency as em
from data_access.api import extra_screens, indicators
from tests.browser.browser_harness import MODES, SETTLE_TIMEOUT_MS

KPI_IDS = (
    "incident.open",
    "incident.open_major",
    "incident.reported",
    "incident.avg_resolve_minutes",
    "dispatch.count",
    "dispatch.avg_arrive_minutes",
    "resource.available",
)
LEVELS = ("I", "II", "III", "IV")

_UPDATES_JS = "performance.getEntriesByType('resource').filter(e => e.name.includes('_dash-update')).length"
_KPIS_JS = """() => [...document.querySelectorAll('[data-indicator]')]
    .map(e => [e.getAttribute('data-indicator'), e.getAttribute('data-value')])"""
_GRID_ROWS_JS = """async (id) => {
  const api = await window.dash_ag_grid.getApiAsync(id);
  const rows = [];
  api.forEachNode(n => rows.push(n.data));
  return rows;
}"""
_TIMELINE_TITLE_JS = """() => {
  const gd = document.querySelector('#emergency-timeline-graph .js-plotly-plot');
  return gd && gd.layout.title ? gd.layout.title.text : null;
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


def _expected_ids(period: str = "month", level: str | None = None) -> list[str]:
    """The incidents the grid lists, read independently: open now or reported in the period."""
    b = extra_screens.period_bounds(period)
    f = pd.concat(
        [
            em.incidents(None, True, None, None, 500).frame,
            em.incidents(None, False, b["start"], b["end"], 500).frame,
        ]
    ).drop_duplicates("id")
    if level:
        f = f[f["level"] == level]
    return f.sort_values(["reported_at", "id"], ascending=[False, True])["id"].tolist()


def _same(shown: str, expected: float) -> bool:
    if shown == "":
        return expected is None or math.isnan(expected)
    return float(shown) == pytest.approx(expected, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("mode", list(MODES))
def test_emb001_loads_clean_with_kpis_from_the_read_api(visit, mode):
    query, viewport = MODES[mode]
    query += "&refresh=10" if mode == "wall" else ""
    v = visit(
        "/emergency" + query, viewport=viewport, screenshot=f"emergency-{mode}-{viewport[0]}x{viewport[1]}"
    )
    v.assert_clean()
    assert v.page.locator("#page-emergency").is_visible()
    shown = v.page.evaluate(_KPIS_JS)
    expected = indicators.kpis(KPI_IDS, "month").set_index("indicator_id")["value"]
    assert [i for i, _ in shown] == list(KPI_IDS)
    for indicator, raw in shown:
        assert _same(raw, expected[indicator]), (indicator, raw, expected[indicator])
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
        # the wall refreshes on its own (refresh=10), cleanly, with the same numbers
        ticks = v.page.evaluate(f"() => {_UPDATES_JS}")
        v.page.wait_for_function(f"() => {_UPDATES_JS} > {ticks}", timeout=45_000)
        v.settle()
        v.assert_clean()
        assert v.page.evaluate(_KPIS_JS) == shown
        assert v.page.locator(".wall-banner").is_hidden()
    else:
        rows = v.page.evaluate(_GRID_ROWS_JS, "emergency-grid")
        assert [r["id"] for r in rows] == _expected_ids()
        v.shot("emergency-analyst-full", full_page=True)


def test_emb002_a_level_click_filters_the_grid_and_a_pick_shows_the_timeline(visit):
    b = extra_screens.period_bounds("year")
    by_level = em.incidents_by("level", b["start"], b["end"])
    level = str(by_level.sort_values(["n", "level"], ascending=[False, True]).iloc[0]["level"])
    v = visit("/emergency?period=year", viewport=(1366, 768))
    v.assert_clean()
    v.page.locator("#emergency-levels-graph").scroll_into_view_if_needed()
    _click_centre(v.page, f"#emergency-levels-graph .trace.bars .point >> nth={LEVELS.index(level)}")
    _wait_for_state(v.page, f"q.get('level') === '{level}'")
    v.settle()
    v.assert_clean()
    assert "事件等级" in v.page.locator("#emergency-chips").inner_text()
    rows = v.page.evaluate(_GRID_ROWS_JS, "emergency-grid")
    expected = _expected_ids("year", level)
    assert rows and [r["id"] for r in rows] == expected
    # "查看" on the second incident of the list: its timeline and nearest resources
    target = expected[1] if len(expected) > 1 else expected[0]
    v.page.locator(f"#emergency-list button:has-text('查看') >> nth={1 if len(expected) > 1 else 0}").click()
    _wait_for_state(v.page, f"q.get('incident') === '{target}'")
    v.settle()
    v.assert_clean()
    v.page.wait_for_function(
        f"() => ({_TIMELINE_TITLE_JS})() && ({_TIMELINE_TITLE_JS})().startsWith('{target}')"
    )
    v.shot("emergency-incident-picked")
    # the link restores the view
    link = urlsplit(v.page.url)
    assert parse_qs(link.query)["level"] == [level] and parse_qs(link.query)["incident"] == [target]
    v.page.context.close()
    again = visit(f"{link.path}?{link.query}", viewport=(1366, 768))
    again.assert_clean()
    assert [r["id"] for r in again.page.evaluate(_GRID_ROWS_JS, "emergency-grid")] == expected
    assert again.page.evaluate(_TIMELINE_TITLE_JS).startswith(target)


def test_emb003_bad_link_parameters_fall_back_with_a_note(visit):
    v = visit("/emergency?street=nowhere&level=V&period=2026-13&incident=NOPE", viewport=(1366, 768))
    v.assert_clean()
    note = v.page.locator("#emergency-link-notes")
    assert note.is_visible()
    text = note.inner_text()
    assert all(bad in text for bad in ("nowhere", "“V”", "2026-13", "NOPE")), text
    assert "未筛选" in v.page.locator("#emergency-chips").inner_text()
