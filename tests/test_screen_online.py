"""网络监管 without a browser: the page's layout in both modes and its callbacks called as plain
functions on the refreshed small district, every number compared with an independent read-API call."""

from __future__ import annotations

import base64
import io
from datetime import date

import openpyxl
import pandas as pd
import pytest
from dash import no_update

from components.layout import run_refresh
from components.permalink import read_state
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import complaints, extra_screens, indicators, online
from tests.test_refresh import refreshed_copy

XINZHUANG = "310112101000"
VIEW = {"kiosk": "", "theme": "light"}
WALL = {"kiosk": "1", "theme": "dark"}
RISKS = ("high", "medium", "low")
IP_KINDS = ("trademark", "patent_invention", "patent_utility", "patent_design", "geo_indication")
ONLINE = "online_shopping"


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    """The app on a refreshed copy of the small district, reads uncached."""
    url = refreshed_copy(tmp_path_factory, small_store_url)
    app = create_app(
        Settings(database_url=url, data_dir=tmp_path_factory.mktemp("online"), cache_type="null")
    )
    yield app
    cache.reset()


@pytest.fixture
def page(app):
    import pages.online as page

    return page


def _props(component) -> dict:
    return component.to_plotly_json()["props"] if hasattr(component, "to_plotly_json") else {}


def _walk(component):
    yield component
    children = _props(component).get("children")
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def _kpis(component) -> dict[str, float]:
    return {
        p["data-indicator"]: float(p["data-value"] or "nan")  # an empty value: no base (a rate of nothing)
        for p in map(_props, _walk(component))
        if "data-indicator" in p
    }


def _card_values(cards) -> dict[str, float]:
    return {k: v for card in cards for k, v in _kpis(card).items()}


def _by_id(layout, id_):
    return next(c for c in _walk(layout) if _props(c).get("id") == id_)


def _has_id(layout, id_) -> bool:
    return any(_props(c).get("id") == id_ for c in _walk(layout))


def _month():
    return extra_screens.period_bounds("month")


def _window():
    return extra_screens.month_window(_month()["as_of"], 12)


def _state(page, **changes):
    return {**read_state({}, page._fields())[0], **changes}


def _figs(page, state, view=VIEW):
    return page._draw(page.ViewParams.from_query(view), state)[0]


def _busiest_street() -> str:
    """The street with the most ad-monitoring hits this month (the small district has few)."""
    m = _month()
    hits = {
        c: online.ad_hits_by("risk_level", m["start"], m["end"], (c,))["n"].sum()
        for c in extra_screens.street_names()
    }
    return max(hits, key=lambda c: (hits[c], c))


def _table_rows(component) -> list[list]:
    """The body rows of an analyst list (a table) as lists of cell children."""
    body = next(c for c in _walk(component) if type(c).__name__ == "Tbody")
    return [[td.children for td in tr.children] for tr in body.children]


def _refreshed(page, state, view=VIEW) -> dict:
    out = page.refresh(state, view)
    return dict(zip(("kpis", *page.GRAPHS, "newest"), out.values, strict=True))


# --- layout and numbers -------------------------------------------------------------------------


def test_onl001_layout_in_both_modes_with_kpis_from_the_indicator_library(page):
    lib = indicators.kpis(page.KPI_IDS, "month").set_index("indicator_id")["value"]
    m = _month()
    risk = online.ad_hits_by("risk_level", m["start"], m["end"]).set_index("risk_level")
    assert lib["online.ad_hits"] == risk["n"].sum() > 0
    assert lib["online.ad_hits_high"] == risk.loc["high", "n"]
    assert lib["online.stores_active"] == online.online_stores()["active"].sum() > 0
    by_category = complaints.complaints_by("category", m["start"], m["end"]).set_index("category")
    assert lib["complaint.online_shopping"] == by_category.loc[ONLINE, "n"]
    for query in ({"kiosk": "1"}, {}):
        layout = page.layout(**query)
        assert layout.id == "page-online"
        values = _kpis(layout)
        assert list(values) == list(page.KPI_IDS)
        for i, v in values.items():
            assert v == pytest.approx(lib[i], rel=1e-6, abs=1e-6), i
    wall = page.layout(kiosk="1")
    assert "screen--wall" in wall.className
    assert not _has_id(wall, page.IDS.id("grid")) and not _has_id(wall, page.IDS.id("chips"))
    analyst = page.layout()
    grid = _by_id(analyst, page.IDS.id("grid"))
    expected = complaints.complaint_list(m["start"], m["end"], category=ONLINE, limit=page.GRID_LIMIT).frame
    assert len(expected) > 0
    assert [r["id"] for r in grid.rowData] == expected["id"].tolist()
    import dash

    meta = dash.page_registry["pages.online"]
    assert (meta["path"], meta["category"], meta["order"], meta["wall"]) == ("/online", "网络监管", 45, True)


def test_onl002_charts_show_the_read_apis_numbers(page):
    m = _month()
    figs = _figs(page, _state(page))
    # ad hits per risk level, most severe first, with the handled rate in the label
    risk = online.ad_hits_by("risk_level", m["start"], m["end"]).set_index("risk_level").loc[list(RISKS)]
    bar = figs["risk"].data[0]
    assert list(bar.customdata) == list(RISKS)
    assert list(bar.x) == risk["n"].astype(float).tolist()
    labels = [a.text for a in figs["risk"].layout.annotations]
    assert labels[0].startswith(f"{risk.loc['high', 'n']:,}（处置 ")
    # push-and-handle status
    status = online.ad_hits_by("status", m["start"], m["end"]).set_index("status")
    pie = figs["status"].data[0]
    assert list(pie.customdata) == ["pushed", "handling", "handled"]
    assert list(pie.values) == status.loc[["pushed", "handling", "handled"], "n"].astype(float).tolist()
    # the monthly ad trend, one trace per level, each bar carrying its month
    trend = online.ad_hit_trend(*_window())
    by_name = {t.name: t for t in figs["ad-trend"].data}
    assert list(by_name["高风险"].y) == trend["high"].tolist()
    assert sum(sum(t.y) for t in figs["ad-trend"].data) == trend["total"].sum()
    assert list(by_name["低风险"].customdata) == [f"{p:%Y-%m}" for p in trend["month"]]
    # online stores per platform, most first
    stores = online.online_stores()
    stores = stores[(stores["active"] + stores["closed"]) > 0].sort_values(
        ["active", "platform"], ascending=[False, True]
    )
    assert list(figs["platforms"].data[0].customdata) == stores["platform"].tolist()
    assert list(figs["platforms"].data[0].x) == stores["active"].astype(float).tolist()
    # online-shopping complaints per month against last year
    ctrend = complaints.complaint_trend(*_window(), None, "month", category=ONLINE)
    now, last_year = figs["complaint-trend"].data
    assert list(now.y) == ctrend["n"].tolist() and list(last_year.y) == ctrend["n_last_year"].tolist()
    # the map: online-shopping complaints per street
    street = complaints.complaints_by("street_code", m["start"], m["end"], category=ONLINE)
    choropleth = figs["map"].data[0]
    shown = dict(zip(choropleth.locations, choropleth.z, strict=True))
    assert {c: v for c, v in shown.items() if v} == {
        c: float(v) for c, v in zip(street["street_code"], street["n"], strict=True) if v
    }
    # intellectual property held, with the period's registrations
    ip = online.ip_rights(None, m["start"], m["end"]).set_index("kind").loc[list(IP_KINDS)]
    assert list(figs["ip"].data[0].x) == ip["held"].astype(float).tolist()
    assert [a.text for a in figs["ip"].layout.annotations][0] == (
        f"{ip.loc['trademark', 'held']:,}（+{ip.loc['trademark', 'registered']:,}）"
    )
    # the newest complaints, linked to their entities
    newest = complaints.complaint_list(m["start"], m["end"], category=ONLINE, limit=page.NEWEST).frame
    rows = _table_rows(figs["newest"])
    assert [r[3] for r in rows] == newest["summary"].tolist()
    links = [r[4] for r in rows if hasattr(r[4], "href")]
    assert links and all(a.href.startswith("/entity/") for a in links)


def test_onl003_wall_figures_are_the_wall_variants(page):
    figs = _figs(page, _state(page), WALL)
    assert figs["newest"].className == "ticker"
    # the wall's list names no entity links (no mouse there) and the KPI cards are the same numbers
    assert not [c for c in _walk(figs["newest"]) if type(c).__name__ == "Link"]
    assert _card_values(figs["kpis"]) == _card_values(_figs(page, _state(page))["kpis"])


# --- cross-filtering, permalink ----------------------------------------------------------------


def test_onl004_a_map_click_follows_one_street(page):
    m = _month()
    street = _busiest_street()
    click = {"points": [{"location": street, "curveNumber": 0}]}
    out = page.update_filters(page.IDS.id("map-graph"), click, _state(page), VIEW)
    new = out[0]
    assert new["street"] == street and out[2] == f"?street={street}" and out[5] == street
    name = extra_screens.street_names()[street]
    assert any(name in str(_props(c).get("children")) for c in _walk(out[1]))
    values = _refreshed(page, new)
    scoped = indicators.kpis(page.KPI_IDS, "month", (street,)).set_index("indicator_id")["value"]
    cards = _card_values(values["kpis"])
    for i in page.KPI_IDS:
        assert cards[i] == pytest.approx(scoped[i], rel=1e-6, abs=1e-6, nan_ok=True), i
    district = indicators.kpis(page.KPI_IDS, "month").set_index("indicator_id")["value"]
    assert cards["online.stores_active"] < district["online.stores_active"]
    risk = online.ad_hits_by("risk_level", m["start"], m["end"], (street,)).set_index("risk_level")
    assert risk["n"].sum() > 0
    assert list(values["risk"].data[0].x) == risk.loc[list(RISKS), "n"].astype(float).tolist()
    stores = online.online_stores((street,))
    assert sum(values["platforms"].data[0].x) == stores["active"].sum()
    # the map keeps every street, the chosen one outlined
    assert values["map"].data[-1].locations == (street,)
    rows, _ = page.update_grid(new)
    expected = complaints.complaint_list(m["start"], m["end"], (street,), category=ONLINE, limit=500).frame
    assert [r["id"] for r in rows] == expected["id"].tolist()
    assert {r["street_name"] for r in rows} <= {name}
    # a second click on the street clears the filter
    again = page.update_filters(page.IDS.id("map-graph"), click, new, VIEW)
    assert again[0]["street"] is None and again[2] == "?"


def test_onl010_a_street_without_hits_says_so(page):
    m = _month()
    quiet = [
        c
        for c in extra_screens.street_names()
        if not online.ad_hits_by("risk_level", m["start"], m["end"], (c,))["n"].sum()
    ]
    if not quiet:
        pytest.skip("every street has ad hits this month")
    figs = _figs(page, _state(page, street=quiet[0]))
    texts = [a.text for key in ("risk", "status") for a in figs[key].layout.annotations]
    assert texts == ["期间内无广告监测命中", "期间内无广告监测命中"]
    assert not figs["risk"].data


def test_onl005_a_month_click_on_either_trend_reads_that_month(page):
    trend = online.ad_hit_trend(*_window())
    month = trend["month"].iloc[-3]
    code = f"{month:%Y-%m}"
    click = {"points": [{"customdata": code, "curveNumber": 0}]}
    out = page.update_filters(page.IDS.id("ad-trend-graph"), click, _state(page), VIEW)
    new = out[0]
    assert new["period"] == code and out[2] == f"?period={code}" and out[3] == code
    start = month.date() if hasattr(month, "date") else month
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    values = _refreshed(page, new)
    cards = _card_values(values["kpis"])
    risk = online.ad_hits_by("risk_level", start, end).set_index("risk_level")
    assert cards["online.ad_hits"] == risk["n"].sum() == trend["total"].iloc[-3]
    assert list(values["risk"].data[0].x) == risk.loc[list(RISKS), "n"].astype(float).tolist()
    by_category = complaints.complaints_by("category", start, end).set_index("category")
    assert cards["complaint.online_shopping"] == by_category.loc[ONLINE, "n"]
    # both trends shade the chosen month; the other trend's click on it clears it again
    assert values["ad-trend"].layout.shapes and values["complaint-trend"].layout.shapes
    rows, _ = page.update_grid(new)
    expected = complaints.complaint_list(start, end, category=ONLINE, limit=page.GRID_LIMIT).frame
    assert [r["id"] for r in rows] == expected["id"].tolist()
    again = page.update_filters(page.IDS.id("complaint-trend-graph"), click, new, VIEW)
    assert again[0]["period"] == "month"


def test_onl006_an_office_scopes_the_screen_to_its_street(page):
    stations = extra_screens.offices("station")
    office = stations.iloc[0]
    out = page.update_filters(page.CONTROLS["office"], office["code"], _state(page), VIEW)
    assert out[0]["office"] == office["code"] and f"office={office['code']}" in out[2]
    assert page._scope(out[0]) == (office["street_code"],)
    other = next(c for c in extra_screens.street_names() if c != office["street_code"])
    assert page._scope({**out[0], "street": other}) == ()
    # a chip's × clears its filter; a redrawn chip (n_clicks 0) does nothing
    chip = {"role": "xf-chip", "page": "online", "name": "office"}
    assert page.update_filters(chip, 1, out[0], VIEW)[0]["office"] is None
    assert page.update_filters(chip, 0, out[0], VIEW) == (no_update,) * 9


def test_onl007_bad_link_parameters_fall_back_with_a_visible_note(page):
    layout = page.layout(street="nowhere", period="2026-99", office="X9")
    state = _by_id(layout, page.IDS.id("state")).data
    assert state == {"period": "month", "street": None, "office": None}
    text = " ".join(str(c) for c in _by_id(layout, page.IDS.id("link-notes")).children)
    assert "nowhere" in text and "2026-99" in text and "X9" in text
    good = page.layout(street=XINZHUANG, period="year")
    assert _by_id(good, page.IDS.id("state")).data == {"period": "year", "street": XINZHUANG, "office": None}
    y = extra_screens.period_bounds("year")
    ip = online.ip_rights((XINZHUANG,), y["start"], y["end"])
    assert _kpis(_by_id(good, page.IDS.kpis))["ip.registered"] == ip["registered"].sum()


# --- export, refresh ---------------------------------------------------------------------------


def test_onl008_export_matches_the_read_api(page):
    y = extra_screens.period_bounds("year")
    state = _state(page, period="year", street=XINZHUANG)
    expected = complaints.complaint_list(
        y["start"], y["end"], (XINZHUANG,), category=ONLINE, limit=page.EXPORT_LIMIT
    ).frame
    assert len(expected) > 0
    csv = page.export_file(state, "csv")
    assert csv["filename"].endswith(".csv")
    table = pd.read_csv(io.BytesIO(base64.b64decode(csv["content"])), encoding="utf-8-sig", dtype=str)
    assert table["编号"].tolist() == expected["id"].tolist()
    # personal data stays masked as the read API returns it
    assert table["投诉人"].dropna().str.contains(r"\*").all()
    assert table["联系电话"].dropna().str.contains(r"\*\*\*\*").all()
    xlsx = page.export_file(state, "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == expected["id"].tolist()
    rows, caption = page.update_grid(state)
    linked = [r["entity_name"] for r in rows if r["entity_name"]]
    assert linked and all("](/entity/" in v for v in linked)
    assert str(min(len(expected), page.GRID_LIMIT)) in caption.replace(",", "")


def test_onl009_a_failed_read_keeps_the_last_data_and_raises_the_banner(page, monkeypatch):
    def down(*_a, **_k):
        raise RuntimeError("database unreachable")

    n = 1 + len(page.GRAPHS) + 1
    old = {"ok": True, "title": "网络监管", "data_time": "2026-11-20T23:00:00", "live": True}
    good = run_refresh(page.refresh, n, (_state(page), WALL), old, slug="online")
    assert good[-1]["ok"] is True and good[-1]["data_time"] is not None
    monkeypatch.setattr(page.read, "online_stores", down)
    out = run_refresh(page.refresh, n, (_state(page), WALL), old, slug="online")
    assert list(out[:-1]) == [no_update] * n
    assert out[-1]["ok"] is False and out[-1]["data_time"] == old["data_time"]
    layout = page.layout(kiosk="1")
    status = _props(next(c for c in _walk(layout) if _props(c).get("id") == page.IDS.status))["data"]
    assert status["ok"] is False and status["error"] == "RuntimeError"
