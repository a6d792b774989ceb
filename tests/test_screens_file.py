"""一户一档, 综合查询 and 指标库 without a browser: layouts and callbacks called as plain functions
on the refreshed small district, and the component factories they are built from."""

from __future__ import annotations

import base64
import json
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from dash import dcc, html

from components import catalogue, charts_entity
from components.layout import Refreshed, ViewParams
from components.tables import grid_rows
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access.api import entity_file as entity_api
from data_access.api.indicators import indicator_catalogue
from data_access.db import store
from data_access.uscc import make_uscc
from tests.test_refresh import refreshed_copy

WALL = {"kiosk": "1"}


@pytest.fixture(scope="module")
def store_url(tmp_path_factory, small_store_url) -> str:
    url = refreshed_copy(tmp_path_factory, small_store_url)
    create_app(
        Settings(database_url=url, data_dir=tmp_path_factory.mktemp("file-screens"), cache_type="null")
    )
    return url


@pytest.fixture(autouse=True)
def bound(store_url):
    """Other modules rebind the process store: bind it to this module's store for every test."""
    store.configure(store_url)


@pytest.fixture(scope="module")
def entity(store_url) -> dict:
    """The active entity with the most complaints (and a phone and coordinates), raw from the store."""
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        row = (
            conn.execute(
                sa.text(
                    "SELECT e.uscc, e.name, e.legal_rep_name, e.legal_rep_phone, e.lon, e.lat FROM entity e "
                    "JOIN complaint c ON c.uscc = e.uscc WHERE e.status = 'active' "
                    "AND e.legal_rep_phone IS NOT NULL AND e.lon IS NOT NULL "
                    "GROUP BY e.uscc ORDER BY count(*) DESC, e.uscc LIMIT 1"
                )
            )
            .mappings()
            .one()
        )
    engine.dispose()
    return {**row, "uscc": row["uscc"].strip()}


def walk(node):
    """Every component in a Dash tree, in document order."""
    stack = [node]
    while stack:
        c = stack.pop()
        if c is None or isinstance(c, str | int | float):
            continue
        if isinstance(c, list | tuple):
            stack.extend(reversed(c))
            continue
        yield c
        stack.append(getattr(c, "children", None))


def find(node, cls=None, *, id=None, class_name=None):
    return [
        c
        for c in walk(node)
        if (cls is None or isinstance(c, cls))
        and (id is None or getattr(c, "id", None) == id)
        and (class_name is None or class_name in (getattr(c, "className", None) or "").split())
    ]


def text(node) -> str:
    """All text of a Dash tree (strings and numbers in children), joined."""
    out = []
    stack = [node]
    while stack:
        c = stack.pop()
        if isinstance(c, str | int | float):
            out.append(str(c))
        elif isinstance(c, list | tuple):
            stack.extend(reversed(c))
        elif c is not None:
            stack.append(getattr(c, "children", None))
    return " ".join(out)


def dumped(node) -> str:
    return json.dumps(node.to_plotly_json(), ensure_ascii=False, default=str)


# --- 一户一档 ----------------------------------------------------------------------------------


def test_efl001_entity_file_in_both_modes(entity):
    import pages.entity_file as page

    for query in ({}, WALL):
        root = page.layout(uscc=entity["uscc"], **query)
        assert root.id == "page-entity"
        assert entity["name"] in text(root) and entity["uscc"] in text(root)
        [radar] = find(root, dcc.Graph, id="entity-radar-graph")
        polar = [t for t in radar.figure.data if t.type == "scatterpolar"]
        assert len(polar) == 1 and len(polar[0].r) == 6  # five facets, closed
        assert all(0 <= v <= 100 for v in polar[0].r)
        assert [str(t).split("<br>")[0] for t in polar[0].theta[:5]] == [
            "资质",
            "监管",
            "投诉",
            "执法",
            "信用",
        ]
        [pin] = find(root, dcc.Graph, id="entity-map-graph")
        [point] = [t for t in pin.figure.data if t.type == "scattermap"]
        assert (point.lon[0], point.lat[0]) == pytest.approx((entity["lon"], entity["lat"]))
        assert find(root, id={"role": "wall-tick", "page": "entity"})
    wall = page.layout(uscc=entity["uscc"], **WALL)
    assert "screen--wall" in wall.className and find(wall, class_name="ticker")
    assert find(wall, id="entity-kinds")[0].style == {"display": "none"}


def test_efl002_personal_data_stays_masked(entity):
    import pages.entity_file as page

    for query in ({}, WALL):
        page_json = dumped(page.layout(uscc=entity["uscc"], **query))
        assert entity["legal_rep_phone"] not in page_json
        assert f'"{entity["legal_rep_name"]}"' not in page_json
        masked = entity["legal_rep_phone"][:3] + "****" + entity["legal_rep_phone"][-4:]
        assert masked in page_json and "已脱敏" in page_json and "审计日志" in page_json


def test_efl003_bad_uscc_names_the_problem_and_offers_search(entity):
    import pages.entity_file as page

    cases = {
        "123": "统一社会信用代码应为 18 位，实际 3 位",
        entity["uscc"][:17] + ("0" if entity["uscc"][17] != "0" else "1"): "校验位（第 18 位）错误",
        "%3Cscript%3E": "应为 18 位",
        "": "实际 0 位",
    }
    for code, reason in cases.items():
        for query in ({}, WALL):
            root = page.layout(uscc=code, **query)
            assert root.id == "page-entity" and reason in text(root), code
            [form] = find(root, html.Form)
            assert form.action == "/search" and form.method == "get"
            # no panels, so nothing may tick the refresh callback
            assert not find(root, id={"role": "wall-tick", "page": "entity"})
    assert "<script>" in text(page.layout(uscc="%3Cscript%3E"))
    [hidden] = [c for c in find(page.layout(uscc="1", **WALL), dcc.Input) if c.type == "hidden"]
    assert (hidden.name, hidden.value) == ("kiosk", "1")


def test_efl004_unknown_but_valid_uscc_is_not_found():
    import pages.entity_file as page

    root = page.layout(uscc=make_uscc("1", "310112", "99999999"))
    assert "未找到该主体" in text(root) and find(root, html.Form)


def test_efl005_timeline_newest_first_and_filtered_by_kind(entity):
    import pages.entity_file as page

    f = entity_api.entity_file(entity["uscc"], timeline_limit=page.TIMELINE_LIMIT)
    root = page.layout(uscc=entity["uscc"])
    items = find(root, html.Li, class_name="tl-item")
    assert len(items) == min(len(f.timeline), page.SHOWN["analyst"]) > 0
    if len(f.timeline) > page.SHOWN["analyst"]:
        assert f"共 {len(f.timeline)} 条，显示最近 {page.SHOWN['analyst']} 条" in text(root)
    times = [find(i, class_name="tl-time")[0].children for i in items]
    assert times[0].startswith(str(f.timeline["at"].max().date()))
    [kinds] = find(root, dcc.Checklist, id="entity-kinds")
    counts = f.timeline["kind"].value_counts()
    assert {o["value"]: o["label"] for o in kinds.options}[
        "complaint"
    ] == f"投诉举报（{counts['complaint']}）"

    view = ViewParams().as_query()
    only = page.refresh(["inspection"], entity["uscc"], view)
    assert isinstance(only, Refreshed) and len(only.values) == 3
    shown = find(only.values[2], html.Li, class_name="tl-item")
    assert len(shown) == counts["inspection"]
    assert {find(i, class_name="tl-kind")[0].children for i in shown} == {"监督检查"}
    assert "暂无相关事件" in text(page.refresh([], entity["uscc"], view).values[2])
    facts = text(only.values[0])
    assert entity["name"] in facts and str(counts["complaint"]) in facts


def test_efl006_entity_components_stand_alone():
    assert charts_entity.facet_radar({}).layout.annotations[0].text.startswith("暂无五官图评分")
    radar = charts_entity.facet_radar(
        {"qualification": 90, "supervision": 70, "complaint": 55, "enforcement": 100, "credit": 80},
        theme="light",
        mode="analyst",
    )
    assert list(radar.data[0].r) == [90, 70, 55, 100, 80, 90]
    assert charts_entity.entity_pin_map({"type": "FeatureCollection", "features": []}, {"lon": None}) is None
    rows = charts_entity.timeline_rows(
        pd.DataFrame(
            {
                "kind": ["case", "inspection", "equipment_inspection"],
                "ref": ["A1", "7", "E1"],
                "at": pd.to_datetime(["2026-11-02", "2026-10-01", "2026-09-01"]),
                "title": ["pricing", "double_random", "elevator"],
                "status": ["closed", "planned", "rectify"],
                "office_code": [None, None, None],
            }
        )
    )
    assert [(r["kind_label"], r["title"], r["status"], r["when"]) for r in rows] == [
        ("立案查处", "价格违法案件", "结案", "2026-11-02"),
        ("监督检查", "双随机抽查", "待检查", "2026-10-01"),
        ("设备检验", "电梯定期检验", "整改后合格", "2026-09-01"),
    ]
    card = dumped(
        charts_entity.registration_card(
            {
                "name": "甲",
                "registered_capital": 150.0,
                "legal_rep_name": "张*",
                "legal_rep_phone": "138****1234",
                "status": "cancelled",
                "status_changed_on": date(2025, 3, 1),
            }
        )
    )
    assert "150.00万元" in card and "138****1234" in card and "注销（2025-03-01）" in card
    chips = charts_entity.tag_chips(
        pd.DataFrame(
            {
                "tag_id": ["key_supervision"],
                "name": ["重点监管"],
                "theme": ["综合监管"],
                "rule": ["信用 C/D 类"],
            }
        )
    )
    [chip] = find(chips, class_name="tag-chip")
    assert chip.children == "重点监管" and chip.title == "综合监管：信用 C/D 类"


# --- 综合查询 ----------------------------------------------------------------------------------


def _grid(root):
    grids = [c for c in walk(root) if type(c).__name__ == "AgGrid"]
    return grids[0] if grids else None


def test_srch001_finds_by_name_uscc_and_links_to_the_file(entity):
    import pages.search as page

    for q in (entity["name"], entity["uscc"], entity["uscc"].lower()):
        root = page.layout(q=q)
        assert root.id == "page-search"
        rows = _grid(root).rowData
        hit = next(r for r in rows if r["uscc"] == entity["uscc"])
        assert hit["name"].endswith(f"](/entity/{entity['uscc']})")
        assert hit["status"] == "存续" and hit["street_name"] and hit["matched_by"]
        assert "匹配的主体共" in text(root)
        [box] = [c for c in find(root, dcc.Input) if c.name == "q"]
        assert box.value == q
    wall = page.layout(q=entity["name"], **WALL)
    links = [c for c in walk(wall) if isinstance(c, dcc.Link)]
    assert f"/entity/{entity['uscc']}?kiosk=1" in {link.href for link in links}
    assert _grid(wall) is None


def test_srch002_prompt_short_query_no_results_and_truncation():
    import pages.search as page

    assert "输入主体名称" in text(page.layout()) and _grid(page.layout()) is None
    assert "查询内容过短" in text(page.layout(q="万")) and _grid(page.layout(q="万")) is None
    assert "未找到与" in text(page.layout(q="不存在的名字甲乙丙"))
    many = page.layout(q="有限公司")
    assert f"仅显示前 {page.LIMIT} 个" in text(many) and len(_grid(many).rowData) == page.LIMIT
    assert "形似统一社会信用代码" in text(page.layout(q="91310112592465994A"))


def test_srch003_query_text_is_data_never_markup(entity):
    import pages.search as page

    for q in ("<script>alert(1)</script>", "=1+1", "[x](javascript:alert(1))", "%_\\"):
        root = page.layout(q=q)
        [shown] = find(root, html.Q)
        assert shown.children == q
        [box] = [c for c in find(root, dcc.Input) if c.name == "q"]
        assert box.value == q
    odd = pd.DataFrame([{"uscc": "X", "name": "<b>[坏](javascript:1)</b>*"}])
    [row] = grid_rows(odd, page.columns())
    assert row["name"] == r"[\<b\>\[坏\]\(javascript:1\)\</b\>\*](/entity/X)"
    # the export writes names as plain text
    sent = page.export_file(entity["name"], "csv")
    body = base64.b64decode(sent["content"]).decode("utf-8-sig")
    assert sent["filename"] == "综合查询结果.csv" and body.splitlines()[0].startswith("主体名称,")
    assert f"{entity['name']},{entity['uscc']}" in body


# --- 指标库 -----------------------------------------------------------------------------------


def test_ind001_catalogue_grid_lists_every_indicator_with_its_value():
    import pages.indicators as page

    cat = indicator_catalogue(period=page.PERIOD).set_index("id")
    root = page.layout()
    rows = _grid(root).rowData
    assert len(rows) == len(cat) >= 60
    for r in rows:
        api = cat.loc[r["id"]]
        assert (
            r["name"] == api["name"] and r["definition"] == api["definition"] and r["theme"] == api["theme"]
        )
        if pd.isna(api["value"]):
            assert r["value"] is None and r["value_text"] == "—"
        else:
            assert r["value"] == pytest.approx(api["value"], abs=1e-6)
    cards = [c for c in walk(root) if "data-indicator" in c.to_plotly_json()["props"]]
    assert [c.to_plotly_json()["props"]["data-indicator"] for c in cards] == list(page.HEADLINE)
    for c in cards:
        props = c.to_plotly_json()["props"]
        assert float(props["data-value"]) == pytest.approx(
            cat.loc[props["data-indicator"], "value"], abs=1e-6
        )
    by_id = {r["id"]: r for r in rows}
    assert (
        by_id["complaint.ontime_rate"]["unit"] == "%"
        and by_id["entity.active_total"]["period"] == "截至数据时间"
    )
    assert by_id["complaint.received"]["period"].endswith("至 2026-11-30")
    assert "街镇" in by_id["entity.active_total"]["dimensions"]


def test_ind002_theme_filter_quick_filter_and_export():
    import pages.indicators as page

    cat = indicator_catalogue(period=page.PERIOD)
    themed = page.filter_theme("投诉举报")
    assert {r["theme"] for r in themed} == {"投诉举报"} and len(themed) == (cat["theme"] == "投诉举报").sum()
    assert len(page.filter_theme("")) == len(cat)
    assert page.export_csv(1) is True
    preset = page.layout(topic="投诉举报", q="率")
    grid = _grid(preset)
    assert {r["theme"] for r in grid.rowData} == {"投诉举报"} and grid.dashGridOptions[
        "quickFilterText"
    ] == "率"
    assert grid.csvExportParams["fileName"] == "指标库.csv"
    [theme] = find(preset, dcc.Dropdown, id="indicators-theme")
    assert theme.value == "投诉举报"
    assert _grid(page.layout(topic="没有这个主题")).rowData.__len__() == len(cat)


def test_ind003_wall_summary_and_refresh():
    import pages.indicators as page

    cat = indicator_catalogue(period=page.PERIOD).set_index("id")
    wall = page.layout(**WALL)
    assert "screen--wall" in wall.className and _grid(wall) is None
    values = {}
    for c in walk(wall):
        props = c.to_plotly_json()["props"]
        if "data-indicator" in props:
            values.setdefault(props["data-indicator"], set()).add(props["data-value"])
    assert set(values) == set(cat.index)
    for i, vals in values.items():
        [v] = vals
        assert (
            (v == "")
            if pd.isna(cat.loc[i, "value"])
            else float(v) == pytest.approx(cat.loc[i, "value"], abs=1e-6)
        )
    tiles = find(wall, class_name="theme-tile")
    assert len(tiles) == cat["theme"].nunique()
    refreshed = page.refresh(ViewParams.from_query(WALL).as_query())
    assert isinstance(refreshed, Refreshed) and len(refreshed.values) == 3 and refreshed.data_time is not None


def test_ind004_catalogue_helpers():
    assert catalogue.display_unit("比例", "rate") == "%" and catalogue.display_unit("户", "count") == "户"
    assert catalogue.period_text("state", None, None) == "截至数据时间"
    assert catalogue.period_text("period", date(2026, 11, 1), date(2026, 12, 1)) == "2026-11-01 至 2026-11-30"
    assert catalogue.dimension_text("street_code, month, unknown") == "街镇、月、unknown"
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "theme": ["甲", "乙", "甲"],
            "core": [True, False, False],
            "dimensions": ["street_code", "street_code, day", ""],
        }
    )
    assert catalogue.theme_counts(frame).to_dict("records") == [
        {"theme": "甲", "count": 2, "core": 1},
        {"theme": "乙", "count": 1, "core": 0},
    ]
    assert catalogue.dimension_coverage(frame).to_dict("records") == [
        {"dimension": "街镇", "count": 2},
        {"dimension": "日", "count": 1},
    ]
    span = catalogue.value_element("x.rate", 0.9785, "比例", "rate")
    assert span.children == "97.9%" and span.to_plotly_json()["props"]["data-value"] == "0.9785"
    assert isinstance(catalogue.grid_theme("dark", "wall")["function"], str)


def test_ind005_unreadable_store_shows_the_delay_state(tmp_path, entity):
    import pages.entity_file
    import pages.indicators
    import pages.search

    store.configure(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    for page, kwargs, message in (
        (pages.indicators, {}, "暂时无法读取指标库"),
        (pages.entity_file, {"uscc": entity["uscc"]}, "暂时无法读取该主体档案"),
        (pages.search, {"q": "有限公司"}, "暂时无法查询"),
    ):
        root = page.layout(**kwargs, **WALL)
        [status] = [c for c in root.children if getattr(c, "id", None) == page.IDS.status]
        assert status.data["ok"] is False and message in text(root)
        # the refresh callback's panels are missing: nothing may trigger it
        assert not find(root, id=page.IDS.tick) or page is pages.search
