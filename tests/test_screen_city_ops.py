"""城运大屏 without a browser: layout in both modes, KPIs against the indicator library and the read
API (district and one street), a click filters, the URL round-trips, the export matches the grid
and carries no personal data."""

from __future__ import annotations

import dash
import pytest

from components.permalink import read_state
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import extra_screens, indicators
from data_access.api import screens4 as api4
from tests.screens4_helpers import VIEW, WALL, by_id, card_values, csv_table, has_id, kpis, xlsx_rows
from tests.test_refresh import refreshed_copy


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    url = refreshed_copy(tmp_path_factory, small_store_url)
    app = create_app(
        Settings(database_url=url, data_dir=tmp_path_factory.mktemp("cityops"), cache_type="null")
    )
    yield app
    cache.reset()


@pytest.fixture
def page(app):
    import pages.city_ops as page

    return page


def _state(page, **changes):
    return {**read_state({}, page._fields())[0], **changes}


def _busiest_street() -> str:
    m = extra_screens.period_bounds("month")
    f = api4.city_orders_by("street_code", m["start"], m["end"])
    return f.sort_values(["n", "street_code"], ascending=[False, True])["street_code"].iloc[0]


def test_cop001_layout_in_both_modes_with_kpis_from_the_indicator_library(page):
    lib = indicators.kpis(page.KPI_IDS, "month").set_index("indicator_id")["value"]
    m = extra_screens.period_bounds("month")
    src = api4.city_orders_by("source", m["start"], m["end"])
    assert lib["cityops.orders"] == src["n"].sum() > 0
    assert lib["cityops.orders_closed"] == src["n_closed"].sum()
    assert lib["cityops.ontime_rate"] == pytest.approx(src["n_ontime"].sum() / src["n_closed"].sum())
    status = api4.city_order_status()
    assert lib["cityops.orders_open"] == status["open"].sum()
    assert lib["cityops.orders_overdue"] == status["n_overdue"].sum()
    for query in ({"kiosk": "1"}, {}):
        layout = page.layout(**query)
        assert layout.id == "page-city-ops"
        values = kpis(layout)
        assert list(values) == list(page.KPI_IDS)
        for i, v in values.items():
            assert v == pytest.approx(lib[i], rel=1e-6, abs=1e-6, nan_ok=True), i
    wall = page.layout(kiosk="1")
    assert "screen--wall" in wall.className and not has_id(wall, page.IDS.id("grid"))
    grid = by_id(page.layout(), page.IDS.id("grid"))
    expected = api4.city_order_feed(None, page.GRID_LIMIT).frame
    assert [r["id"] for r in grid.rowData] == expected["id"].astype(str).tolist()
    meta = dash.page_registry["pages.city_ops"]
    assert (meta["path"], meta["wall"]) == ("/city-ops", True)


def test_cop002_charts_show_the_read_apis_numbers(page):
    m = extra_screens.period_bounds("month")
    figs = page._draw(page.ViewParams.from_query(WALL), _state(page))[0]
    src = (
        api4.city_orders_by("source", m["start"], m["end"]).set_index("source").loc[list(page.charts.SOURCES)]
    )
    assert list(figs["sources"].data[0].x) == src["n"].astype(float).tolist()
    status = api4.city_order_status()
    closed = float(status["closed"].sum())
    assert list(figs["funnel"].data[0].x)[-1] == closed
    trend = api4.city_order_trend(m["start"], m["end"])
    assert sum(sum(t.y) for t in figs["trend"].data[:4]) == trend["total"].sum()
    assert figs["feed"].className == "ticker"
    street = api4.city_orders_by("street_code", m["start"], m["end"])
    shown = dict(zip(figs["map"].data[0].locations, figs["map"].data[0].z, strict=True))
    assert shown == {c: float(v) for c, v in zip(street["street_code"], street["n"], strict=True)}


def test_cop003_a_street_click_scopes_kpis_and_grid(page):
    street = _busiest_street()
    click = {"points": [{"location": street, "curveNumber": 0}]}
    out = page.update_filters(page.IDS.id("map-graph"), click, _state(page), VIEW)
    new = out[0]
    assert new["street"] == street and out[2] == f"?street={street}"
    cards = card_values(page.refresh(new, VIEW).values[0])
    scoped = indicators.kpis(page.KPI_IDS, "month", (street,)).set_index("indicator_id")["value"]
    for i in page.KPI_IDS:
        assert cards[i] == pytest.approx(scoped[i], rel=1e-6, abs=1e-6, nan_ok=True), i
    rows, _ = page.update_grid(new)
    expected = api4.city_order_feed((street,), page.GRID_LIMIT).frame
    assert rows and [r["id"] for r in rows] == expected["id"].astype(str).tolist()


def test_cop004_a_source_click_filters(page):
    click = {"points": [{"customdata": "complaint", "curveNumber": 0}]}
    new = page.update_filters(page.IDS.id("sources-graph"), click, _state(page), VIEW)[0]
    assert new["source"] == "complaint"
    cards = card_values(page.refresh(new, VIEW).values[0])
    m = extra_screens.period_bounds("month")
    src = api4.city_orders_by("source", m["start"], m["end"]).set_index("source")
    assert cards["cityops.orders"] == src.loc["complaint", "n"]
    assert (
        cards["cityops.orders_open"] == api4.city_order_status().set_index("source").loc["complaint", "open"]
    )
    rows, _ = page.update_grid(new)
    assert rows and {r["source"] for r in rows} == {"12345诉求"}


def test_cop005_the_url_round_trips_and_export_matches(page):
    street = _busiest_street()
    layout = page.layout(street=street, period="year", source="warning")
    state = by_id(layout, page.IDS.id("state")).data
    assert state == {"period": "year", "street": street, "office": None, "source": "warning"}
    lib = extra_screens.screen_kpis(page.KPI_IDS, "year", (street,), (("source", "warning"),))
    assert (
        kpis(by_id(layout, page.IDS.kpis))["cityops.orders"]
        == lib.set_index("indicator_id")["value"]["cityops.orders"]
    )
    out = page.update_filters(page.CONTROLS["period"], "year", _state(page, street=street), VIEW)
    assert sorted(out[2].lstrip("?").split("&")) == sorted(["period=year", f"street={street}"])
    state = _state(page, street=street)
    rows, _ = page.update_grid(state)
    table = csv_table(page.export_file(state, "csv"))
    assert table["工单编号"].tolist() == [r["id"] for r in rows]
    assert set(table.columns) == {c.header for c in page.COLUMNS}
    # no phone numbers in the titles that go out
    assert not table["事项"].fillna("").str.contains(r"1[3-9]\d{9}").any()
    sheet = xlsx_rows(page.export_file(state, "xlsx"))
    assert [str(r[0]) for r in sheet[1:]] == [r["id"] for r in rows]
