"""党建 without a browser: layout in both modes, KPIs against the indicator library and the read
API (district and one street), a click filters, the URL round-trips, the export matches the grid."""

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
    app = create_app(Settings(database_url=url, data_dir=tmp_path_factory.mktemp("party"), cache_type="null"))
    yield app
    cache.reset()


@pytest.fixture
def page(app):
    import pages.party_building as page

    return page


def _state(page, **changes):
    return {**read_state({}, page._fields())[0], **changes}


def _busiest_street() -> str:
    f = api4.party_orgs_by("street_code")
    return f.sort_values(["n", "street_code"], ascending=[False, True])["street_code"].iloc[0]


def test_pty001_layout_in_both_modes_with_kpis_from_the_indicator_library(page):
    lib = indicators.kpis(page.KPI_IDS, "year").set_index("indicator_id")["value"]
    kinds = api4.party_orgs_by("kind").set_index("kind")
    assert lib["party.orgs"] == kinds["n"].sum() > 0
    assert lib["party.members"] == kinds["members"].sum()
    cov = api4.party_coverage_by_street()
    assert lib["party.covered_enterprises"] == cov["covered"].sum()
    assert lib["party.two_new_coverage"] == pytest.approx(cov["covered"].sum() / cov["enterprises"].sum())
    y = extra_screens.period_bounds("year")
    assert lib["party.activities"] == api4.party_activities_by("kind", y["start"], y["end"])["n"].sum()
    for query in ({"kiosk": "1"}, {}):
        layout = page.layout(**query)
        assert layout.id == "page-party-building"
        values = kpis(layout)
        assert list(values) == list(page.KPI_IDS)
        for i, v in values.items():
            assert v == pytest.approx(lib[i], rel=1e-6, abs=1e-6, nan_ok=True), i
    wall = page.layout(kiosk="1")
    assert "screen--wall" in wall.className and not has_id(wall, page.IDS.id("grid"))
    grid = by_id(page.layout(), page.IDS.id("grid"))
    expected = api4.party_orgs(None, None, page.GRID_LIMIT).frame
    assert [r["id"] for r in grid.rowData] == expected["id"].astype(str).tolist()
    meta = dash.page_registry["pages.party_building"]
    assert (meta["path"], meta["category"], meta["wall"]) == ("/party-building", "共治与党建", True)
    figs = page._draw(page.ViewParams.from_query(WALL), _state(page))[0]
    assert (
        list(figs["kinds"].data[0].values)
        == kinds.loc[list(page.charts.ORG_KINDS), "n"].astype(float).tolist()
    )


def test_pty002_a_street_click_scopes_kpis_and_grid(page):
    street = _busiest_street()
    click = {"points": [{"location": street, "curveNumber": 0}]}
    new = page.update_filters(page.IDS.id("map-graph"), click, _state(page), VIEW)[0]
    assert new["street"] == street
    values = dict(zip(("kpis", *page.GRAPHS, "orgs"), page.refresh(new, VIEW).values, strict=True))
    cards = card_values(values["kpis"])
    scoped = indicators.kpis(page.KPI_IDS, "year", (street,)).set_index("indicator_id")["value"]
    for i in page.KPI_IDS:
        assert cards[i] == pytest.approx(scoped[i], rel=1e-6, abs=1e-6, nan_ok=True), i
    assert cards["party.orgs"] == api4.party_orgs_by("kind", (street,))["n"].sum()
    rows, _ = page.update_grid(new)
    expected = api4.party_orgs((street,), None, page.GRID_LIMIT).frame
    assert [r["id"] for r in rows] == expected["id"].astype(str).tolist()
    # a click on a bar of the street chart selects the same street
    bar = {"points": [{"customdata": street, "curveNumber": 1}]}
    assert page.update_filters(page.IDS.id("streets-graph"), bar, _state(page), VIEW)[0]["street"] == street


def test_pty003_a_kind_click_filters_org_and_activity_kpis(page):
    click = {"points": [{"customdata": "joint", "curveNumber": 0}]}
    new = page.update_filters(page.IDS.id("kinds-graph"), click, _state(page), VIEW)[0]
    assert new["kind"] == "joint"
    cards = card_values(page.refresh(new, VIEW).values[0])
    kinds = api4.party_orgs_by("kind").set_index("kind")
    assert cards["party.orgs"] == kinds.loc["joint", "n"]
    y = extra_screens.period_bounds("year")
    acts = api4.party_activities_by("org_kind", y["start"], y["end"]).set_index("org_kind")
    assert cards["party.activities"] == acts.loc["joint", "n"]
    rows, _ = page.update_grid(new)
    assert rows and {r["kind"] for r in rows} == {"联合党组织"}


def test_pty004_the_url_round_trips(page):
    street = _busiest_street()
    layout = page.layout(street=street, period="month", kind="two_new_enterprise")
    state = by_id(layout, page.IDS.id("state")).data
    assert state == {"period": "month", "street": street, "office": None, "kind": "two_new_enterprise"}
    out = page.update_filters(page.CONTROLS["period"], "month", _state(page, street=street), VIEW)
    assert sorted(out[2].lstrip("?").split("&")) == sorted(["period=month", f"street={street}"])


def test_pty005_export_matches_the_grid(page):
    street = _busiest_street()
    state = _state(page, street=street)
    rows, _ = page.update_grid(state)
    table = csv_table(page.export_file(state, "csv"))
    assert table["编号"].tolist() == [r["id"] for r in rows]
    assert set(table.columns) == {c.header for c in page.COLUMNS}
    sheet = xlsx_rows(page.export_file(state, "xlsx"))
    assert [str(r[0]) for r in sheet[1:]] == [r["id"] for r in rows]
