"""一户一档 (/entity/<uscc>): one entity's whole file — registration, licences, tags, credit and
catering grades, the 五官图 radar, the event timeline and a map pin — on the wall and for analysts.

Personal data is read masked (``unmasked=False``); a user with the ``unmask`` permission reveals one
field with a click, which writes an ``unmask`` audit row. A station user sees only the entities of
their streets: another street's file answers "无权查看" (HTTP 403 for a full page load, through the
page guard; the page and its callbacks check again). Every file shown to a signed-in user writes a
``view_entity`` audit row. A malformed code in the URL gets the checker's reason and a search box; an
unknown one says so.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote

import dash
from dash import MATCH, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from components import charts_entity as ce
from components.finder import search_form, wall_params
from components.forbidden import forbidden_page
from components.layout import Refreshed, ScreenIds, ViewParams, refresh_callback, screen_frame
from components.panels import chart_panel, empty_state
from components.qr import qr_image
from dashboard import auth
from dashboard.auth.web import page_guard
from dashboard.screen import absolute_url, jurisdiction, register_page
from data_access.api.entity_file import EntityNotFound, entity_file
from data_access.api.geo import street_polygons
from data_access.api.scope import entity_street
from data_access.api.status import data_status
from data_access.uscc import InvalidUSCC

log = logging.getLogger(__name__)

IDS = ScreenIds("entity")
TITLE = "一户一档"
register_page(__name__, TITLE, path_template="/entity/<uscc>", slug="entity", order=200)
#: Events read per kind (and overall): enough for years of an ordinary entity's history.
TIMELINE_LIMIT = 500
#: Events drawn: a desk reads the newest 150 (the kind filter reaches older ones), the wall scrolls 30.
SHOWN = {"analyst": 150, "wall": 30}

KINDS = IDS.id("kinds")
TIMELINE = IDS.id("timeline-body")
USCC = IDS.id("uscc")
#: Pattern-matching ids of the reveal buttons and what they reveal (``auth.permissions`` requires
#: ``unmask`` for any callback writing an ``entity-unmask…`` output).
UNMASK = "entity-unmask"
UNMASKED = "entity-unmasked"
PERSONAL_FIELDS = {"legal_rep_name": "法定代表人", "legal_rep_phone": "联系电话"}
PATH_PREFIX = "/entity/"


def _in_scope(street_code: str | None) -> bool:
    streets = jurisdiction()
    return streets is None or street_code in streets


def _guard(path: str) -> str | None:
    """Why the signed-in user may not load the entity file at ``path`` (None: they may, or the page
    itself will explain a bad or unknown code)."""
    if jurisdiction() is None:
        return None
    try:
        street = entity_street(unquote(path[len(PATH_PREFIX):]).strip())
    except Exception:  # noqa: BLE001 — malformed code, database down: the page explains itself
        return None
    return None if street is None or _in_scope(street) else "辖区外主体"


page_guard(PATH_PREFIX, _guard)


def _read(code: str):
    return entity_file(code, unmasked=False, timeline_limit=TIMELINE_LIMIT)


def _search_box(view: ViewParams, query: str = "") -> html.Form:
    return search_form(
        query,
        action=dash.get_relative_path("/search"),
        input_id=IDS.id("search"),
        hidden=wall_params(view),
        mode=view.mode,
    )


def _problem(view: ViewParams, message: str, detail: str, code: str) -> html.Div:
    """The page for a code that cannot be shown: what is wrong, the code as typed, and a search box."""
    body = html.Div(
        [
            html.Div(
                [html.I(className="bi bi-exclamation-circle me-2"), message],
                className="problem-title",
                role="alert",
            ),
            html.Div(["地址中的代码：", html.Code(code or "（空）")], className="problem-code"),
            html.Div(detail, className="problem-detail"),
            _search_box(view),
        ],
        className="problem-box",
    )
    try:
        dt = data_status()["data_time"]
    except Exception:  # the message matters more than the caption's data time
        dt = None
    return _static(
        screen_frame(
            IDS,
            view,
            title=TITLE,
            live=False,
            data_time=dt,
            subtitle="请核对统一社会信用代码，或按名称查询",
            centre=chart_panel("无法打开该主体档案", body, id=IDS.id("problem"), mode=view.mode),
        )
    )


def _static(page: html.Div) -> html.Div:
    """A frame without the file's panels: its refresh callback's inputs and outputs are absent, so
    drop the wall tick that would trigger it (Dash rejects a callback with only some of them)."""
    page.children = [c for c in page.children if getattr(c, "id", None) != IDS.tick]
    return page


def _timeline(f, view: ViewParams, kinds: list[str] | None) -> html.Div:
    rows = ce.timeline_rows(f.timeline, None if view.kiosk else kinds)
    return ce.timeline(
        rows, mode=view.mode, max_rows=SHOWN[view.mode], truncated=f.timeline_truncated, visible_rows=4
    )


def _kind_filter(f, view: ViewParams) -> dcc.Checklist:
    """The timeline filter: every kind with its count (analysts); present but hidden on the wall so
    the one refresh callback has the same inputs in both modes."""
    return dcc.Checklist(
        id=KINDS,
        options=ce.kind_options(f.timeline),
        value=list(ce.TIMELINE_KINDS),
        inline=True,
        className="kind-filter",
        inputClassName="form-check-input",
        labelClassName="kind-filter-item",
        style={"display": "none"} if view.kiosk else None,
    )


def _map_panel(f, view: ViewParams):
    try:
        fig = ce.entity_pin_map(
            street_polygons(), f.registration, theme=view.theme, mode=view.mode, tile_url=view.tile_url
        )
    except Exception:  # the pin is secondary: the file stays readable without its map
        log.exception("entity map failed")
        fig = None
    body = fig if fig is not None else empty_state("暂无位置", "该主体没有可用的经纬度")
    return chart_panel(
        "位置",
        body,
        id=IDS.id("map"),
        mode=view.mode,
        class_name="panel--map panel--pin",
        note=f"{f.registration.get('street_name') or ''} · {f.registration.get('address') or ''}"
        " · 街镇边界为近似划分",
    )


def _frame(f, view: ViewParams) -> html.Div:
    reg = f.registration
    facts = ce.fact_strip(reg, f.credit, f.catering, f.timeline, truncated=f.timeline_truncated)
    radar = chart_panel(
        "五官图",
        ce.facet_radar(f.facets, theme=view.theme, mode=view.mode),
        unit="分（0–100）",
        id=IDS.id("radar"),
        mode=view.mode,
        note=ce.FACET_NOTE,
    )
    timeline = chart_panel(
        "事件时间轴",
        html.Div([dcc.Store(id=USCC, data=f.uscc), html.Div(_timeline(f, view, None), id=TIMELINE)]),
        id=IDS.id("timeline"),
        mode=view.mode,
        data_time=f.data_time,
        tools=_kind_filter(f, view),
        class_name="panel--timeline",
    )
    registration = chart_panel(
        "登记信息",
        html.Div([ce.registration_card(reg, mode=view.mode, masked=f.masked), _reveal(view),
                  qr_image(absolute_url(f"/public/entity/{f.uscc}"), caption="扫码查看公示信息",
                           id=IDS.id("qr"), size_px=120 if view.kiosk else 132)]),
        id=IDS.id("registration"),
        mode=view.mode,
        class_name="panel--registration",
    )
    tags = chart_panel(
        "标签",
        ce.tag_chips(f.tags, mode=view.mode),
        id=IDS.id("tags"),
        mode=view.mode,
        class_name="panel--tags",
    )
    risk = chart_panel(
        "信用与风险",
        ce.risk_summary(f.credit, f.catering, f.capital_risk, f.credit_lists, mode=view.mode),
        id=IDS.id("risk"),
        mode=view.mode,
        class_name="panel--risk",
    )
    licences = chart_panel(
        "许可证",
        ce.licence_list(f.licences, mode=view.mode),
        id=IDS.id("licences"),
        mode=view.mode,
        class_name="panel--licences",
    )
    if view.kiosk:
        left, right = [registration, tags], [_map_panel(f, view), risk, licences]
    else:
        related = chart_panel(
            "设备、网店与变更",
            ce.related_records(f.equipment, f.devices, f.online_stores, f.changes, mode=view.mode),
            id=IDS.id("related"),
            mode=view.mode,
            class_name="panel--related",
        )
        left, right = [registration, tags, licences], [_map_panel(f, view), risk, related]
    return screen_frame(
        IDS,
        view,
        title=TITLE,
        data_time=f.data_time,
        subtitle=f"{reg.get('name')} · {f.uscc}",
        filters=None if view.kiosk else html.Div(_search_box(view), className="entity-search"),
        kpis=facts,
        left=left,
        right=right,
        centre=radar,
        bottom=timeline,
    )


def _reveal(view: ViewParams) -> html.Div | None:
    """Buttons revealing one personal field each, for users who may unmask (never on the wall)."""
    if view.kiosk or not auth.has_permission("unmask"):
        return None
    return html.Div([
        html.Small("个人信息已脱敏；查看完整信息将记入审计日志：", className="text-secondary me-2"),
        *[html.Span([
            html.Button(f"显示{label}", id={"type": UNMASK, "field": field}, n_clicks=0,
                        className="btn btn-sm btn-outline-secondary me-1", **{"data-field": field}),
            html.Span(id={"type": UNMASKED, "field": field}, className="unmasked-value me-3"),
        ]) for field, label in PERSONAL_FIELDS.items()],
    ], className="entity-unmask mt-2")


def layout(uscc: str | None = None, **query: Any) -> html.Div:
    view = ViewParams.from_query(query)
    code = unquote(uscc or "").strip()
    try:
        f = _read(code)
    except InvalidUSCC as exc:
        return _problem(
            view,
            f"代码有误：{exc}",
            "统一社会信用代码为 18 位，第 17、18 位是校验位；请核对后重新输入，或按名称查询。",
            code,
        )
    except EntityNotFound:
        return _problem(
            view, "未找到该主体", "该代码格式正确，但库中没有这个主体（可能尚未导入或已迁出本区）。", code
        )
    except Exception as exc:  # database down or read layer missing: the frame's "data delayed" state
        log.exception("entity file %s could not be read", code)
        return _static(
            screen_frame(
                IDS,
                view,
                title=TITLE,
                ok=False,
                error=type(exc).__name__,
                live=False,
                centre=chart_panel(
                    "一户一档", empty_state("暂时无法读取该主体档案", "请稍后刷新页面"), mode=view.mode
                ),
            )
        )
    if not _in_scope(f.registration.get("street_code")):
        return forbidden_page()
    if auth.current_user_info() is not None:
        auth.record("view_entity", f.uscc, {"name": f.registration.get("name")})
    return _frame(f, view)


@callback(
    Output({"type": UNMASKED, "field": MATCH}, "children"),
    Input({"type": UNMASK, "field": MATCH}, "n_clicks"),
    State(USCC, "data"),
    prevent_initial_call=True,
)
def reveal(n_clicks: int | None, code: str) -> str:
    """Show one personal field of this entity in full, and record who saw it."""
    auth.require("unmask")
    field = (ctx.triggered_id or {}).get("field")
    if not n_clicks or field not in PERSONAL_FIELDS:
        raise PreventUpdate
    if not _in_scope(entity_street(code)):
        raise auth.Forbidden("无权查看")
    reg = auth.reveal(code, field, lambda: entity_file(code, unmasked=True, timeline_limit=1).registration)
    return str(reg.get(field) or "（空）")


@refresh_callback(
    IDS,
    Output(IDS.kpis, "children"),
    Output(IDS.id("radar-graph"), "figure"),
    Output(TIMELINE, "children"),
    inputs=[Input(KINDS, "value")],
    state=[State(USCC, "data"), State(IDS.view, "data")],
)
def refresh(kinds: list[str] | None, code: str, view_query: dict) -> Refreshed:
    view = ViewParams.from_query(view_query)
    f = _read(code)
    if not _in_scope(f.registration.get("street_code")):  # a forged state naming a foreign entity
        raise auth.Forbidden("无权查看")
    facts = ce.fact_strip(f.registration, f.credit, f.catering, f.timeline, truncated=f.timeline_truncated)
    return Refreshed(
        [facts, ce.facet_radar(f.facets, theme=view.theme, mode=view.mode), _timeline(f, view, kinds or [])],
        data_time=f.data_time,
    )
