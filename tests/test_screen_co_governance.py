"""社会共治 without a browser: the page's layout in both modes and its callbacks called as plain
functions on the refreshed small district, numbers compared with independent read-API calls."""

from __future__ import annotations

import dash
import pytest

from components.permalink import read_state
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import extra_screens, indicators
from data_access.api import screens4 as api4
from tests.screens4_helpers import VIEW, WALL, by_id, card_values, csv_table, has_id, kpis, walk, xlsx_rows
from tests.test_refresh import refreshed_copy


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    url = refreshed_copy(tmp_path_factory, small_store_url)
    app = create_app(Settings(database_url=url, data_dir=tmp_path_factory.mktemp("cogov"), cache_type="null"))
    yield app
    cache.reset()


@pytest.fixture
def page(app):
    import pages.co_governance as page

    return page


def _state(page, **changes):
    return {**read_state({}, page._fields())[0], **changes}


def _lib(page, period="month", street=None, filters=()):
    return extra_screens.screen_kpis(page.KPI_IDS, period, (street,) if street else None, filters).set_index(
        "indicator_id"
    )["value"]


def _busiest_street() -> str:
    m = extra_screens.period_bounds("month")
    f = api4.qr_scans_by("street_code", m["start"], m["end"])
    return f.sort_values(["n", "street_code"], ascending=[False, True])["street_code"].iloc[0]


def test_cog001_layout_in_both_modes_with_kpis_from_the_indicator_library(page):
    lib = indicators.kpis(page.KPI_IDS, "month").set_index("indicator_id")["value"]
    m = extra_screens.period_bounds("month")
    kinds = api4.qr_scans_by("kind", m["start"], m["end"])
    assert lib["cogov.qr_scans"] == kinds["n"].sum() > 0
    assert lib["cogov.qr_problem_reports"] == kinds["n_problem"].sum()
    result = api4.mediations_by("result", m["start"], m["end"]).set_index("result")
    assert lib["cogov.mediation_success_rate"] == pytest.approx(result.loc["agreed", "n"] / result["n"].sum())
    assert lib["cogov.commitments_active"] == api4.commitments_by_street()["assured_consumption"].sum()
    for query in ({"kiosk": "1"}, {}):
        layout = page.layout(**query)
        assert layout.id == "page-co-governance"
        values = kpis(layout)
        assert list(values) == list(page.KPI_IDS)
        for i, v in values.items():
            assert v == pytest.approx(lib[i], rel=1e-6, abs=1e-6, nan_ok=True), i
    wall = page.layout(kiosk="1")
    assert "screen--wall" in wall.className
    assert not has_id(wall, page.IDS.id("grid"))
    grid = by_id(page.layout(), page.IDS.id("grid"))
    expected = api4.problem_scans(None, page.GRID_LIMIT).frame
    assert len(expected) > 0 and [r["id"] for r in grid.rowData] == expected["id"].astype(str).tolist()
    meta = dash.page_registry["pages.co_governance"]
    assert (meta["path"], meta["category"], meta["wall"]) == ("/co-governance", "共治与党建", True)


def test_cog002_charts_show_the_read_apis_numbers(page):
    m = extra_screens.period_bounds("month")
    figs = page._draw(page.ViewParams.from_query(VIEW), _state(page))[0]
    kinds = api4.qr_scans_by("kind", m["start"], m["end"]).set_index("kind").loc[list(page.charts.QR_KINDS)]
    assert list(figs["kinds"].data[0].x) == kinds["n"].astype(float).tolist()
    street = api4.qr_scans_by("street_code", m["start"], m["end"])
    shown = dict(zip(figs["map"].data[0].locations, figs["map"].data[0].z, strict=True))
    assert shown == {c: float(v) for c, v in zip(street["street_code"], street["n"], strict=True)}
    commit = api4.commitments_by_street()
    assert sum(figs["commitments"].data[0].x) == commit["assured_consumption"].sum()
    wall = page._draw(page.ViewParams.from_query(WALL), _state(page))[0]
    assert wall["problems"].className == "ticker"
    assert card_values(wall["kpis"]) == pytest.approx(card_values(figs["kpis"]), nan_ok=True)


def test_cog003_a_street_click_scopes_the_kpis_and_the_grid(page):
    street = _busiest_street()
    click = {"points": [{"location": street, "curveNumber": 0}]}
    out = page.update_filters(page.IDS.id("map-graph"), click, _state(page), VIEW)
    new = out[0]
    assert new["street"] == street and out[2] == f"?street={street}"
    values = dict(zip(("kpis", *page.GRAPHS, "problems"), page.refresh(new, VIEW).values, strict=True))
    cards = card_values(values["kpis"])
    scoped = indicators.kpis(page.KPI_IDS, "month", (street,)).set_index("indicator_id")["value"]
    for i in page.KPI_IDS:
        assert cards[i] == pytest.approx(scoped[i], rel=1e-6, abs=1e-6, nan_ok=True), i
    district = indicators.kpis(page.KPI_IDS, "month").set_index("indicator_id")["value"]
    assert cards["cogov.qr_scans"] < district["cogov.qr_scans"]
    rows, _ = page.update_grid(new)
    expected = api4.problem_scans((street,), page.GRID_LIMIT).frame
    assert [r["id"] for r in rows] == expected["id"].astype(str).tolist()
    assert page.update_filters(page.IDS.id("map-graph"), click, new, VIEW)[0]["street"] is None


def test_cog004_a_kind_click_filters_kpis_and_list(page):
    click = {"points": [{"customdata": "catering_review", "curveNumber": 0}]}
    new = page.update_filters(page.IDS.id("kinds-graph"), click, _state(page), VIEW)[0]
    assert new["kind"] == "catering_review"
    cards = card_values(page.refresh(new, VIEW).values[0])
    m = extra_screens.period_bounds("month")
    kinds = api4.qr_scans_by("kind", m["start"], m["end"]).set_index("kind")
    assert cards["cogov.qr_scans"] == kinds.loc["catering_review", "n"]
    assert cards["cogov.qr_rating_avg"] == pytest.approx(kinds.loc["catering_review", "avg_rating"])
    rows, _ = page.update_grid(new)
    assert rows and {r["kind"] for r in rows} == {"扫码评价（餐饮）"}


def test_cog005_the_url_round_trips(page):
    street = _busiest_street()
    layout = page.layout(street=street, period="year", kind="elevator_code")
    state = by_id(layout, page.IDS.id("state")).data
    assert state == {"period": "year", "street": street, "office": None, "kind": "elevator_code"}
    values = kpis(by_id(layout, page.IDS.kpis))
    lib = _lib(page, "year", street, (("kind", "elevator_code"),))
    assert values["cogov.qr_scans"] == lib["cogov.qr_scans"]
    out = page.update_filters(
        page.CONTROLS["period"], "year", _state(page, street=street, kind="elevator_code"), VIEW
    )
    assert sorted(out[2].lstrip("?").split("&")) == sorted(
        ["period=year", f"street={street}", "kind=elevator_code"]
    )
    bad = page.layout(kind="nope")
    assert by_id(bad, page.IDS.id("state")).data["kind"] is None


def test_cog006_export_matches_the_grid_and_holds_no_personal_data(page):
    street = _busiest_street()
    state = _state(page, street=street)
    rows, _ = page.update_grid(state)
    table = csv_table(page.export_file(state, "csv"))
    assert table["扫码编号"].tolist() == [r["id"] for r in rows]
    assert set(table.columns) == {c.header for c in page.COLUMNS}
    assert not {"电话", "姓名", "联系电话", "扫码人"} & set(table.columns)
    sheet = xlsx_rows(page.export_file(state, "xlsx"))
    assert [str(r[0]) for r in sheet[1:]] == [r["id"] for r in rows]
    links = [
        c
        for c in walk(page._draw(page.ViewParams.from_query(VIEW), state)[0]["problems"])
        if type(c).__name__ == "Link"
    ]
    assert all(a.href.startswith("/entity/") for a in links)
