"""重大事项保障 without a browser: layout in both modes, the countdown, KPIs against the indicator
library and the read API (district and one street), the overdue sites on the map, a click filters,
the URL round-trips, the export matches the grid."""

from __future__ import annotations

import dash
import pytest

from components.permalink import read_state
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import extra_screens, indicators
from data_access.api import screens4 as api4
from tests.screens4_helpers import (
    VIEW,
    WALL,
    by_id,
    card_values,
    csv_table,
    has_id,
    kpis,
    props,
    walk,
    xlsx_rows,
)
from tests.test_refresh import refreshed_copy


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    url = refreshed_copy(tmp_path_factory, small_store_url)
    app = create_app(
        Settings(database_url=url, data_dir=tmp_path_factory.mktemp("assure"), cache_type="null")
    )
    yield app
    cache.reset()


@pytest.fixture
def page(app):
    import pages.major_events as page

    return page


def _state(page, **changes):
    return {**read_state({}, page._fields())[0], **changes}


def _site_street() -> str:
    f = api4.assurance_sites_by("street_code")
    return f.sort_values(["n", "street_code"], ascending=[False, True])["street_code"].iloc[0]


def test_mev001_layout_in_both_modes_with_kpis_and_countdown(page):
    lib = indicators.kpis(page.KPI_IDS, page.KPI_PERIOD).set_index("indicator_id")["value"]
    tiers = api4.assurance_sites_by("risk_tier").set_index("risk_tier")
    sites = api4.assurance_sites().frame
    assert lib["assurance.sites"] == tiers["n"].sum() == len(sites) > 0
    assert lib["assurance.sites_high"] == tiers.loc["high", "n"]
    assert lib["assurance.patrols_overdue"] == sites["overdue"].sum() == tiers["n_overdue"].sum()
    mission = api4.assurance_missions().query("current").iloc[0]
    for query in ({"kiosk": "1"}, {}):
        layout = page.layout(**query)
        assert layout.id == "page-major-events"
        values = kpis(layout)
        assert list(values) == list(page.KPI_IDS)
        for i, v in values.items():
            assert v == pytest.approx(lib[i], rel=1e-6, abs=1e-6, nan_ok=True), i
        box = next(c for c in walk(layout) if "data-phase" in props(c))
        assert props(box)["data-phase"] == mission["phase"]
        days = next(props(c)["data-days"] for c in walk(box) if "data-days" in props(c))
        expected = {"upcoming": mission["days_to_start"], "active": mission["days_to_end"] + 1}.get(
            mission["phase"], -mission["days_to_end"]
        )
        assert int(days) == expected
        assert mission["name"] in str(box)
    wall = page.layout(kiosk="1")
    assert "screen--wall" in wall.className and not has_id(wall, page.IDS.id("grid"))
    grid = by_id(page.layout(), page.IDS.id("grid"))
    assert [r["id"] for r in grid.rowData] == sites["id"].astype(str).tolist()
    meta = dash.page_registry["pages.major_events"]
    assert (meta["path"], meta["wall"]) == ("/major-events", True)


def test_mev002_overdue_sites_stand_out_on_the_map(page):
    figs = page._draw(page.ViewParams.from_query(WALL), _state(page))[0]
    sites = api4.assurance_sites().frame.dropna(subset=["lon", "lat"])
    layers = {t.name: t for t in figs["map"].data[1:]}
    n_late = int(sites["overdue"].sum())
    if n_late:
        late = layers["巡查超时"]
        assert len(late.lon) == n_late and late.marker.color == page.charts.OVERDUE
        others = [t for name, t in layers.items() if name != "巡查超时"]
        assert all(late.marker.size > t.marker.size for t in others)
    assert sum(len(t.lon) for t in layers.values()) == len(sites)
    # the overdue layer is drawn last: on top of the others
    if n_late:
        assert figs["map"].data[-1].name == "巡查超时"


def test_mev003_a_street_click_scopes_kpis_and_grid(page):
    street = _site_street()
    click = {"points": [{"location": street, "curveNumber": 0}]}
    new = page.update_filters(page.IDS.id("map-graph"), click, _state(page), VIEW)[0]
    assert new["street"] == street
    out = page.refresh(new, VIEW).values
    cards = card_values(out[0])
    scoped = indicators.kpis(page.KPI_IDS, page.KPI_PERIOD, (street,)).set_index("indicator_id")["value"]
    for i in page.KPI_IDS:
        assert cards[i] == pytest.approx(scoped[i], rel=1e-6, abs=1e-6, nan_ok=True), i
    rows, _ = page.update_grid(new)
    expected = api4.assurance_sites(None, (street,)).frame
    assert [r["id"] for r in rows] == expected["id"].astype(str).tolist() and rows


def test_mev004_a_tier_click_filters(page):
    click = {"points": [{"customdata": "high", "curveNumber": 0}]}
    new = page.update_filters(page.IDS.id("tiers-graph"), click, _state(page), VIEW)[0]
    assert new["tier"] == "high"
    cards = card_values(page.refresh(new, VIEW).values[0])
    tiers = api4.assurance_sites_by("risk_tier").set_index("risk_tier")
    assert cards["assurance.sites"] == tiers.loc["high", "n"]
    assert cards["assurance.patrols_overdue"] == tiers.loc["high", "n_overdue"]
    rows, _ = page.update_grid(new)
    assert rows and {r["risk_tier"] for r in rows} == {"高风险"}


def test_mev005_the_url_round_trips_and_export_matches(page):
    street = _site_street()
    layout = page.layout(street=street, tier="medium")
    assert by_id(layout, page.IDS.id("state")).data == {"street": street, "office": None, "tier": "medium"}
    out = page.update_filters(page.CONTROLS["street"], street, _state(page, tier="medium"), VIEW)
    assert sorted(out[2].lstrip("?").split("&")) == sorted([f"street={street}", "tier=medium"])
    state = _state(page, street=street)
    rows, _ = page.update_grid(state)
    table = csv_table(page.export_file(state, "csv"))
    assert table["点位编号"].tolist() == [r["id"] for r in rows]
    assert set(table.columns) == {c.header for c in page.COLUMNS}
    sheet = xlsx_rows(page.export_file(state, "xlsx"))
    assert [str(r[0]) for r in sheet[1:]] == [r["id"] for r in rows]
    extra_screens.street_names()  # the street is one of the district's


@pytest.mark.parametrize(
    ("phase", "to_start", "to_end", "head", "days"),
    [("upcoming", 12, 17, "距保障开始", 12), ("active", -2, 3, "剩余", 4), ("past", -30, -25, "已结束", 25)],
)
def test_mev006_the_countdown_counts_to_the_start_or_the_end(page, phase, to_start, to_end, head, days):
    import pandas as pd

    frame = pd.DataFrame(
        {
            "name": ["进博会保障"],
            "phase": [phase],
            "days_to_start": [to_start],
            "days_to_end": [to_end],
            "starts_on": [pd.Timestamp("2026-11-05")],
            "ends_on": [pd.Timestamp("2026-11-10")],
            "venue": ["国家会展中心（上海）"],
            "current": [True],
        }
    )
    box = page.charts.countdown(frame, mode="wall")
    assert props(box)["data-phase"] == phase and head in str(box)
    assert next(props(c)["data-days"] for c in walk(box) if "data-days" in props(c)) == str(days)
    none = page.charts.countdown(frame.assign(current=False))
    assert "当前无保障任务" in str(none)
