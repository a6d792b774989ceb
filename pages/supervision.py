"""综合监管 (/supervision): 双随机一公开 inspections planned and done, what they found (result
categories and the problem-found rate), completion and findings per 市场监管所, double-random
inspections per street, the credit lists (经营异常名录, 严重违法失信名单, 联合惩戒名单) with the newest
joint-punishment entries, and the double-random tasks with their published draw seed and progress.

The risk-weighted draw (product.md §5) stores its results as such tasks; a user who may draw (局领导,
管理员, 市场监管所 for its own office) opens the 双随机抽查 panel from the task list: preview, then confirm
stores the task as ``smartsup draw`` does, with an audit row, and links its public verification view
(``/public/draw/<task id>``, dashboard/public.py). The wall has no draw controls.

For analysts a street on the map, an office, a month of the trend and a credit list
filter the screen, the state lives in the URL, and the entities of the chosen credit list are listed,
linked to their file (一户一档) and exported.

The dedicated reads of ``data_access.api.supervision`` answer the unfiltered view; under an office
filter the trend and the result categories come from the indicator library's breakdowns
(``indicators.indicator_values``), which take the office as a filter.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from components import charts_supervision as charts
from components.charts_common import kpi_cards
from components.labels import ENUM_LABELS
from components.layout import ScreenIds, ViewParams
from components.permalink import FilterField
from components.tables import Column
from dashboard import auth
from dashboard.screen import (
    Grid,
    Note,
    Scope,
    Screen,
    office_field,
    period_field,
    register,
    street_field,
    unfiltered_note,
)
from data_access import draw as dr
from data_access.api import entities as ent
from data_access.api import extra_screens as extra
from data_access.api import indicators
from data_access.api import supervision as read
from data_access.api.geo import street_polygons
from data_access.db import store

IDS = ScreenIds("supervision")
TITLE = "综合监管"

KPI_IDS = (
    "inspection.tasks",
    "inspection.planned",
    "inspection.double_random_planned",
    "inspection.done_rate",
    "inspection.done",
    "inspection.problems",
    "inspection.problem_rate",
    "inspection.case_opened",
    "credit.abnormal_added",
    "entity.abnormal_listed",
    "entity.serious_dishonest",
    "entity.joint_punishment",
)
#: The wall's strip: nine cards fit 1920 px; the task count, all kinds of planned inspections and
#: the cases opened after inspections are for analysts.
WALL_KPI_IDS = tuple(
    i for i in KPI_IDS if i not in ("inspection.tasks", "inspection.planned", "inspection.case_opened")
)
BETTER = {
    "inspection.done_rate": True,
    "inspection.done": True,
    "credit.abnormal_added": False,
}
FILTER_NAMES = {"office_code": "检查机构"}

#: Rows in the grid and in an export; entries in the wall's joint-punishment list.
GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
LIST_LIMIT = 50
TREND_MONTHS = 12
#: Double-random tasks are drawn once a quarter: the task list looks back a year from the period's end.
TASK_MONTHS = 12
OFFICE_KINDS = ("station", "brigade")
DEFAULT_LIST = "joint_punishment"

COLUMNS = (
    Column("name", "当事人", link="/entity/{uscc}", width=260),
    Column("uscc", "统一社会信用代码"),
    Column("street_name", "街镇"),
    Column("list", "信用名录", "enum", ("credit_list", "list")),
    Column("reason", "列入事由"),
    Column("listed_on", "列入日期", "date"),
)


def _fields() -> list[FilterField]:
    return [
        period_field(),
        street_field(),
        office_field("检查机构", OFFICE_KINDS),
        FilterField("list", "信用名录", ENUM_LABELS[("credit_list", "list")], DEFAULT_LIST),
    ]


def _office_filter(state: dict[str, Any]) -> dict[str, str]:
    return {"office_code": state["office"]} if state.get("office") else {}


def _values(ids: tuple[str, ...], start: date, end: date, scope, by: str, state: dict[str, Any]):
    """``indicator_values`` broken down by ``by`` under the office filter, one column per indicator."""
    long = indicators.indicator_values(ids, start, end, scope, (by,), _office_filter(state))
    wide = long.pivot_table(index=by, columns="indicator_id", values="value", aggfunc="sum")
    return wide.reindex(columns=list(ids)).reset_index()


def _trend(start: date, end: date, scope, state: dict[str, Any]) -> pd.DataFrame:
    """Per month: planned, done_of_planned, done_rate (``inspection_trend`` without an office)."""
    if not state.get("office"):
        return read.inspection_trend(start, end, scope)
    ids = ("inspection.double_random_planned", "inspection.done_rate")
    wide = _values(ids, start, end, scope, "month", state)
    wide["month"] = pd.to_datetime(wide["month"])
    months = pd.DataFrame({"month": pd.date_range(start, end, freq="MS", inclusive="left")})
    out = months.merge(wide, on="month", how="left")
    out["planned"] = out["inspection.double_random_planned"].fillna(0).astype("int64")
    out["done_rate"] = out["inspection.done_rate"]
    # the library gives the rate; the count done of those planned is the rate's numerator
    out["done_of_planned"] = (out["done_rate"].fillna(0) * out["planned"]).round().astype("int64")
    return out[["month", "planned", "done_of_planned", "done_rate"]]


def _results(start: date, end: date, scope, state: dict[str, Any]) -> pd.DataFrame:
    """Inspections completed per result category (``inspection_results`` without an office)."""
    if not state.get("office"):
        return read.inspection_results(start, end, scope)
    wide = _values(("inspection.done",), start, end, scope, "result", state)
    return wide.rename(columns={"inspection.done": "n"}).fillna(0).astype({"n": "int64"})


def _streets(start: date, end: date, allowed, state: dict[str, Any]) -> pd.DataFrame:
    """双随机 inspections planned per street over the whole district (under the office filter)."""
    wide = _values(("inspection.double_random_planned",), start, end, allowed, "street_code", state)
    return wide.rename(columns={"inspection.double_random_planned": "planned"}).fillna(0)


def _tasks(state: dict[str, Any], streets, bounds: dict[str, Any], limit: int = 200) -> pd.DataFrame:
    """Double-random tasks drawn in the year up to the period's end, newest first, of the chosen
    office."""
    end = bounds["end"]
    start = (pd.Timestamp(end) - pd.DateOffset(months=TASK_MONTHS)).date()
    frame = read.inspection_tasks(start, end, streets, "double_random", limit).frame
    if state.get("office"):
        frame = frame[frame["office_code"] == state["office"]]
    return frame.reset_index(drop=True)


def _kpis(state: dict[str, Any], scope, ids: tuple[str, ...] = KPI_IDS) -> pd.DataFrame:
    """The KPI strip under the period, the street and the office filter: the inspection cards follow
    the office; the credit cards, which have no office, list it in ``unfiltered``."""
    return extra.screen_kpis(ids, state["period"], scope, tuple(sorted(_office_filter(state).items())))


def _kpi_note(kpis: pd.DataFrame) -> str:
    """Which KPI cards could not follow the office filter."""
    return unfiltered_note(kpis, "不分检查机构，按全部统计。")


def _credit_rows(state: dict[str, Any], streets, limit: int):
    """Entities now on the chosen credit list (street scope), newest first, with the street's name."""
    rows = read.credit_list_entries(state.get("list") or DEFAULT_LIST, streets, limit)
    frame = rows.frame.copy()
    frame["street_name"] = frame["street_code"].map(extra.street_names())
    return rows, frame


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    bounds = extra.period_bounds(state["period"])
    start, end = bounds["start"], bounds["end"]
    here = scope.streets
    theme, mode = view.theme, view.mode
    wall = mode == "wall"
    trend_start, trend_end = extra.month_window(bounds["as_of"], TREND_MONTHS)
    month = state["period"] if extra.parse_month(state["period"]) else None
    kpis = _kpis(state, here, WALL_KPI_IDS if wall else KPI_IDS)
    offices = read.inspections_by_office(start, end, here)
    top = 7 if wall else None
    joint = read.credit_list_entries("joint_punishment", here, LIST_LIMIT).frame
    out = {
        "kpis": kpi_cards(kpis, mode=mode, better=BETTER),
        "trend": charts.plan_trend_chart(
            _trend(trend_start, trend_end, here, state), selected_month=month, theme=theme, mode=mode
        ),
        "results": charts.results_donut(_results(start, end, here, state), theme=theme, mode=mode),
        "credit": charts.credit_lists_chart(
            ent.credit_list_counts(here),
            selected=None if wall else state.get("list"),
            theme=theme,
            mode=mode,
        ),
        "map": charts.street_map(
            street_polygons(),
            _streets(start, end, scope.allowed, state),
            selected=state.get("street"),
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "office": charts.office_completion_chart(
            offices, selected=state.get("office"), top=top, theme=theme, mode=mode
        ),
        "problem": charts.problem_rate_chart(
            offices, selected=state.get("office"), top=top, theme=theme, mode=mode
        ),
        "joint": charts.credit_entry_list(joint, extra.street_names(), mode=mode, visible_rows=4),
        "tasks": charts.task_list(_tasks(state, here, bounds), mode=mode, visible_rows=3),
    }
    return out, bounds["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    when = SCREEN.when(view, state)
    panel = partial(SCREEN.panel, view, figs)
    return {
        "left": [
            panel("trend", f"近{TREND_MONTHS}个月双随机计划与完成", "户次",
                  note="按计划日期统计，完成率为当月计划中已完成的比例；点击月份可筛选全屏。"),
            panel("results", f"检查结果分类{when}", "户次"),
            panel("credit", "信用名录在列（当前）", "户",
                  note="括号内为累计列入户数；点击名录可在下方明细中列出其主体。"),
        ],
        "centre": panel("map", f"各街镇双随机计划检查{when}", "户次", class_name="panel--map",
                        note="按检查对象所在街镇统计；街镇边界为近似划分；点击街镇可筛选全屏。"),
        "bottom": panel("tasks", f"双随机抽查任务与公开种子（近{TASK_MONTHS}个月抽取）", "户",
                        tools=_draw_tools(view)),
        "right": [
            panel("office", f"各机构双随机完成{when}", "户次",
                  note="浅色为计划、深色为其中已完成；点击机构可筛选全屏。"),
            panel("problem", f"各机构问题发现率{when}", "%",
                  note="完成检查中结果不是“未发现问题”的比例，括号内为发现问题户次；高于全区平均的标橙。"),
            panel("joint", "联合惩戒名单（最新列入）", "户"),
        ],
    }


def _draw_tools(view: ViewParams) -> Any:
    """The 双随机抽查 button and its panel: for users who may draw, never on the wall."""
    if view.kiosk or not auth.has_permission("draw"):
        return None
    return html.Div([draw_button(), draw_modal()])


def _grid(state: dict[str, Any], scope: Scope, limit: int):
    rows, frame = _credit_rows(state, scope.streets, limit)
    return frame, rows.truncated


def _note(state: dict[str, Any], scope: Scope) -> str:
    return _kpi_note(_kpis(state, scope.streets))


def _export_name(state: dict[str, Any] | None) -> str:
    return f"{ENUM_LABELS[('credit_list', 'list')][(state or {}).get('list') or DEFAULT_LIST]}在列主体"


GRAPHS = ("trend", "results", "credit", "map", "office", "problem")

SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels, refreshed=("kpis", *GRAPHS, "joint", "tasks"),
    children=("joint", "tasks"), notes=(Note("kpi-note", _note),),
    clicks={"map": "street", "office": "office", "problem": "office", "trend": "period", "credit": "list"},
    scope_by=("street",),  # the office filter is a dimension of the inspection marts, not a street
    grid=Grid("信用名录在列主体明细（当前筛选，最新列入在前）", COLUMNS, _grid, _export_name,
              grid_limit=GRID_LIMIT, export_limit=EXPORT_LIMIT,
              note="名录为截至数据日期的在列状态，随街镇筛选，不受统计期间和检查机构影响；"
              f"点击“信用名录在列”图可切换名录；最多导出 {EXPORT_LIMIT:,} 条。"),
)
register(__name__, SCREEN, path="/supervision", order=15)
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.filter_ids, SCREEN.control_ids


# ---- 双随机抽查: the draw panel (permitted users; never on the wall) -------------------------------
# A permitted user (``draw``: 局领导、管理员; 市场监管所 for its own office) opens the panel from the
# task list, chooses the office or street (within the jurisdiction), ratios by credit class or a size,
# the seed (a random one is proposed and shown) and the date; 预览 runs ``preview_draw`` (nothing
# written); 确认抽取 stores the previewed inputs with ``store_draw`` — the function ``smartsup draw``
# runs — with the ``draw`` audit row in the same transaction. The previewed inputs' digest goes along:
# when the store changed in between, nothing is written. A second confirm of the same preview (a double
# click) or a second user confirming the same draw finds the task already stored (``DrawExists``).
DRAW = "supervision-draw"  # every id of the panel starts with it (OUTPUT_PERMISSIONS: ``draw``)
DRAW_OPEN = f"{DRAW}-open"
DRAW_CLOSE = f"{DRAW}-close"
DRAW_MODAL = f"{DRAW}-modal"
DRAW_SCOPE = f"{DRAW}-scope"
DRAW_MODE = f"{DRAW}-mode"
DRAW_SIZE = f"{DRAW}-size"
DRAW_SEED = f"{DRAW}-seed"
DRAW_RESEED = f"{DRAW}-reseed"
DRAW_DATE = f"{DRAW}-date"
DRAW_PREVIEW = f"{DRAW}-preview"
DRAW_CONFIRM = f"{DRAW}-confirm"
DRAW_MESSAGE = f"{DRAW}-message"
DRAW_BODY = f"{DRAW}-body"
DRAW_PREVIEWED = f"{DRAW}-previewed"
DRAW_CLASSES = dr.CLASSES
DRAW_LIST_ROWS = 500  # the preview lists at most this many drawn entities (the count says how many)
PUBLIC_DRAW = "/public/draw/{task_id}"
_NOT_PERMITTED = "您的角色无权发起双随机抽查（仅局领导、管理员，或市场监管所为本所发起）。"
_CLASS_NAMES = {
    "A": "A 类（低风险）",
    "B": "B 类（一般风险）",
    "C": "C 类（较高风险）",
    "D": "D 类（高风险）",
}


def draw_ratio_id(cls: str) -> str:
    return f"{DRAW}-ratio-{cls.lower()}"


def new_seed() -> str:
    """A proposed seed: the day and 8 random hex digits (the user may replace it, e.g. with a lottery
    number published in advance)."""
    return f"{date.today():%Y%m%d}-{secrets.token_hex(4)}"


def draw_choices() -> dict[str, str]:
    """The scopes the signed-in user may draw for: ``office:<code>`` and ``street:<code>`` → label."""
    scopes = dr.draw_scopes(store.engine, auth.current_streets())
    out = {f"office:{r['office_code']}": f"{r['office_name']}（本所辖区）" for r in scopes}
    out |= {f"street:{r['street_code']}": f"{r['street_name']}（街镇）" for r in scopes}
    return out


def _pct(value: Any, label: str) -> str:
    """A percentage typed in the panel as the ratio string ``smartsup draw --ratio`` takes."""
    if value is None or str(value).strip() == "":
        raise dr.DrawError(f"请填写{label}的抽取比例（%）")
    try:
        d = Decimal(str(value).strip())
    except ArithmeticError:
        raise dr.DrawError(f"{label}的抽取比例不是数字：{value}") from None
    if not d.is_finite():
        raise dr.DrawError(f"{label}的抽取比例不是数字：{value}")
    ratio = (d / 100).normalize()
    return format(ratio, "f")


def draw_inputs(form: dict[str, Any]) -> dict[str, Any]:
    """The panel's values → ``run_draw`` keywords, checked (scope within the user's jurisdiction,
    ratios within the reference bands, a positive size, a seed, a date). Raises ``DrawError``."""
    scope = str(form.get("scope") or "")
    kind, _, code = scope.partition(":")
    if not code or kind not in ("office", "street"):
        raise dr.DrawError("请选择抽取范围（市场监管所或街镇）")
    if scope not in draw_choices():
        raise dr.DrawError("所选范围不在您的辖区内，不能抽取")
    out: dict[str, Any] = {"office": code} if kind == "office" else {"streets": [code]}
    if form.get("mode") == "size":
        raw = str(form.get("size") if form.get("size") is not None else "").strip()
        try:
            size = int(raw)
        except ValueError:
            raise dr.DrawError(f"样本量须为正整数：{raw or '（空）'}") from None
        if size < 1:
            raise dr.DrawError(f"样本量须为正整数：{size}")
        out["size"] = size
    else:
        ratios = {c: _pct((form.get("ratios") or {}).get(c), f" {c} 类") for c in DRAW_CLASSES}
        dr.validate_ratios(ratios)
        out["ratios"] = ratios
    seed = str(form.get("seed") or "").strip()
    if not seed:
        raise dr.DrawError("请填写公开的随机种子")
    if len(seed) > dr.SEED_MAX_CHARS:
        raise dr.DrawError(f"随机种子最长 {dr.SEED_MAX_CHARS} 个字符，现为 {len(seed)} 个")
    out["seed"] = seed
    raw_date = str(form.get("date") or "").strip()
    try:
        out["on"] = date.fromisoformat(raw_date)
    except ValueError:
        raise dr.DrawError(f"抽取日期格式应为 YYYY-MM-DD：{raw_date or '（空）'}") from None
    return out


def _who_draws() -> tuple[str, str, str | None] | str:
    """(username, role, office) of a user who may draw, else the Chinese refusal."""
    info = auth.current_user_info()
    if info is None or not auth.has_permission("draw"):
        return _NOT_PERMITTED
    auth.require("draw")
    if info.streets is not None and not info.office_code:
        return "您的账户没有所属市场监管所，不能发起抽取；请联系管理员。"
    return info.username, info.role, info.office_code


def _draw_message(ok: bool, *parts: Any) -> html.Div:
    return html.Div(
        list(parts),
        className="draw-message " + ("text-success" if ok else "text-danger"),
        role="status",
        **{"data-ok": "1" if ok else "0"},
    )


def preview_view(result: dr.DrawResult) -> html.Div:
    """The preview: the task it would store, population and pool, counts by class, the drawn list."""
    d = result.draw
    counts = d.counts()
    cell = {"padding": "2px 8px", "textAlign": "right"}
    left = {"padding": "2px 8px", "textAlign": "left"}
    by_class = html.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, style=left if k == 0 else cell)
                        for k, h in enumerate(("类别", "在营主体", "实际比例", "抽中"))
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(_CLASS_NAMES[c], style=left),
                            html.Td(f"{d.population[c]:,}", style=cell),
                            html.Td(f"{d.ratios[c]:.1%}", style=cell),
                            html.Td(f"{counts[c]:,}", style=cell),
                        ]
                    )
                    for c in DRAW_CLASSES
                ]
                + [
                    html.Tr(
                        [
                            html.Td(html.B("合计"), style=left),
                            html.Td(html.B(f"{sum(d.population.values()):,}"), style=cell),
                            html.Td(""),
                            html.Td(html.B(f"{sum(counts.values()):,}"), style=cell),
                        ]
                    )
                ]
            ),
        ],
        className="dispatch-table draw-classes",
        id=f"{DRAW}-classes",
    )
    names = dr.staff_names(store.engine, result.inputs.inspectors)
    entities = dr.entity_names(store.engine, [a.uscc for a in d.assignments[:DRAW_LIST_ROWS]])

    def who(sid: int) -> str:
        return f"{names.get(sid, '')}（{sid}）"

    rows = [
        html.Tr(
            [
                html.Td(a.uscc, style=left),
                html.Td(entities.get(a.uscc, "—"), style=left),
                html.Td(a.risk_class),
                html.Td(who(a.inspectors[0]), style=left),
                html.Td(who(a.inspectors[1]), style=left),
            ],
            **{"data-uscc": a.uscc},
        )
        for a in d.assignments[:DRAW_LIST_ROWS]
    ]
    drawn = html.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, style=left | {"whiteSpace": "nowrap"})
                        for h in ("统一社会信用代码", "名称", "类别", "主检人员", "副检人员")
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        className="dispatch-table draw-list",
        id=f"{DRAW}-list",
    )
    unclassified = (
        f"；其中 {result.inputs.n_unclassified:,} 户模型未分类主体按 {result.inputs.unclassified} 类"
        if result.inputs.n_unclassified
        else ""
    )
    return html.Div(
        [
            html.Div([html.B(f"预览（未写入）：任务 {result.task_id}"), html.Span(f"　{result.task_name}")]),
            html.Div(
                f"种子：{result.seed}；抽取日期：{result.on.isoformat()}；抽取名单 "
                f"{sum(d.population.values()):,} 户{unclassified}；"
                f"检查人员库 {len(result.inputs.inspectors)} 人"
                f"（本所持证执法、检查人员）；回避关系 {len(result.inputs.conflicts):,} 对"
                f"（近 {dr.CONFLICT_MONTHS} 个月检查过的主体不再派同一人）。",
                className="detail-caption",
            ),
            by_class,
            *[html.Div(f"提示：{w}", className="detail-caption text-warning") for w in d.warnings],
            html.Div(
                f"抽中主体与检查人员配对（共 {len(d.assignments):,} 户"
                + (f"，列出前 {DRAW_LIST_ROWS} 户" if len(d.assignments) > DRAW_LIST_ROWS else "")
                + "）：",
                className="detail-caption",
            ),
            html.Div(drawn, className="draw-list-wrap"),
        ],
        id=f"{DRAW}-result",
        **{"data-task": result.task_id, "data-drawn": str(len(d.assignments))},
    )


def do_preview(form: dict[str, Any]) -> tuple[bool, Any, Any, dict[str, Any] | None]:
    """预览 as the signed-in user: (ok, message, preview body, what 确认 will store)."""
    who = _who_draws()
    if isinstance(who, str):
        return False, _draw_message(False, who), None, None
    try:
        kw = draw_inputs(form)
        result = dr.preview_draw(store.engine, **kw)
    except dr.DrawError as exc:
        return False, _draw_message(False, str(exc)), None, None
    digest = dr.input_digest(
        result.inputs.population,
        result.inputs.inspectors,
        result.inputs.conflicts,
        kw.get("ratios"),
        kw.get("size"),
    )
    message = _draw_message(
        True, f"已预览：将抽取 {len(result.draw.assignments):,} 户。核对无误后点击“确认抽取”写入任务。"
    )
    return True, message, preview_view(result), {"form": form, "digest": digest, "task_id": result.task_id}


def do_confirm(previewed: dict[str, Any] | None) -> tuple[bool, Any]:
    """确认抽取 as the signed-in user: stores the previewed draw once (``store_draw``)."""
    who = _who_draws()
    if isinstance(who, str):
        return False, _draw_message(False, who)
    if not previewed or not isinstance(previewed.get("form"), dict):
        return False, _draw_message(False, "请先预览，再确认抽取。")
    username, role, office = who
    try:
        kw = draw_inputs(previewed["form"])
        result = dr.store_draw(
            store.engine,
            username=username,
            role=role,
            user_office=office,
            ip=_ip(),
            expect_digest=str(previewed.get("digest") or ""),
            **kw,
        )
    except dr.DrawExists as exc:
        link = html.A(
            "查看公开核验页",
            href=PUBLIC_DRAW.format(task_id=previewed.get("task_id")),
            target="_blank",
            id=f"{DRAW}-public-link",
        )
        return False, _draw_message(False, f"{exc}。未重复写入。", " ", link)
    except dr.DrawError as exc:
        return False, _draw_message(False, str(exc))
    link = html.A(
        "公开核验页",
        href=PUBLIC_DRAW.format(task_id=result.task_id),
        target="_blank",
        id=f"{DRAW}-public-link",
        **{"data-task": result.task_id},
    )
    return True, _draw_message(
        True,
        f"已抽取并写入：任务 {result.task_id}（{len(result.draw.assignments):,} 户，种子 {result.seed}），"
        "已记入审计日志。公众可按种子复核：",
        link,
    )


def _ip() -> str | None:
    from flask import has_request_context, request

    return request.remote_addr if has_request_context() else None


def _form(scope: Any, mode: Any, ratios: list[Any], size: Any, seed: Any, on: Any) -> dict[str, Any]:
    return {
        "scope": scope,
        "mode": mode,
        "ratios": dict(zip(DRAW_CLASSES, ratios, strict=True)),
        "size": size,
        "seed": seed,
        "date": on,
    }


def draw_button() -> Any:
    """The button that opens the panel (only for users who may draw)."""
    return html.Button(
        "双随机抽查",
        id=DRAW_OPEN,
        n_clicks=0,
        type="button",
        className="btn btn-sm btn-primary",
        **{"data-action": "draw-open"},
    )


def draw_modal() -> Any:
    """The 双随机抽查 panel (a modal): scope, ratios or size, seed, date, 预览, 确认抽取."""
    choices = draw_choices()
    label = {"style": {"fontWeight": 600, "marginTop": "6px"}}
    ratios = html.Div(
        [
            html.Span(
                [
                    html.Span(f"{c} 类 ", className="me-1"),
                    dcc.Input(
                        id=draw_ratio_id(c),
                        type="number",
                        value=float(dr.DEFAULT_RATIOS[c] * 100),
                        min=float(dr.BANDS[c][0] * 100),
                        max=float(dr.BANDS[c][1] * 100),
                        step=0.5,
                        debounce=True,
                        style={"width": "5em"},
                    ),
                    html.Span(
                        f"%（{dr.BANDS[c][0]:.0%}–{dr.BANDS[c][1]:.0%}）", className="me-3 detail-caption"
                    ),
                ],
                style={"whiteSpace": "nowrap"},
            )
            for c in DRAW_CLASSES
        ],
        style={"display": "flex", "flexWrap": "wrap", "gap": "4px"},
    )
    body = html.Div(
        [
            html.Div("抽取范围", **label),
            dcc.Dropdown(
                id=DRAW_SCOPE,
                options=[{"label": v, "value": k} for k, v in choices.items()],
                value=next(iter(choices), None),
                clearable=False,
                placeholder="选择市场监管所或街镇",
            ),
            html.Div("抽取方式", **label),
            dcc.RadioItems(
                id=DRAW_MODE,
                value="ratio",
                inline=True,
                inputStyle={"marginRight": "4px"},
                labelStyle={"marginRight": "16px"},
                options=[
                    {"label": "按信用风险分类比例", "value": "ratio"},
                    {"label": "按总样本量（比例作权重）", "value": "size"},
                ],
            ),
            ratios,
            html.Span(
                [
                    html.Span("总样本量 ", className="me-1"),
                    dcc.Input(
                        id=DRAW_SIZE,
                        type="number",
                        min=1,
                        step=1,
                        placeholder="户",
                        debounce=True,
                        style={"width": "6em"},
                    ),
                ]
            ),
            html.Div("随机种子（公开，任何人可用它复核）", **label),
            html.Div(
                [
                    dcc.Input(
                        id=DRAW_SEED,
                        type="text",
                        maxLength=dr.SEED_MAX_CHARS,
                        value="",
                        debounce=True,
                        style={"width": "15em"},
                    ),
                    html.Button(
                        "换一个",
                        id=DRAW_RESEED,
                        n_clicks=0,
                        type="button",
                        className="btn btn-sm btn-outline-secondary ms-2",
                    ),
                ]
            ),
            html.Div("抽取日期（回避期按它往前 12 个月计）", **label),
            dcc.Input(
                id=DRAW_DATE,
                type="text",
                placeholder="YYYY-MM-DD",
                value="",
                debounce=True,
                style={"width": "10em"},
            ),
            html.Div(
                [
                    html.Button(
                        "预览",
                        id=DRAW_PREVIEW,
                        n_clicks=0,
                        type="button",
                        className="btn btn-sm btn-primary me-2",
                    ),
                    html.Button(
                        "确认抽取",
                        id=DRAW_CONFIRM,
                        n_clicks=0,
                        type="button",
                        className="btn btn-sm btn-danger",
                    ),
                ],
                style={"marginTop": "8px"},
            ),
            dcc.Store(id=DRAW_PREVIEWED, data=None),
        ]
    )
    # the form on the left, the outcome on the right: the preview is in view as soon as it is drawn
    result = html.Div(
        [
            html.Div(id=DRAW_MESSAGE, **{"aria-live": "polite"}),
            html.Div(
                html.Div("填写左侧条件后点击“预览”：先看抽取结果，确认后才写入。",
                         className="detail-caption"),
                id=DRAW_BODY,
            ),
        ]
    )
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("双随机抽查（按信用风险分类抽取）")),
            dbc.ModalBody(
                dbc.Row([dbc.Col(body, md=5), dbc.Col(result, md=7, className="draw-result-col")])
            ),
            dbc.ModalFooter(
                [
                    html.Span(
                        "确认后写入检查任务并记入审计日志；抽取结果按种子公开，可在公开核验页复核。",
                        className="detail-caption me-auto",
                    ),
                    html.Button(
                        "关闭", id=DRAW_CLOSE, n_clicks=0, type="button", className="btn btn-sm btn-secondary"
                    ),
                ]
            ),
        ],
        id=DRAW_MODAL,
        is_open=False,
        size="xl",
        scrollable=True,
        className="draw-modal",
    )


@callback(
    Output(DRAW_MODAL, "is_open"),
    Output(DRAW_SEED, "value"),
    Output(DRAW_DATE, "value"),
    Input(DRAW_OPEN, "n_clicks"),
    Input(DRAW_CLOSE, "n_clicks"),
    Input(DRAW_RESEED, "n_clicks"),
    State(DRAW_SEED, "value"),
    State(DRAW_DATE, "value"),
    prevent_initial_call=True,
)
def _draw_open(_open: Any, _close: Any, _reseed: Any, seed: Any, on: Any) -> tuple:
    """Open (proposing a random seed and the data date when empty), close, or propose another seed."""
    trigger = ctx.triggered_id
    if not auth.has_permission("draw"):
        return False, no_update, no_update
    if trigger == DRAW_CLOSE:
        return False, no_update, no_update
    if trigger == DRAW_RESEED:
        return no_update, new_seed(), no_update
    return (True, seed or new_seed(), on or dr.default_date(store.engine).isoformat())


@callback(
    Output(DRAW_MESSAGE, "children"),
    Output(DRAW_BODY, "children"),
    Output(DRAW_PREVIEWED, "data"),
    Input(DRAW_PREVIEW, "n_clicks"),
    Input(DRAW_CONFIRM, "n_clicks"),
    State(DRAW_SCOPE, "value"),
    State(DRAW_MODE, "value"),
    *(State(draw_ratio_id(c), "value") for c in DRAW_CLASSES),
    State(DRAW_SIZE, "value"),
    State(DRAW_SEED, "value"),
    State(DRAW_DATE, "value"),
    State(DRAW_PREVIEWED, "data"),
    prevent_initial_call=True,
    # one request at a time: a double click sends one preview or one confirm
    running=[
        (Output(DRAW_PREVIEW, "disabled"), True, False),
        (Output(DRAW_CONFIRM, "disabled"), True, False),
    ],
)
def _draw_act(preview: Any, confirm: Any, scope: Any, mode: Any, *rest: Any) -> tuple:
    *ratios, size, seed, on, previewed = rest
    return draw_act(ctx.triggered_id, _form(scope, mode, ratios, size, seed, on), previewed)


def draw_act(trigger: Any, form: dict[str, Any], previewed: dict[str, Any] | None) -> tuple:
    """(message, preview body, previewed) after 预览 or 确认抽取."""
    if trigger == DRAW_PREVIEW:
        _ok, message, body, stored = do_preview(form)
        return message, body, stored
    if trigger == DRAW_CONFIRM:
        ok, message = do_confirm(previewed)
        # a stored draw clears the preview (its "未写入" list): a further click asks for a new preview
        return message, None if ok else no_update, None if ok else previewed
    return no_update, no_update, no_update
