"""效能评价 in headless Chromium: both modes load clean with the KPI numbers of the read API, the
wall fits its canvas and refreshes itself, and a click on an office's bar in the ranking chooses
the office everywhere (URL, chips, radar, KPI strip)."""

from __future__ import annotations

import pytest

from data_access.api import efficacy, extra_screens, indicators
from tests.browser.browser_harness import MODES, SETTLE_TIMEOUT_MS

KPI_IDS = (
    "inspection.done_rate",
    "complaint.ontime_rate",
    "case.closed_within_90d_rate",
    "warning.avg_response_minutes",
    "complaint.satisfaction_rate",
    "case.overdue_open",
    "complaint.open_overdue",
)
_UPDATES_JS = "performance.getEntriesByType('resource').filter(e => e.name.includes('_dash-update')).length"
_KPIS_JS = """() => [...document.querySelectorAll('[data-indicator]')]
    .map(e => [e.getAttribute('data-indicator'), e.getAttribute('data-value')])"""


def _expected(period: str = "last12m", scope=None) -> dict[str, float]:
    b = extra_screens.period_bounds(period)
    f = indicators.indicator_values(KPI_IDS, b["start"], b["end"], scope)
    return dict(zip(f["indicator_id"], f["value"].astype(float), strict=True))


def _assert_kpis(page, expected: dict[str, float]) -> None:
    shown = page.evaluate(_KPIS_JS)
    assert [i for i, _ in shown] == list(KPI_IDS)
    for indicator, raw in shown:
        assert float(raw) == pytest.approx(expected[indicator], rel=1e-6, abs=1e-6), indicator


@pytest.mark.parametrize("mode", list(MODES))
def test_effb001_loads_clean_with_kpis_from_the_read_api(visit, mode):
    query, viewport = MODES[mode]
    query += "&refresh=10" if mode == "wall" else ""
    v = visit(
        "/efficacy" + query, viewport=viewport, screenshot=f"efficacy-{mode}-{viewport[0]}x{viewport[1]}"
    )
    v.assert_clean()
    assert v.page.locator("#page-efficacy").is_visible()
    _assert_kpis(v.page, _expected())
    if mode == "wall":
        boxes = v.page.evaluate("""() => [...document.querySelectorAll('.panel, .kpi-card')].map(p => {
            const r = p.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, r.height]; })""")
        assert boxes and all(
            b[0] >= 0 and b[1] >= 0 and b[2] <= 1920.5 and b[3] <= 1080.5 and b[4] > 80 for b in boxes
        ), boxes
        assert v.page.evaluate("() => document.documentElement.scrollHeight") <= 1080
        assert v.page.locator(".frame-grid .js-plotly-plot").count() == 5
        names = efficacy.office_scorecard()["name"].tolist()
        assert v.page.locator("#efficacy-radar-office").inner_text() == names[0]
        shown = v.page.evaluate(_KPIS_JS)
        ticks = v.page.evaluate(f"() => {_UPDATES_JS}")
        v.page.wait_for_function(f"() => {_UPDATES_JS} > {ticks}", timeout=45_000)
        v.settle()
        v.assert_clean()
        assert v.page.evaluate(_KPIS_JS) == shown
        assert v.page.locator(".wall-banner").is_hidden()
        # and goes round the offices: the tick brought up the next one's 体检
        assert v.page.locator("#efficacy-radar-office").inner_text() == names[1]
    else:
        assert v.page.locator("#efficacy-grid .ag-row").count() == len(efficacy.office_scorecard())
        v.shot("efficacy-analyst-full", full_page=True)


def test_effb002_a_ranking_click_chooses_the_office(visit):
    card = efficacy.office_scorecard()
    v = visit("/efficacy", viewport=(1366, 768))
    i = 4
    office, name = card["office_code"].iloc[i], card["name"].iloc[i]
    v.page.locator("#efficacy-ranking-graph").scroll_into_view_if_needed()
    box = v.page.locator(f"#efficacy-ranking-graph .trace.bars .point >> nth={i}").bounding_box()
    v.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    v.page.wait_for_function(
        f"() => new URLSearchParams(location.search).get('office') === '{office}'", timeout=SETTLE_TIMEOUT_MS
    )
    v.settle()
    v.assert_clean()
    assert f"市场监管所：{name}" in v.page.locator("#efficacy-chips").inner_text()
    assert v.page.locator("#efficacy-radar-office").inner_text() == name
    assert name in v.page.locator("#efficacy-focus").inner_text()
    street = extra_screens.offices("station").set_index("code").loc[office, "street_code"]
    _assert_kpis(v.page, _expected("last12m", (street,)))
    # the link restores the same view
    again = visit(f"/efficacy?office={office}", viewport=(1366, 768))
    assert again.page.locator("#efficacy-radar-office").inner_text() == name
    _assert_kpis(again.page, _expected("last12m", (street,)))
