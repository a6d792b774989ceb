"""数据分析 (/analysis): the analyst workbench. Choose indicators from the indicator library
(grouped by theme, searchable), a period (a preset, a month or a custom date range) and a
dimension to break them down by — only the dimensions every chosen indicator allows are offered —
and read the pivot as a chart (bars across a dimension, a line over a time bucket) and a table
(rows = the dimension's values, columns = the indicators with their units) that exports as
CSV/XLSX exactly as shown; the 同比/环比 of the chosen indicators over the period; and the street
and industry rankings of one indicator (industry where the indicator allows it, else 监管所).

Every value comes from the read API (``analysis.compare``, ``analysis.pivot``,
``analysis.ranking``, ``indicators.indicator_catalogue``). The whole choice lives in the URL
(``ind``, ``period`` or ``from``/``to``, ``dim``, ``street``, ``rank``): a link restores the same
analysis, and what a link gets wrong (an unknown indicator, a dimension an indicator does not
allow, an unknown street, a malformed date) falls back with a visible note.

A click on a street of the street ranking (or on a street bar of a 街镇 breakdown) limits the
breakdown, the comparison and the industry ranking to that street — the street ranking itself
keeps every street, the chosen one emphasised — and a second click on it clears the choice.

On the wall (``?kiosk=1``) the screen shows the default analysis at a glance: the headline
indicators of this month with their 同比/环比, complaints ranked by street, the monthly trend of
complaints and cases, new registrations by industry, refreshed on the wall's tick.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from components import charts_analysis as charts
from components.crossfilter import clicked_value
from components.filters import DROPDOWN_LABELS
from components.formatting import format_date, format_month
from components.labels import PERIOD_LABELS
from components.layout import ScreenIds, ViewParams
from components.panels import chart_panel, graph
from components.permalink import link_notes
from dashboard.screen import Grid, Scope, Screen, register
from data_access.api import analysis as read
from data_access.api import extra_screens as extra
from data_access.api.indicators import indicator_catalogue

IDS = ScreenIds("analysis")
TITLE = "数据分析"

#: The default analysis (also what the wall shows): complaints and cases month by month.
DEFAULT_IDS = ("complaint.received", "case.opened")
DEFAULT_PERIOD = "last12m"
DEFAULT_DIM = "month"
#: The wall's KPI strip and comparison table: headline indicators of this month.
HEADLINE_IDS = (
    "complaint.received",
    "complaint.ontime_rate",
    "complaint.satisfaction_rate",
    "case.opened",
    "case.fines_total",
    "entity.new_registrations",
)
HEADLINE_PERIOD = "month"
#: The wall's industry ranking (complaints carry no industry).
WALL_INDUSTRY_ID = "entity.new_registrations"
BETTER = {
    "complaint.ontime_rate": True,
    "complaint.satisfaction_rate": True,
    "case.closed_within_90d_rate": True,
    "inspection.done_rate": True,
}
MAX_INDICATORS = 4
CUSTOM = "custom"
#: Months offered in the period dropdown besides the presets.
RECENT_MONTHS = 12
RANK_LIMIT = 20
WALL_RANK_LIMIT = 10

CONTROL = {
    "ind": IDS.id("indicators"),
    "period": IDS.id("period-choice"),
    "dim": IDS.id("dimension"),
    "street": IDS.id("street"),
    "rank": IDS.id("rank-indicator"),
}
RANGE = IDS.id("range")
STREET_CLICKS = (IDS.id("streets-graph"), IDS.id("breakdown-graph"))


# ---------------------------------------------------------------- the choice and its URL


def _catalogue():
    return indicator_catalogue()


def _as_of() -> date:
    return extra.period_bounds("month")["as_of"]


def _iso(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except (TypeError, ValueError):
        return None


def _first(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return None if value in (None, "") else str(value).strip()


def read_choice(query: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The analysis a URL query asks for, and a note for everything it asked for that could not
    be used (each falls back: unknown indicators are dropped — all unknown gives the default —,
    a dimension some indicator does not allow gives the first common one, …)."""
    cat = _catalogue()
    dims = charts.dimensions_of(cat)
    streets = extra.street_names()
    notes: list[str] = []
    raw_ids = [i.strip() for i in (_first(query.get("ind")) or "").split(",") if i.strip()]
    ids = [i for i in dict.fromkeys(raw_ids) if i in dims]
    unknown = [i for i in raw_ids if i not in dims]
    if unknown:
        notes.append(f"链接中的指标“{'、'.join(u[:40] for u in unknown[:3])}”不在指标库中，已忽略")
    if len(ids) > MAX_INDICATORS:
        notes.append(f"一次最多分析 {MAX_INDICATORS} 项指标，已保留前 {MAX_INDICATORS} 项")
        ids = ids[:MAX_INDICATORS]
    if not ids:
        ids = list(DEFAULT_IDS)
    state: dict[str, Any] = {"ind": ids, "period": DEFAULT_PERIOD, "from": None, "to": None}
    period = _first(query.get("period"))
    lo, hi = _first(query.get("from")), _first(query.get("to"))
    if lo or hi:
        a, b = _iso(lo), _iso(hi)
        if a and b and a <= b:
            state.update(period=CUSTOM, **{"from": a.isoformat(), "to": b.isoformat()})
        else:
            notes.append(f"链接中的自定义期间“{lo or '—'} 至 {hi or '—'}”无效，已改为{_period_text(state)}")
    elif period:
        if extra.is_period(period):
            state["period"] = period
        else:
            notes.append(f"链接中的期间“{period[:40]}”无法识别，已改为{_period_text(state)}")
    allowed = charts.allowed_dimensions(dims, ids)
    dim = _first(query.get("dim"))
    state["dim"] = _default_dim(allowed)
    if dim:
        if dim in allowed:
            state["dim"] = dim
        else:
            notes.append(
                f"链接中的维度“{charts.dimension_label(dim)[:40]}”不是所选指标都支持的维度，"
                f"已改为{charts.dimension_label(state['dim'])}"
            )
    street = _first(query.get("street"))
    state["street"] = None
    if street:
        if street in streets:
            state["street"] = street
        else:
            notes.append(f"链接中的街镇“{street[:40]}”无法识别，已改为全区")
    rank = _first(query.get("rank"))
    state["rank"] = ids[0]
    if rank:
        if rank in dims:
            state["rank"] = rank
        else:
            notes.append(f"链接中的排名指标“{rank[:40]}”不在指标库中，已改为{_name(ids[0])}")
    return state, notes


def _default_dim(allowed: list[str]) -> str:
    for d in (DEFAULT_DIM, "street_code"):
        if d in allowed:
            return d
    return allowed[0]


def choice_search(state: dict[str, Any], keep: dict[str, str] | None = None) -> str:
    """The URL query of an analysis: only what differs from the default (``""`` for the default)."""
    params = [(k, v) for k, v in (keep or {}).items() if v]
    if list(state["ind"]) != list(DEFAULT_IDS):
        params.append(("ind", ",".join(state["ind"])))
    if state["period"] == CUSTOM:
        params += [("from", state["from"]), ("to", state["to"])]
    elif state["period"] != DEFAULT_PERIOD:
        params.append(("period", state["period"]))
    allowed = charts.allowed_dimensions(charts.dimensions_of(_catalogue()), state["ind"])
    if state["dim"] != _default_dim(allowed):
        params.append(("dim", state["dim"]))
    if state.get("street"):
        params.append(("street", state["street"]))
    if state["rank"] != state["ind"][0]:
        params.append(("rank", state["rank"]))
    return "?" + urlencode(params) if params else ""


def _name(indicator_id: str) -> str:
    cat = _catalogue()
    return str(cat.loc[cat["id"] == indicator_id, "name"].iloc[0])


def span(state: dict[str, Any]) -> tuple[date, date]:
    """The half-open dates ``[start, end)`` of the state's period, ending at the data date at the
    latest (so a period in progress is compared with spans of the same length)."""
    if state["period"] == CUSTOM:
        start, end = date.fromisoformat(state["from"]), date.fromisoformat(state["to"]) + timedelta(days=1)
    elif state["period"] == "last12m":
        # twelve whole calendar months (this one so far): a trend never starts with a stub month
        start, end = extra.month_window(_as_of(), 12)
    else:
        b = extra.period_bounds(state["period"])
        start, end = b["start"], b["end"]
    end = min(end, _as_of() + timedelta(days=1))
    return start, max(start, end)


def _period_text(state: dict[str, Any]) -> str:
    p = state["period"]
    if p == CUSTOM:
        return "自定义期间"
    return PERIOD_LABELS.get(p) or format_month(p)


def _last(end: date) -> date:
    return end - timedelta(days=1)


def _year_before(d: date) -> date:
    return d.replace(year=d.year - 1, day=28) if (d.month, d.day) == (2, 29) else d.replace(year=d.year - 1)


def _dates(start: date, end: date) -> str:
    return f"{format_date(start, 'short')} 至 {format_date(_last(end), 'short')}"


def period_caption(state: dict[str, Any]) -> str:
    """统计期间 and the two comparison spans of ``analysis.compare``, as inclusive dates."""
    start, end = span(state)
    length = end - start
    return (
        f"统计期间：{_period_text(state)}（{_dates(start, end)}）；"
        f"环比对比期：{_dates(start - length, start)}；"
        f"同比对比期：{_dates(_year_before(start), _year_before(end))}"
    )


def _scope(state: dict[str, Any]) -> Scope:
    """The scope of the analysis's reads (the street choice within the user's jurisdiction)."""
    return SCREEN.scope(state)


def _second_dimension(indicator_id: str) -> str | None:
    """The second ranking's dimension: 行业门类 where the indicator has it, else 监管所, else its
    first other category (a complaint's 渠道), None when it has no category at all."""
    dims = charts.dimensions_of(_catalogue()).get(indicator_id, ())
    others = [d for d in dims if d not in ("street_code", *charts.TIME_DIMENSIONS)]
    return next((d for d in ("section", "office_code", *others) if d in dims), None)


# ---------------------------------------------------------------- reading and drawing


def _compare(ids: tuple[str, ...], state: dict[str, Any]):
    return read.compare(ids, *span(state), _scope(state).streets)


def pivot_view(state: dict[str, Any]):
    """The pivot of a state as shown (display units) and its columns."""
    ms = charts.measures(_catalogue(), state["ind"])
    frame = read.pivot(tuple(state["ind"]), *span(state), state["dim"], _scope(state).streets)
    return charts.pivot_table(frame, state["dim"], ms)


def _rankings(view: ViewParams, state: dict[str, Any]) -> dict[str, Any]:
    cat = _catalogue()
    wall = view.kiosk
    limit = WALL_RANK_LIMIT if wall else RANK_LIMIT
    rank_id = state["rank"]
    m = charts.measures(cat, [rank_id])[0]
    dims = charts.dimensions_of(cat)[rank_id]
    lo, hi = span(state)
    asc = False
    if "street_code" in dims:
        streets = read.ranking(rank_id, "street_code", lo, hi, _scope(state).allowed, limit, asc)
        street_fig = charts.ranking_chart(
            streets, m, selected=state.get("street"), theme=view.theme, mode=view.mode
        )
    else:
        street_fig = charts.ranking_chart(
            _no_ranking(), m, theme=view.theme, mode=view.mode, message="该指标不能按街镇排名"
        )
    second_id = WALL_INDUSTRY_ID if wall else rank_id
    second_dim = _second_dimension(second_id)
    m2 = charts.measures(cat, [second_id])[0]
    if second_dim:
        frame = read.ranking(second_id, second_dim, lo, hi, _scope(state).streets, limit, asc)
        names = charts.code_labels(second_id, second_dim)
        if names:
            pairs = zip(frame["key"], frame["label"], strict=True)
            frame = frame.assign(label=[names.get(str(k), lbl) for k, lbl in pairs])
        second_fig = charts.ranking_chart(frame, m2, theme=view.theme, mode=view.mode)
        title = f"{m2.name} · {charts.dimension_label(second_dim)}排名"
        if second_dim != "section":
            title += "（该指标无行业维度）"
    else:
        second_fig = charts.ranking_chart(
            _no_ranking(), m2, theme=view.theme, mode=view.mode, message="该指标不能按行业或监管所排名"
        )
        title = f"{m2.name} · 行业排名"
    title += f" · {_period_text(state)}"
    return {
        "streets": street_fig,
        "streets_title": f"{m.name} · 街镇排名 · {_period_text(state)}",
        "second": second_fig,
        "second_title": title,
    }


def _no_ranking() -> pd.DataFrame:
    """An empty ranking frame (a panel that explains why it has nothing to rank)."""
    return pd.DataFrame(columns=["key", "label", "value", "rank"])


def _draw(view: ViewParams, state: dict[str, Any]) -> dict[str, Any]:
    """Every panel of the screen for a state."""
    cat = _catalogue()
    ms = charts.measures(cat, state["ind"])
    table, _ = pivot_view(state)
    kpi_ids = HEADLINE_IDS if view.kiosk else tuple(state["ind"])
    kpi_state = {**state, "period": HEADLINE_PERIOD, "from": None, "to": None} if view.kiosk else state
    kms = charts.measures(cat, kpi_ids)
    cmp = _compare(kpi_ids, kpi_state)
    data_time = cat["data_time"].iloc[0] if len(cat) else None
    breakdown = charts.breakdown_chart(
        table,
        state["dim"],
        ms,
        selected=state.get("street") if state["dim"] == "street_code" else None,
        theme=view.theme,
        mode=view.mode,
        top=12 if view.kiosk else 20,
    )
    return {
        "kpis": charts.compare_cards(cmp, kms, mode=view.mode, data_time=data_time, better=BETTER),
        "breakdown": breakdown,
        "breakdown_title": _breakdown_title(state, ms),
        "compare": charts.compare_table(cmp, kms, mode=view.mode, visible_rows=3),
        "caption": period_caption(state),
        "data_time": data_time,
        **_rankings(view, state),
    }


def _breakdown_title(state: dict[str, Any], ms: list[charts.Measure]) -> str:
    names = "、".join(m.name for m in ms)
    how = "月度趋势" if state["dim"] == "month" else (
        "年度趋势" if state["dim"] == "year" else "逐日趋势" if state["dim"] == "day"
        else f"按{charts.dimension_label(state['dim'])}分解"
    )
    where = f" · {extra.street_names().get(state['street'], '')}" if state.get("street") else ""
    return f"{names} · {how}{where}"


# ---------------------------------------------------------------- layout


def _controls(state: dict[str, Any], notes: list[str]) -> html.Div:
    cat = _catalogue()
    dims = charts.dimensions_of(cat)
    allowed = charts.allowed_dimensions(dims, state["ind"])

    def item(label: str, control: Any, cls: str, style: dict[str, str] | None = None) -> html.Div:
        return html.Div(
            [html.Label(label, htmlFor=control.id, className="filter-label"), control],
            className=f"filter-item {cls}",
            style=style,
        )

    def choice(label: str, name: str, cls: str, options: Any, value: Any, fixed: bool = True,
               **kw: Any) -> html.Div:
        """A dropdown of the workbench (``fixed``: always has a value, not clearable)."""
        if fixed:
            kw["clearable"] = False
        return item(label, dcc.Dropdown(id=CONTROL[name], options=options, value=value,
                                        className="filter-dropdown", labels=DROPDOWN_LABELS, **kw),
                    f"filter-item--{cls}")

    streets = [{"label": n, "value": c} for c, n in extra.street_names().items()]
    indicators = choice(f"指标（最多 {MAX_INDICATORS} 项，可输入名称或主题搜索）", "ind", "indicators",
                        charts.indicator_options(cat), list(state["ind"]), multi=True, searchable=True,
                        placeholder="选择指标")
    indicators.style = {"flex": "2 1 380px", "minWidth": "320px"}
    bar = html.Div(
        [
            indicators,
            choice("期间", "period", "period", _period_options(state), state["period"]),
            item(
                "自定义期间",
                dcc.DatePickerRange(
                    id=RANGE,
                    start_date=span(state)[0].isoformat(),
                    end_date=_last(span(state)[1]).isoformat(),
                    display_format="YYYY-MM-DD",
                    max_date_allowed=_as_of().isoformat(),
                    start_date_placeholder_text="开始日期",
                    end_date_placeholder_text="结束日期",
                    minimum_nights=0,
                    first_day_of_week=1,
                    className="analysis-range",
                ),
                "filter-item--range",
            ),
            choice("分解维度（所选指标都支持的）", "dim", "dimension", charts.dimension_options(allowed),
                   state["dim"]),
            choice("街镇", "street", "street", streets, state.get("street"), fixed=False, placeholder="全区"),
            choice("排名指标", "rank", "rank", charts.indicator_options(cat), state["rank"]),
        ],
        className="filter-bar",
        role="search",
        **{"aria-label": "分析条件"},
    )
    return html.Div(
        [
            bar,
            html.Div(period_caption(state), id=IDS.id("period"), className="period-caption"),
            link_notes(notes, id=IDS.id("link-notes")),
        ],
        className="screen-filters",
    )


def _period_options(state: dict[str, Any]) -> list[dict[str, str]]:
    as_of = _as_of()
    months = []
    first = as_of.replace(day=1)
    for k in range(RECENT_MONTHS):
        y, m = divmod(first.year * 12 + first.month - 1 - k, 12)
        months.append(f"{y:04d}-{m + 1:02d}")
    values = list(PERIOD_LABELS) + months
    if state["period"] not in values and state["period"] != CUSTOM:
        values.append(state["period"])
    opts = [{"label": PERIOD_LABELS.get(v) or format_month(v), "value": v} for v in values]
    return opts + [{"label": "自定义期间", "value": CUSTOM}]


def _titled_graph(figs: dict[str, Any], key: str, mode: str) -> html.Div:
    """A graph under a one-line caption that says what it shows (the refresh rewrites both)."""
    return html.Div(
        [
            html.Div(figs[f"{key}_title"], id=IDS.id(f"{key}-title"), className="detail-caption"),
            html.Div(graph(figs[key], id=IDS.id(f"{key}-graph"), mode=mode), className="analysis-graph",
                     style={"flex": "1 1 auto", "minHeight": 0}),
        ],
        className="analysis-panel-body",
        style={"display": "flex", "flexDirection": "column", "height": "100%", "minHeight": 0},
    )


def _panels(view: ViewParams, figs: dict[str, Any]) -> dict[str, Any]:
    mode = view.mode
    analyst = not view.kiosk
    return {
        "left": chart_panel(
            "街镇排名",
            _titled_graph(figs, "streets", mode),
            id=IDS.id("streets"),
            mode=mode,
            note="点击街镇可将分解、对比与行业排名限定到该街镇，再次点击取消。" if analyst else None,
        ),
        "centre": chart_panel(
            "指标分解" if analyst else "月度趋势 · 近12个月",
            _titled_graph(figs, "breakdown", mode),
            id=IDS.id("breakdown"),
            mode=mode,
            note="时间维度画折线（每项指标一行，单位各异），其他维度画条形。" if analyst else None,
        ),
        "right": chart_panel(
            "行业排名" if view.kiosk else "行业（分类）排名",
            _titled_graph(figs, "second", mode),
            id=IDS.id("second"),
            mode=mode,
        ),
        "bottom": chart_panel(
            "同比与环比" if analyst else "重点指标同比与环比 · 本月",
            html.Div(figs["compare"], id=IDS.id("compare"), className="panel-fill"),
            mode=mode,
            note="环比：与本期等长的前一时段；同比：上年同期。状态类指标无对比期。" if analyst else None,
        ),
    }


# ---------------------------------------------------------------- callbacks

OUT = (
    "kpis", "breakdown", "breakdown_title", "streets", "streets_title", "second", "second_title", "compare",
)


def _pivot_rows(state: dict[str, Any] | None, _scope: Scope, _limit: int) -> tuple[pd.DataFrame, bool]:
    return pivot_view(state)[0], False


def _export_name(state: dict[str, Any] | None) -> str:
    start, end = span(state)
    return f"数据分析_{charts.dimension_label(state['dim'])}_{start:%Y%m%d}-{_last(end):%Y%m%d}"


SCREEN = Screen(
    IDS,
    TITLE,
    fields=list,
    draw=lambda view, state, _scope: (figs := _draw(view, state), figs["data_time"]),
    panels=lambda view, figs, _state: _panels(view, figs),
    refreshed=OUT,
    children=("breakdown_title", "streets_title", "second_title", "compare"),
    scope_by=("street",),
    state_reader=lambda view: read_choice({} if view.kiosk else dict(view.extra)),
    filter_area=lambda state, notes: _controls(state, notes),
    grid=Grid(
        "透视表（行：维度取值；列：指标，含单位）",
        lambda state: pivot_view(state)[1],
        _pivot_rows,
        _export_name,
        note="比例类指标以百分数显示；导出文件即本表（同样的行、列与单位）。",
    ),
)
register(__name__, SCREEN, path="/analysis", order=80)
layout, refresh, _, update_grid, export_file = SCREEN.wire()


def next_choice(state: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    """The analysis after one control changed (``name`` in ind/period/range/dim/street/rank, or
    ``click`` for a street clicked on a chart). A choice that would leave nothing valid is ignored;
    a dimension the new indicators do not all allow moves to the default one."""
    new = dict(state)
    dims = charts.dimensions_of(_catalogue())
    if name == "ind":
        ids = [i for i in (value or []) if i in dims][:MAX_INDICATORS]
        if not ids:
            return new
        new["ind"] = ids
        if state["rank"] == state["ind"][0] or state["rank"] not in dims:
            new["rank"] = ids[0]
    elif name == "period" and value and (value == CUSTOM or extra.is_period(value)):
        if value == CUSTOM:
            start, end = span(state)
            new.update(period=CUSTOM, **{"from": start.isoformat(), "to": _last(end).isoformat()})
        else:
            new.update(period=value, **{"from": None, "to": None})
    elif name == "range":
        a, b = (_iso(v) for v in value)
        if a and b and a <= b:
            new.update(period=CUSTOM, **{"from": a.isoformat(), "to": b.isoformat()})
    elif name == "dim" and value:
        new["dim"] = value
    elif name == "street":
        new["street"] = value if value in extra.street_names() else None
    elif name == "click":
        if value in extra.street_names():
            new["street"] = None if state.get("street") == value else value
    elif name == "rank" and value in dims:
        new["rank"] = value
    allowed = charts.allowed_dimensions(dims, new["ind"])
    if new["dim"] not in allowed:
        new["dim"] = _default_dim(allowed)
    return new


@callback(
    Output(IDS.id("state"), "data"),
    Output(IDS.id("url"), "search"),
    Output(CONTROL["ind"], "value"),
    Output(CONTROL["period"], "value"),
    Output(CONTROL["period"], "options"),
    Output(RANGE, "start_date"),
    Output(RANGE, "end_date"),
    Output(CONTROL["dim"], "options"),
    Output(CONTROL["dim"], "value"),
    Output(CONTROL["street"], "value"),
    Output(CONTROL["rank"], "value"),
    Output(IDS.id("period"), "children"),
    Output(IDS.id("link-notes"), "children"),
    Input(CONTROL["ind"], "value"),
    Input(CONTROL["period"], "value"),
    Input(RANGE, "start_date"),
    Input(RANGE, "end_date"),
    Input(CONTROL["dim"], "value"),
    Input(CONTROL["street"], "value"),
    Input(CONTROL["rank"], "value"),
    *(Input(g, "clickData") for g in STREET_CLICKS),
    State(IDS.id("state"), "data"),
    State(IDS.view, "data"),
    prevent_initial_call=True,
)
def on_choice(ind, period, start, end, dim, street, rank, *rest) -> tuple:
    state, view_query = rest[-2], rest[-1]
    trigger = ctx.triggered_id
    if trigger in STREET_CLICKS:
        click = rest[STREET_CLICKS.index(trigger)]
        if trigger == IDS.id("breakdown-graph") and state["dim"] != "street_code":
            return (no_update,) * 13
        event: tuple[str, Any] = ("click", clicked_value(click))
    elif trigger == RANGE:
        event = ("range", (start, end))
    else:
        names = {v: k for k, v in CONTROL.items()}
        if trigger not in names:
            return (no_update,) * 13
        event = (names[trigger], {"ind": ind, "period": period, "dim": dim, "street": street, "rank": rank}[
            names[trigger]
        ])
    return choice_outputs(next_choice(state, *event), view_query)


def choice_outputs(new: dict[str, Any], view_query: dict[str, Any]) -> tuple:
    """Everything that shows a new choice: the state, the URL, every control, the caption and
    the (cleared) link note."""
    view = ViewParams.from_query(view_query)
    keep = {"theme": "dark"} if view.theme == "dark" else None
    allowed = charts.allowed_dimensions(charts.dimensions_of(_catalogue()), new["ind"])
    start, end = span(new)
    return (
        new,
        choice_search(new, keep) or "?",
        new["ind"],
        new["period"],
        _period_options(new),
        start.isoformat(),
        _last(end).isoformat(),
        charts.dimension_options(allowed),
        new["dim"],
        new.get("street"),
        new["rank"],
        period_caption(new),
        None,
    )
