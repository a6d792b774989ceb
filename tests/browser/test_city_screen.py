"""市级汇聚 (/city) in headless Chromium: on the browser store (a district store) before any package
is imported it says so and how to load them, on the wall and for analysts; once three small
districts' packages are imported into that store, the same URL shows them (no stale cached page),
wall and analyst load clean, and a click on a district's bar filters the streets and the grid."""

from __future__ import annotations

import pytest

from data_access.db import make_engine
from tests import exchange_fixtures as fx
from tests.browser.browser_harness import SETTLE_TIMEOUT_MS

_GRID_ROWS_JS = """async (id) => {
  const api = await window.dash_ag_grid.getApiAsync(id);
  const rows = [];
  api.forEachNode(n => rows.push(n.data));
  return rows;
}"""


@pytest.fixture(scope="module")
def packages(tmp_path_factory, small_store_url):
    return fx.district_packages(tmp_path_factory, small_store_url)


def _click_centre(page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_cityb001_empty_then_three_districts_wall_and_analyst(visit, browser_store_url, packages):
    for query, viewport, name in (("?kiosk=1", (1920, 1080), "city-empty-wall"),
                                  ("", (1366, 768), "city-empty-analyst")):
        v = visit(f"/city{query}", viewport=viewport, screenshot=name)
        v.assert_clean()
        text = v.page.locator("#page-city-hub").inner_text()
        assert "尚未导入任何区的数据交换包" in text and "smartsup exchange import" in text
        assert v.page.locator("#city-hub-ranking-graph").count() == 0

    engine = make_engine(browser_store_url)
    try:
        fx.city_store(engine, [*packages[0].values(), *packages[1]])
    finally:
        engine.dispose()

    v = visit("/city?kiosk=1", viewport=(1920, 1080), screenshot="city-wall")
    v.assert_clean()
    assert v.page.locator("#city-hub-ranking-graph .trace.bars .point").count() == 3
    assert v.page.locator("#city-hub-trend-graph .scatterlayer .trace").count() == 3
    assert "尚未导入" not in v.page.locator("#page-city-hub").inner_text()
    kpi = v.page.locator('[data-indicator="city.districts_loaded"]').get_attribute("data-value")
    assert float(kpi) == 3

    v = visit("/city", viewport=(1366, 768), screenshot="city-analyst")
    v.assert_clean()
    rows = v.page.evaluate(_GRID_ROWS_JS, "city-hub-grid")
    assert len(rows) == 45 and {r["district_code"] for r in rows} == set(packages[0])
    # the bottom bar is the lowest district; a click on it picks that district
    _click_centre(v.page, "#city-hub-ranking-graph .trace.bars .point >> nth=2")
    v.page.wait_for_function("() => new URLSearchParams(location.search).get('district')",
                             timeout=SETTLE_TIMEOUT_MS)
    v.settle()
    code = v.page.evaluate("() => new URLSearchParams(location.search).get('district')")
    assert code in packages[0]
    v.page.wait_for_function(
        "async () => (await window.dash_ag_grid.getApiAsync('city-hub-grid')).getDisplayedRowCount() === 15",
        timeout=SETTLE_TIMEOUT_MS,
    )
    rows = v.page.evaluate(_GRID_ROWS_JS, "city-hub-grid")
    assert {r["district_code"] for r in rows} == {code}
    v.shot("city-analyst-district", full_page=True)
    v.assert_clean()


def test_cityb002_a_station_account_is_refused(visit):
    v = visit("/city", user="browser-station", settle=False)
    assert v.page.locator("#page-forbidden").count() == 1
