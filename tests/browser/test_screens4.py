"""社会共治, 党建, 重大事项保障 and 城运大屏 in headless Chromium on the small district: each route on the
wall at 1920×1080, 3840×2160 and 5760×1080 and for analysts at 1366×768 loads with no console
errors, KPI numbers equal to the indicator library's, every panel inside the canvas and drawn, a
click on a bar filters the screen and its grid; screenshots go to tests/screenshots/."""

from __future__ import annotations

import pytest

from data_access.api import extra_screens
from data_access.api import screens4 as api4
from tests.browser.browser_harness import SETTLE_TIMEOUT_MS, WALL_SIZES

#: slug → (path, KPI ids, KPI period).
SCREENS = {
    "co-governance": (
        "/co-governance",
        (
            "cogov.qr_scans",
            "cogov.qr_problem_reports",
            "cogov.qr_rating_avg",
            "cogov.self_inspections",
            "cogov.self_rectify_rate",
            "cogov.mediations_closed",
            "cogov.mediation_success_rate",
            "cogov.commitments_active",
        ),
        "month",
    ),
    "party-building": (
        "/party-building",
        (
            "party.orgs",
            "party.orgs_bureau",
            "party.orgs_two_new",
            "party.members",
            "party.two_new_coverage",
            "party.covered_enterprises",
            "party.activities",
            "party.participants",
        ),
        "year",
    ),
    "major-events": (
        "/major-events",
        (
            "assurance.sites",
            "assurance.sites_high",
            "assurance.patrols_overdue",
            "assurance.patrols",
            "assurance.patrol_problem_rate",
            "assurance.rapid_tests",
        ),
        "today",
    ),
    "city-ops": (
        "/city-ops",
        (
            "cityops.orders",
            "cityops.orders_open",
            "cityops.orders_overdue",
            "cityops.orders_closed",
            "cityops.ontime_rate",
            "cityops.push_rate",
            "cityops.avg_accept_minutes",
            "cityops.avg_handle_minutes",
        ),
        "month",
    ),
}
VIEWS = [("wall", w, h) for w, h in WALL_SIZES] + [("analyst", 1366, 768)]

_KPIS_JS = """() => [...document.querySelectorAll('[data-indicator]')]
    .map(e => [e.getAttribute('data-indicator'), e.getAttribute('data-value')])"""
_BOXES_JS = """() => {
  const c = document.getElementById('wall-canvas').getBoundingClientRect();
  return {canvas: [c.left, c.top, c.right, c.bottom],
          boxes: [...document.querySelectorAll('.panel, .kpi-card')].map(p => {
            const r = p.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, r.height]; })};
}"""
#: Panels whose figure says there is nothing to draw (Plotly annotations of ``figures.empty``).
_EMPTY_JS = """() => [...document.querySelectorAll('.panel')].filter(p =>
    /暂无|期间内无/.test(p.innerText) && !p.querySelector('.ticker-row, tbody tr'))
    .map(p => p.innerText.slice(0, 40))"""
_GRID_ROWS_JS = """async (id) => {
  const api = await window.dash_ag_grid.getApiAsync(id);
  const rows = [];
  api.forEachNode(n => rows.push(n.data));
  return rows;
}"""


@pytest.mark.parametrize(("mode", "width", "height"), VIEWS, ids=[f"{m}-{w}x{h}" for m, w, h in VIEWS])
@pytest.mark.parametrize("slug", list(SCREENS))
def test_s4b001_each_route_loads_clean_and_fits(visit, slug, mode, width, height):
    path, kpi_ids, period = SCREENS[slug]
    # one canvas (tiles=off): a spliced wall is otherwise filled with several screens (test_live_walls.py)
    query = "?kiosk=1&tiles=off" if mode == "wall" else ""
    v = visit(path + query, viewport=(width, height), screenshot=f"{slug}-{mode}-{width}x{height}")
    v.assert_clean()
    assert v.page.locator(f"#page-{slug}").is_visible()
    shown = v.page.evaluate(_KPIS_JS)
    assert [i for i, _ in shown] == list(kpi_ids)
    expected = extra_screens.screen_kpis(kpi_ids, period).set_index("indicator_id")["value"]
    for indicator, raw in shown:
        assert float(raw or "nan") == pytest.approx(expected[indicator], rel=1e-6, abs=1e-6, nan_ok=True), (
            indicator
        )
    assert not v.page.evaluate(_EMPTY_JS)
    assert v.page.locator(".js-plotly-plot").count() >= 4
    if mode == "wall":
        g = v.page.evaluate(_BOXES_JS)
        left, top, right, bottom = g["canvas"]
        scale = (bottom - top) / 1080
        assert g["boxes"] and all(
            b[0] >= left - 0.5
            and b[1] >= top - 0.5
            and b[2] <= right + 0.5
            and b[3] <= bottom + 0.5
            and b[4] > 60 * scale
            for b in g["boxes"]
        ), g
        size = v.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert size == [width, height]
    else:
        v.shot(f"{slug}-analyst-full", full_page=True)


def _click_bar(page, graph: str, index: int) -> None:
    page.locator(f"#{graph}").scroll_into_view_if_needed()
    box = page.locator(f"#{graph} .trace.bars .point >> nth={index}").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


@pytest.mark.parametrize(
    ("slug", "graph", "index", "name", "value"),
    [
        ("co-governance", "co-governance-kinds-graph", 1, "kind", "catering_review"),
        ("major-events", "major-events-tiers-graph", 0, "tier", "high"),
        ("city-ops", "city-ops-sources-graph", 2, "source", "complaint"),
    ],
)
def test_s4b002_a_bar_click_filters_screen_and_grid(visit, slug, graph, index, name, value):
    v = visit(SCREENS[slug][0], viewport=(1366, 768))
    _click_bar(v.page, graph, index)
    v.page.wait_for_function(
        f"() => new URLSearchParams(location.search).get('{name}') === '{value}'", timeout=SETTLE_TIMEOUT_MS
    )
    v.settle()
    v.assert_clean()
    rows = v.page.evaluate(_GRID_ROWS_JS, f"{slug}-grid")
    if slug == "co-governance":
        expected = api4.problem_scans(None, 500, value).frame
    elif slug == "major-events":
        f = api4.assurance_sites().frame
        expected = f[f["risk_tier"] == value]
    else:
        expected = api4.city_order_feed(None, 500, value).frame
    assert rows and [str(r["id"]) for r in rows] == expected["id"].astype(str).tolist()
    v.shot(f"{slug}-filtered-{value}")
    # the grid draws its rows where the analyst scrolls to it
    v.page.locator(f"#{slug}-detail").scroll_into_view_if_needed()
    drawn = v.page.locator(f"#{slug}-grid .ag-center-cols-container .ag-row")
    drawn.first.wait_for(timeout=SETTLE_TIMEOUT_MS)
    assert drawn.count() > 0
    v.shot(f"{slug}-grid-{value}")
