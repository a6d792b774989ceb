"""市级汇聚 (/city): the districts loaded into a city store compared — the "1+16" view of the city's
事中事后综合监管平台. Which district is highest on an indicator in a period, how each district moved
over the periods loaded, which streets of all the districts stand out, and which packages (district,
period, data time, complete or not, checksums checked) the comparison rests on.

Where the data comes from: the ``city_*`` tables of this app's own store (``SMARTSUP_DATABASE_URL``),
which ``smartsup exchange import`` fills from the districts' packages. A store is a city store by
holding packages; there is no separate setting. A district's store has none until one is imported,
and then this screen says so and how to load them (docs/exchange.md), instead of empty panels.

For analysts the filters are the indicator, the period and a district; a click on a district's bar
(or on one of its streets) picks that district: its bar and line stand out, and the street ranking
and the grid list only its areas. The grid lists the indicator's value for every district and
street, and exports it.

Who: leaders, analysts (科室), admins and the wall (permission ``city``); a 市场监管所 or the duty
desk is refused (their work is within the district).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from dash import dcc, html

from components import charts_city as charts
from components.charts_common import kpi_cards
from components.forbidden import forbidden_page
from components.layout import ScreenIds, ViewParams
from components.panels import chart_panel
from components.permalink import FilterField
from components.tables import Column
from dashboard import auth
from dashboard.auth.web import page_guard
from dashboard.screen import Grid, Note, Scope, Screen, register
from data_access.api import city as read

IDS = ScreenIds("city-hub")
TITLE = "「1+16」市级汇聚"
PATH = "/city"

#: The indicator shown first (a core indicator every district sends).
DEFAULT_INDICATOR = "complaint.received"
GRID_LIMIT = 500
EXPORT_LIMIT = 20_000
KIND_LABELS = {"month": "月", "week": "周"}
FORBIDDEN = "市级汇聚（各区比较）仅对局领导、科室、管理员和大屏账户开放。"

COLUMNS = (
    Column("district_name", "区"),
    Column("district_code", "区代码"),
    Column("level", "层级"),
    Column("area_name", "区域", width=160),
    Column("area_code", "区域代码", width=130),
    Column("value_shown", "数值", "number"),
    Column("unit_shown", "单位"),
    Column("period", "期间"),
    Column("data_time", "数据截至", "datetime"),
    Column("complete", "期间已结束", "bool"),
)


def _indicators() -> dict[str, str]:
    f = read.city_indicators()
    return dict(zip(f["indicator_id"], f["name"], strict=True))


def _periods() -> dict[str, str]:
    f = read.city_periods()
    return {p: f"{p}（{KIND_LABELS.get(k, k)}，{n} 个区）"
            for p, k, n in zip(f["period"], f["period_kind"], f["districts"], strict=True)}


def _default_period(periods: dict[str, str]) -> str | None:
    months = [p for p in periods if "-W" not in p]  # newest first
    return (months or list(periods) or [None])[0]


def fields() -> list[FilterField]:
    indicators, periods = _indicators(), _periods()
    default = DEFAULT_INDICATOR if DEFAULT_INDICATOR in indicators else next(iter(indicators), None)
    districts = read.city_districts()
    return [
        FilterField("indicator", "指标", indicators, default),
        FilterField("term", "期间", periods, _default_period(periods)),
        FilterField("district", "区", dict(zip(districts["district_code"], districts["district_name"],
                                               strict=True))),
    ]


def _meta(indicator_id: str) -> dict[str, Any]:
    f = read.city_indicators().set_index("indicator_id")
    return f.loc[indicator_id].to_dict()


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel for a state. The district filter narrows the streets and the grid; the ranking
    and the trend keep every district (the chosen one stands out) so that the others stay clickable."""
    indicator, term, district = state["indicator"], state["term"], state.get("district")
    theme, mode = view.theme, view.mode
    meta = _meta(indicator)
    kind = "week" if "-W" in term else "month"
    packages = read.city_packages()
    current = packages[packages["period"] == term]
    out = {
        "kpis": kpi_cards(read.city_kpis(indicator, term), mode=mode),
        "ranking": charts.district_ranking(read.city_ranking(indicator, term), selected=district, theme=theme,
                                           mode=mode),
        "trend": charts.district_trend(read.city_trend(indicator, period_kind=kind), selected=district,
                                       value_type=meta["value_type"], unit=meta["unit"], theme=theme,
                                       mode=mode),
        "streets": charts.street_ranking(
            read.city_street_ranking(indicator, term, scope=(district,) if district else None,
                                     limit=charts.STREETS_TOP),
            value_type=meta["value_type"], unit=meta["unit"], theme=theme, mode=mode),
        "packages": charts.package_list(packages, mode=mode, visible_rows=6),
    }
    data_time = current["data_time"].max() if not current.empty else None
    return out, data_time


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    meta = _meta(state["indicator"])
    name, term = meta["name"], state["term"]
    unit = charts.shown([], meta["value_type"], meta["unit"])[1]
    panel = partial(SCREEN.panel, view, figs)
    return {
        "centre": panel("ranking", f"各区排名 · {name} · {term}", unit,
                        note="按数值从高到低排列，不代表优劣；点击某区可筛选。"),
        "right": panel("trend", f"各区趋势 · {name}", unit,
                       note="各区已导入的同类期间（月或周）的区级数值；某区缺报的期间断开。"),
        "bottom": panel("streets", f"街镇排名（前 {charts.STREETS_TOP}）· {name} · {term}", unit,
                        note="所有已导入区的街镇一起排名（选了区时只排该区）；点击街镇可筛选其所在区。"),
        "left": panel("packages", "已导入的数据包",
                      note="每个包导入时已校验格式版本、SHA-256 校验和与区划代码；"
                      "“未结束”的期间数字还会变化。"),
    }


def _grid(state: dict[str, Any], scope: Scope, limit: int):
    district = state.get("district")
    frame, cut = read.city_area_values(state["indicator"], state["term"],
                                       scope=(district,) if district else None, limit=limit)
    meta = _meta(state["indicator"])
    values, unit = charts.shown(list(frame["value"]), meta["value_type"], meta["unit"])
    frame = frame.assign(value_shown=values, unit_shown=unit)
    return frame, cut


def _as_of(state: dict[str, Any] | None) -> date:
    """The export's date: when the chosen period's newest package has its data from."""
    packages = read.city_packages(period=(state or {}).get("term"))
    if packages.empty:
        packages = read.city_packages()
    return packages["data_time"].max().date()


def _filters(state: dict[str, Any]) -> html.Div:
    """The indicator, period and district dropdowns (the controller's filter bar holds only the
    district screens' filters)."""
    items = []
    for f in fields():
        cid = IDS.id(f.name)
        items.append(html.Div([
            html.Label(f.label, htmlFor=cid, className="filter-label"),
            dcc.Dropdown(id=cid, options=[{"label": v, "value": k} for k, v in f.choices.items()],
                         value=state.get(f.name), clearable=f.name == "district", searchable=True,
                         placeholder="全部区" if f.name == "district" else f.label,
                         className="filter-dropdown"),
        ], className=f"filter-item filter-item--city-{f.name}"))
    return html.Div(items, className="filter-bar", role="search", **{"aria-label": "筛选条件"})


def _district_note(state: dict[str, Any], _scope: Scope) -> str:
    if not state.get("district"):
        return "KPI 为所有已导入区的汇总；点击排名中的某区，可只看该区的街镇与明细。"
    return "已选区：排名与趋势中突出显示该区，街镇排名与明细只列该区；KPI 仍为所有已导入区的汇总。"


def _empty(view: ViewParams) -> Any:
    if not read.city_districts().empty:
        return None
    return chart_panel("尚未导入数据包", charts.no_packages(mode=view.mode), mode=view.mode,
                       id=IDS.id("empty"))


SCREEN = Screen(
    IDS,
    TITLE,
    fields=fields,
    draw=draw,
    panels=panels,
    refreshed=("kpis", "ranking", "trend", "streets", "packages"),
    children=("packages",),
    controls=("indicator", "term", "district"),
    clicks={"ranking": "district", "streets": "district", "trend": "district"},
    scope_by=(),
    beside_bar=_filters,
    notes=(Note("district-note", _district_note),),
    subtitle="比较各区报送的数据交换包（“1+16”：一个市级平台，十六个区级平台）",
    unavailable_title="市级汇聚",
    empty=_empty,
    version=read.city_version,
    grid=Grid(
        "各区、街镇数值明细（当前指标与期间）",
        COLUMNS,
        _grid,
        "市级汇聚明细",
        grid_limit=GRID_LIMIT,
        export_limit=EXPORT_LIMIT,
        note="每区一行区级数值，其下为各街镇；比例以 % 显示。导出与表格为同一筛选条件。",
        as_of=_as_of,
    ),
)
# not in the district wall's default playlist: a city wall shows it with /city?kiosk=1&playlist=city-hub.
# The slug is the ids' (page root page-city-hub): "city-" alone would also prefix 城运大屏's ids,
# which the callback gate matches by prefix (OUTPUT_PERMISSIONS).
register(__name__, SCREEN, path=PATH, order=95, wall=False, name="市级汇聚", category="市级汇聚",
         slug=IDS.slug)
_layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw = SCREEN.draw_state


def _guard(path: str) -> str | None:
    if path.rstrip("/") != PATH:  # the prefix also matches /city-ops
        return None
    return None if auth.has_permission("city") else "需要市级汇聚权限"


page_guard(PATH, _guard)


def layout(**query: Any) -> Any:
    """The screen, or "无权查看" for a role without the ``city`` permission (a navigation inside
    the app does not pass the page guard of a full load)."""
    if not auth.has_permission("city"):
        return forbidden_page(FORBIDDEN)
    return _layout(**query)
