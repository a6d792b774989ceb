"""市级汇聚 (/city) without a browser, on a city store holding three small synthetic districts'
packages (2026-09 and 2026-10): the KPI strip, the ranking, the trends, the street ranking and the
grid against the packages' own data.json (read independently of the import and the read API); a
click picks a district; the export equals the grid; a district store with no package says how to
load one; a station or duty account is refused (page, navigation and callbacks); an import shows up
on a cached page at once."""

from __future__ import annotations

import json

import pytest

from components.permalink import read_state
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.db import make_engine
from tests import exchange_fixtures as fx
from tests.auth_support import sign_in
from tests.screens4_helpers import csv_table, has_id, kpis, xlsx_rows
from tests.test_refresh import refreshed_copy

WALL, VIEW = {"kiosk": "1"}, {}
RECEIVED, ONTIME = "complaint.received", "complaint.ontime_rate"


@pytest.fixture(scope="module")
def packages(tmp_path_factory, small_store_url):
    return fx.district_packages(tmp_path_factory, small_store_url)


@pytest.fixture(scope="module")
def values(packages):
    """{period: {code: {(indicator, area): value}}} straight from the packages' data.json."""
    now, earlier = packages
    out = {"2026-10": {c: fx.package_values(p) for c, p in now.items()}, "2026-09": {}}
    for p in earlier:
        data = fx.package_values(p)
        code = next(a for (_, a) in data if len(a) == 6)
        out["2026-09"][code] = data
    return out


@pytest.fixture(scope="module")
def app(tmp_path_factory, packages):
    """The app on a city store: a fresh store with nothing but the six imported packages."""
    path = tmp_path_factory.mktemp("city-store") / "city.sqlite"
    engine = fx.city_store(make_engine(f"sqlite:///{path}"), [*packages[0].values(), *packages[1]])
    engine.dispose()
    app = create_app(Settings(database_url=f"sqlite:///{path}", data_dir=tmp_path_factory.mktemp("city"),
                              cache_type="null"))
    yield app
    cache.reset()


@pytest.fixture
def page(app):
    import pages.city as page

    return page


def _state(page, **changes):
    return {**read_state({}, page.fields())[0], **changes}


def _district_values(values, period, indicator):
    return {code: v[(indicator, code)] for code, v in values[period].items()}


def test_cty001_kpis_and_defaults_from_the_packages(page, values):
    state = _state(page)
    assert (state["indicator"], state["term"], state["district"]) == (RECEIVED, "2026-10", None)
    want = _district_values(values, "2026-10", RECEIVED)
    before = _district_values(values, "2026-09", RECEIVED)
    for query in (WALL, VIEW):
        layout = page.layout(**query)
        assert layout.id == "page-city-hub"
        shown = kpis(layout)
        assert list(shown) == [*page.read.CITY_KPIS, RECEIVED]
        assert shown["city.districts_loaded"] == shown["city.districts_reporting"] == 3
        assert shown["city.packages_complete"] == 3  # October ended before the small store's data time
        assert shown[RECEIVED] == pytest.approx(sum(want.values()))
    k = page.read.city_kpis(RECEIVED, "2026-10").set_index("indicator_id")
    assert k.loc[RECEIVED, "previous"] == pytest.approx(sum(before.values()))
    # a rate is averaged over the districts, not summed
    rate = page.read.city_kpis(ONTIME, "2026-10").set_index("indicator_id").loc[ONTIME, "value"]
    rates = [v for v in _district_values(values, "2026-10", ONTIME).values() if v is not None]
    assert rate == pytest.approx(sum(rates) / len(rates))
    wall = page.layout(**WALL)
    assert "screen--wall" in wall.className and not has_id(wall, page.IDS.id("grid"))


def test_cty002_ranking_and_trend_are_the_packages_numbers(page, values):
    figs = page._draw(page.ViewParams.from_query(WALL), _state(page))[0]
    want = _district_values(values, "2026-10", RECEIVED)
    order = sorted(want, key=lambda c: (-want[c], c))
    bar = figs["ranking"].data[0]
    assert list(bar.customdata) == order
    assert list(bar.x) == [want[c] for c in order]
    assert len(set(want.values())) == 3  # three different districts, a real ranking
    trend = {t.customdata[0]: t for t in figs["trend"].data}
    assert set(trend) == set(want)
    for code, t in trend.items():
        assert list(t.x) == ["2026-09", "2026-10"]
        assert list(t.y) == [values["2026-09"][code][(RECEIVED, code)], want[code]]
    # the top streets of all three districts, values from the packages
    streets = {a: v for vals in values["2026-10"].values() for (i, a), v in vals.items()
               if i == RECEIVED and len(a) > 6 and v is not None}
    top = sorted(streets.values(), reverse=True)[: page.charts.STREETS_TOP]
    assert list(figs["streets"].data[0].x) == top
    # a rate is drawn in %, ×100 of the stored fraction
    rates = page._draw(page.ViewParams.from_query(VIEW), _state(page, indicator=ONTIME))[0]["ranking"].data[0]
    raw = _district_values(values, "2026-10", ONTIME)
    got = dict(zip(rates.customdata, rates.x, strict=True))
    assert got == pytest.approx({c: 100 * v for c, v in raw.items() if v is not None})


def test_cty003_a_click_picks_a_district_and_the_grid_exports_its_areas(page, values):
    state = _state(page)
    click = {"points": [{"customdata": "310104"}]}
    out = page.update_filters(page.IDS.id("ranking-graph"), click, state, VIEW)
    new = out[0]
    assert new["district"] == "310104" and "district=310104" in out[2]
    figs = page._draw(page.ViewParams.from_query(VIEW), new)[0]
    assert {c for c in figs["streets"].data[0].customdata} == {"310104"}
    rows, _caption = page.update_grid(new)
    want = {a: v for (i, a), v in values["2026-10"]["310104"].items() if i == RECEIVED}
    assert len(rows) == len(want) == 15  # the district and its 14 streets
    assert rows[0]["area_code"] == "310104" and rows[0]["level"] == "区"
    assert {r["area_code"]: r["value_shown"] for r in rows} == pytest.approx(want)
    file = page.export_file(new, "csv")
    assert file["filename"] == "市级汇聚明细_20261101.csv" or file["filename"].startswith("市级汇聚明细_2026")
    exported = csv_table(file)
    assert list(exported["区域代码"]) == [r["area_code"] for r in rows]
    assert [float(v) for v in exported["数值"]] == pytest.approx([r["value_shown"] for r in rows])
    assert xlsx_rows(page.export_file(new, "xlsx"))[0][:4] == ("区", "区代码", "层级", "区域")
    # back to every district: the grid lists all three districts' areas
    assert len(page.update_grid(state)[0]) == 3 * 15


def test_cty004_a_district_store_without_packages_says_how_to_load_them(tmp_path_factory, small_store_url):
    import pages.city as page

    url = refreshed_copy(tmp_path_factory, small_store_url)
    create_app(Settings(database_url=url, data_dir=tmp_path_factory.mktemp("district"), cache_type="null"))
    try:
        for query in (WALL, VIEW):
            layout = page.layout(**query)
            text = json.dumps(layout.to_plotly_json(), ensure_ascii=False, default=str)
            assert "尚未导入任何区的数据交换包" in text and "smartsup exchange import" in text
            assert not has_id(layout, page.IDS.id("ranking-graph"))
            assert not has_id(layout, page.IDS.id("grid"))
            assert layout.id == "page-city-hub"
    finally:
        cache.reset()


@pytest.mark.parametrize(
    "role,allowed",
    [("leader", True), ("analyst", True), ("admin", True), ("wall", True),
     ("station", False), ("duty", False)],
)
def test_cty005_who_may_see_it(app, role, allowed):
    client = sign_in(app.server.test_client(), app, role, ("310112001",) if role == "station" else None)
    response = client.get("/city?kiosk=1")
    assert response.status_code == (200 if allowed else 403), role
    if not allowed:
        assert "无权查看" in response.get_data(as_text=True)
        # a navigation inside the app (Dash renders the page in a callback) is refused too …
        from flask import g

        import pages.city as page

        with app.server.test_request_context("/"):
            from dashboard.auth.permissions import ROLE_PERMISSIONS
            from dashboard.auth.web import UserInfo

            g._smartsup_gate = True
            g._smartsup_user = UserInfo("t", "t", role, None, None, ROLE_PERMISSIONS[role])
            assert page.layout().id == "page-forbidden"
        # … and so are the screen's callbacks
        body = {"output": "..city-hub-state.data...city-hub-chips.children..", "outputs": [], "inputs": [],
                "state": [], "changedPropIds": []}
        assert client.post("/_dash-update-component", json=body).status_code == 403
    # the guard of /city does not catch /city-ops
    assert client.get("/city-ops?kiosk=1").status_code == 200


def _served_kpis(layout) -> dict[str, float]:
    """The KPI values of a page as served: with a cache, the built page is its JSON form."""
    from plotly.io.json import to_json_plotly

    out = {}

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props", {})
            if isinstance(props, dict) and "data-indicator" in props:
                out[props["data-indicator"]] = float(props["data-value"] or "nan")
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(to_json_plotly(layout)))
    return out


def test_cty006_an_import_shows_at_once_on_a_cached_page(tmp_path_factory, packages):
    import pages.city as page

    path = tmp_path_factory.mktemp("city-cached") / "city.sqlite"
    engine = fx.city_store(make_engine(f"sqlite:///{path}"), [packages[0]["310112"], packages[0]["310104"]])
    create_app(Settings(database_url=f"sqlite:///{path}", data_dir=tmp_path_factory.mktemp("cached"),
                        cache_type="simple"))
    try:
        first = page.layout(**WALL)
        assert isinstance(first, dict)  # built once and served from the cache
        assert _served_kpis(first)["city.districts_loaded"] == 2
        assert page.layout(**WALL) == first
        fx.city_store(engine, [packages[0]["310115"]])
        assert _served_kpis(page.layout(**WALL))["city.districts_loaded"] == 3
    finally:
        engine.dispose()
        cache.reset()


def test_cty007_not_on_the_district_walls_playlist(page):
    import dash

    meta = dash.page_registry["pages.city"]
    assert (meta["path"], meta["wall"], meta["slug"]) == ("/city", False, "city-hub")


def test_cty008_bad_link_parameters_fall_back_with_a_note(page):
    layout = page.layout(indicator="no.such", term="'; drop table city_package;--", district="999999")
    text = json.dumps(layout.to_plotly_json(), ensure_ascii=False, default=str)
    for label in ("指标", "期间", "区"):
        assert f"链接中的{label}“" in text
    assert kpis(layout)["city.districts_loaded"] == 3  # the defaults, and the table is still there
