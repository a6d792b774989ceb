"""一户一档 building blocks: the 五官图 radar, the event timeline, tag chips, grade badges, the
registration card (personal data arrives masked from the read API and is shown as it comes) and
the one-pin map. Each takes the parts of the read API's entity file (plain dicts and DataFrames),
so the weekly report can draw the same pieces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import html

from components.figures import empty, radar
from components.formatting import DASH, format_date, format_datetime, format_money, format_number, is_missing
from components.labels import GRADE_LABELS, label
from components.lists import scrolling_list
from components.maps import MapPoints, district_map
from components.panels import empty_state
from components.theme import GRADE_COLOURS, palette

#: The five facets of the 五官图 (data.md §7, model 3), in drawing order.
FACET_LABELS: dict[str, str] = {
    "qualification": "资质",
    "supervision": "监管",
    "complaint": "投诉",
    "enforcement": "执法",
    "credit": "信用",
}

#: Kinds of timeline event, in the order the filter lists them.
TIMELINE_KINDS: dict[str, str] = {
    "complaint": "投诉举报",
    "inspection": "监督检查",
    "case": "立案查处",
    "warning": "预警",
    "sampling": "食品抽检",
    "equipment_inspection": "设备检验",
}

#: Units of the per-kind counts on the fact strip.
TIMELINE_UNITS: dict[str, str] = {
    "complaint": "件",
    "inspection": "次",
    "case": "件",
    "warning": "条",
    "sampling": "批次",
    "equipment_inspection": "次",
}

CAPITAL_LEVELS: dict[str, str] = {"low": "低", "medium": "中", "high": "高"}
CAPITAL_FLAGS: dict[str, str] = {
    "frequent_capital_change": "注册资本频繁变更",
    "frequent_shareholder_change": "股东频繁变更",
    "short_lived_link": "关联主体短期注销",
    "clustered_address": "集中登记地址",
}

#: Timeline kinds stamped with a date only (the others carry a time of day).
_DATE_ONLY = {"inspection", "case", "sampling", "equipment_inspection"}

MASK_NOTE = ("法定代表人姓名、电话等个人信息已脱敏显示；"
             "有权限的管理员可逐项点击查看原文，每次查看记入审计日志。")
FACET_NOTE = "五个方面各 0–100 分，分值越高表示该方面记录越良好。"


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return DASH
    return str(value)


def _date(value: Any) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return DASH
    if isinstance(value, str):
        return format_date(value, "short")
    if isinstance(value, datetime | date):
        return format_date(value, "short")
    return _text(value)


# --- the 五官图 ----------------------------------------------------------------------------


def facet_radar(facets: Mapping[str, float], *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """The 五官图: five facets (资质/监管/投诉/执法/信用, 0–100) as a radar.

    Each axis label carries its score, so the wall can be read without hovering. Without scores
    (only active entities are scored) the figure says so instead of drawing an empty web.
    """
    if not facets or not any(k in facets for k in FACET_LABELS):
        return empty("暂无五官图评分（仅对存续主体评分）", theme=theme, mode=mode)
    scores = [float(facets.get(k, 0.0) or 0.0) for k in FACET_LABELS]
    axes = [f"{name}<br>{score:.0f}" for name, score in zip(FACET_LABELS.values(), scores, strict=True)]
    fig = radar(axes, {"五官图": scores}, theme=theme, mode=mode)
    fig.update_traces(mode="lines+markers", marker=dict(size=9 if mode == "wall" else 6))
    # two-line axis labels (facet and score) need room above and below the web
    pad = 56 if mode == "wall" else 44
    fig.update_layout(
        polar=dict(radialaxis=dict(tickvals=[20, 40, 60, 80, 100])), margin=dict(l=pad, r=pad, t=pad, b=pad)
    )
    return fig


# --- badges, chips, the registration card ------------------------------------------------------


def grade_badge(title: str, grade: Any, *, suffix: str = "类", detail: str | None = None) -> html.Div:
    """A labelled grade (信用风险分类 D类, 餐饮风险等级 B级) coloured A (best) … D (worst)."""
    g = _text(grade)
    known = g in GRADE_COLOURS
    return html.Div(
        [
            html.Div(title, className="grade-title"),
            html.Div(
                f"{g}{suffix}" if known else g,
                className=f"grade-value grade-{g.lower() if known else 'none'}",
                title=GRADE_LABELS.get(g, ""),
            ),
            html.Div(detail, className="grade-detail") if detail else None,
        ],
        className="grade-badge",
    )


def tag_chips(tags: pd.DataFrame, *, mode: str = "wall") -> html.Div:
    """The entity's tags (标签库) as chips; the tag's rule is the chip's tooltip."""
    if tags is None or tags.empty:
        return html.Div(empty_state("暂无标签"), className="tag-chips")
    chips = [
        html.Span(
            _text(row.get("name")),
            className=f"tag-chip tag-chip--{mode}",
            title=f"{_text(row.get('theme'))}：{_text(row.get('rule'))}",
            **{"data-tag": _text(row.get("tag_id"))},
        )
        for row in tags.to_dict("records")
    ]
    return html.Div(chips, className="tag-chips")


def registration_rows(registration: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The registration facts as (label, text) pairs, in reading order.

    The legal representative's name and phone are shown as the read API gives them (masked
    unless an authorised caller asked otherwise).
    """
    r = registration
    capital = r.get("registered_capital")
    section = r.get("section")
    industry = _text(r.get("section_name"))
    if r.get("industry_code"):
        industry = f"{industry}（{section or '?'} 门类 · {r['industry_code']} 大类）"
    status = label("entity", "status", r.get("status"))
    if r.get("status") != "active" and r.get("status_changed_on"):
        status = f"{status}（{_date(r.get('status_changed_on'))}）"
    return [
        ("主体名称", _text(r.get("name"))),
        ("统一社会信用代码", _text(r.get("uscc"))),
        ("主体类型", label("entity", "entity_type", r.get("entity_type"))),
        ("所属行业", industry),
        ("注册资本", DASH if is_missing(capital) else format_money(float(capital) * 10_000, "万元").text),
        ("成立日期", _date(r.get("established_on"))),
        ("登记状态", status),
        ("住所", _text(r.get("address"))),
        ("所属街镇", _text(r.get("street_name"))),
        ("法定代表人", _text(r.get("legal_rep_name"))),
        ("联系电话", _text(r.get("legal_rep_phone"))),
    ]


def registration_card(
    registration: Mapping[str, Any], *, mode: str = "wall", masked: bool = True
) -> html.Div:
    """The registration facts as a two-column table, with a note that personal data is masked."""
    rows = [html.Tr([html.Th(k, scope="row"), html.Td(v)]) for k, v in registration_rows(registration)]
    children: list[Any] = [html.Table(html.Tbody(rows), className=f"reg-table reg-table--{mode}")]
    if masked:
        children.append(
            html.Div([html.I(className="bi bi-shield-lock me-1"), MASK_NOTE], className="mask-note")
        )
    return html.Div(children, className="reg-card")


def risk_summary(
    credit: Mapping[str, Any] | None,
    catering: Mapping[str, Any] | None,
    capital: Mapping[str, Any] | None,
    credit_lists: pd.DataFrame | None,
    *,
    mode: str = "wall",
) -> html.Div:
    """Credit risk class, catering risk grade (where the entity is rated), capital-operation risk
    and the credit lists (经营异常名录 …) the entity is or was on."""
    badges = [
        grade_badge(
            "信用风险分类", (credit or {}).get("risk_class"), detail=_score_text((credit or {}).get("score"))
        )
    ]
    if catering:
        badges.append(
            grade_badge(
                "餐饮食品安全风险",
                catering.get("risk_grade"),
                suffix="级",
                detail=_score_text(catering.get("score")),
            )
        )
    if capital:
        level = CAPITAL_LEVELS.get(str(capital.get("level")), _text(capital.get("level")))
        flags = [CAPITAL_FLAGS.get(f, f) for f in str(capital.get("flags") or "").split(",") if f]
        badges.append(
            html.Div(
                [
                    html.Div("资本运作风险", className="grade-title"),
                    html.Div(level, className=f"grade-value capital-{capital.get('level')}"),
                    html.Div("、".join(flags) if flags else "无异常特征", className="grade-detail"),
                ],
                className="grade-badge",
            )
        )
    lists: Any
    if credit_lists is None or credit_lists.empty:
        lists = html.Div("未列入经营异常名录、严重违法失信名单或联合惩戒名单", className="risk-clear")
    else:
        items = []
        for row in credit_lists.to_dict("records"):
            removed = row.get("removed_on")
            state = f"{_date(removed)} 移出" if not is_missing_date(removed) else "仍在名单"
            items.append(
                html.Li(
                    [
                        html.Span(label("credit_list", "list", row.get("list")), className="risk-list-name"),
                        html.Span(
                            f"{_date(row.get('listed_on'))} 列入 · {state}", className="risk-list-when"
                        ),
                        html.Div(_text(row.get("reason")), className="risk-list-reason"),
                    ],
                    className="risk-list-item"
                    + ("" if not is_missing_date(removed) else " risk-list-item--open"),
                )
            )
        lists = html.Ul(items, className="risk-lists")
    return html.Div(
        [html.Div(badges, className=f"grade-row grade-row--{mode}"), lists], className="risk-summary"
    )


def is_missing_date(value: Any) -> bool:
    """True for None, NaT, NaN and the empty string."""
    return value is None or value is pd.NaT or value == "" or (isinstance(value, float) and value != value)


def _score_text(score: Any) -> str | None:
    return None if is_missing(score) else f"评分 {float(score):.1f}"


def licence_list(licences: pd.DataFrame, *, mode: str = "wall") -> html.Div:
    """The entity's licences: kind, number, expiry and status (on the wall's narrow column the status
    replaces the expiry date of a licence that is no longer valid)."""
    rows = []
    for r in licences.to_dict("records") if licences is not None else []:
        status = label("licence", "status", r.get("status"))
        expires = _date(r.get("expires_on"))
        rows.append(
            {
                "kind": label("licence", "kind", r.get("kind")),
                "no": _text(r.get("licence_no")),
                "expires": expires if mode != "wall" or r.get("status") == "valid" else status,
                "status": status,
            }
        )
    if mode == "wall":
        columns, widths = (
            [("kind", "许可类别"), ("no", "许可证编号"), ("expires", "有效期至")],
            ["1fr", "1.3fr", "0.9fr"],
        )
    else:
        columns = [("kind", "许可类别"), ("no", "许可证编号"), ("expires", "有效期至"), ("status", "状态")]
        widths = ["1.25fr", "1.55fr", "1.05fr", "0.55fr"]
    return scrolling_list(rows, columns, mode=mode, visible_rows=3, widths=widths, empty_text="无许可证记录")


def related_records(
    equipment: pd.DataFrame,
    devices: pd.DataFrame,
    online_stores: pd.DataFrame,
    changes: pd.DataFrame,
    *,
    mode: str = "wall",
) -> html.Div:
    """Special equipment, monitoring devices, online stores and registration changes, one line each."""
    rows: list[dict[str, Any]] = []
    for r in equipment.to_dict("records"):
        rows.append(
            {
                "kind": label("equipment", "kind", r.get("kind")),
                "ref": _text(r.get("equipment_code")),
                "detail": f"下次检验 {_date(r.get('next_inspection_due'))}",
                "status": label("equipment", "status", r.get("status")),
            }
        )
    for r in devices.to_dict("records"):
        rows.append(
            {
                "kind": label("device", "kind", r.get("kind")),
                "ref": _text(r.get("device_id")),
                "detail": label("device", "venue_category", r.get("venue_category"))
                if r.get("venue_category")
                else DASH,
                "status": label("device", "status", r.get("status")),
            }
        )
    for r in online_stores.to_dict("records"):
        rows.append(
            {
                "kind": f"网店 · {label('online_store', 'platform', r.get('platform'))}",
                "ref": _text(r.get("store_name")),
                "detail": f"开设 {_date(r.get('opened_on'))}",
                "status": label("online_store", "status", r.get("status")),
            }
        )
    for r in changes.to_dict("records"):
        rows.append(
            {
                "kind": f"变更 · {label('entity_change', 'field', r.get('field'))}",
                "ref": _date(r.get("changed_on")),
                "detail": f"{_text(r.get('old_value'))} → {_text(r.get('new_value'))}",
                "status": "已登记",
            }
        )
    return scrolling_list(
        rows,
        [("kind", "类别"), ("ref", "编号/名称"), ("detail", "说明"), ("status", "状态")],
        mode=mode,
        visible_rows=3,
        widths=["1.3fr", "1.4fr", "2.2fr", "0.7fr"],
        empty_text="无特种设备、监控设备、网店或变更记录",
    )


# --- the timeline ---------------------------------------------------------------------------


def _event_title(kind: str, title: Any) -> str:
    if kind == "inspection":
        return label("inspection", "kind", title)
    if kind == "case":
        return f"{label('case_file', 'cause', title)}案件"
    if kind == "sampling":
        return f"抽检 · {_text(title)}"
    if kind == "equipment_inspection":
        return f"{label('equipment', 'kind', title)}定期检验"
    return _text(title)


def _event_status(kind: str, status: Any) -> str:
    if kind == "inspection":
        return "待检查" if status == "planned" else label("inspection", "result", status)
    table, column = {
        "complaint": ("complaint", "status"),
        "case": ("case_file", "stage"),
        "warning": ("warning", "status"),
        "sampling": ("food_sampling", "result"),
        "equipment_inspection": ("equipment_inspection", "result"),
    }.get(kind, ("", ""))
    return label(table, column, status)


def timeline_rows(timeline: pd.DataFrame, kinds: Sequence[str] | None = None) -> list[dict[str, str]]:
    """Timeline events as display rows (newest first), optionally only of ``kinds``.

    Keys: ``kind`` (code), ``kind_label``, ``when``, ``title``, ``status``, ``ref``.
    """
    if timeline is None or timeline.empty:
        return []
    frame = timeline if kinds is None else timeline[timeline["kind"].isin(list(kinds))]
    out = []
    for r in frame.to_dict("records"):
        kind = str(r.get("kind"))
        at = r.get("at")
        when = (
            DASH
            if is_missing_date(at)
            else (format_date(at, "short") if kind in _DATE_ONLY else format_datetime(at, "short"))
        )
        out.append(
            {
                "kind": kind,
                "kind_label": TIMELINE_KINDS.get(kind, kind),
                "when": when,
                "title": _event_title(kind, r.get("title")),
                "status": _event_status(kind, r.get("status")),
                "ref": _text(r.get("ref")),
            }
        )
    return out


def timeline_counts(timeline: pd.DataFrame) -> dict[str, int]:
    """Events per kind, every kind present (0 when none), in ``TIMELINE_KINDS`` order."""
    counts = timeline["kind"].value_counts() if timeline is not None and not timeline.empty else {}
    return {k: int(counts.get(k, 0)) for k in TIMELINE_KINDS}


def kind_options(timeline: pd.DataFrame) -> list[dict[str, Any]]:
    """Checklist options of the timeline filter: each kind with its count; empty kinds disabled."""
    counts = timeline_counts(timeline)
    return [
        {"label": f"{name}（{counts[k]}）", "value": k, "disabled": counts[k] == 0}
        for k, name in TIMELINE_KINDS.items()
    ]


def timeline(
    events: Sequence[Mapping[str, str]],
    *,
    mode: str = "wall",
    max_rows: int = 150,
    truncated: bool = False,
    visible_rows: int = 4,
) -> html.Div:
    """The event timeline, newest first: a vertical timeline for analysts, a scrolling ticker on
    the wall. ``events`` are ``timeline_rows``; at most ``max_rows`` of them are drawn (a note says
    how many there are); ``truncated`` says the read itself stopped before the oldest events."""
    shown = list(events[:max_rows])
    notes = []
    if len(events) > len(shown):
        notes.append(
            f"共 {format_number(len(events))} 条，显示最近 {format_number(len(shown))} 条"
            + ("；可按类别筛选查看更早的记录" if mode != "wall" else "")
            + "。"
        )
    if truncated:
        notes.append("更早的事件未读取。")
    note = html.Div("".join(notes), className="timeline-note") if notes else None
    if mode == "wall":
        rows = [
            {**e, "kind_chip": html.Span(e["kind_label"], className=f"tl-kind tl-kind--{e['kind']}")}
            for e in shown
        ]
        columns = [("when", "时间"), ("kind_chip", "类别"), ("title", "事项"), ("status", "状态")]
        ticker = scrolling_list(
            rows,
            columns,
            mode="wall",
            visible_rows=visible_rows,
            widths=["190px", "130px", "1fr", "120px"],
            empty_text="暂无相关事件",
        )
        return html.Div([ticker, note], className="timeline timeline--wall")
    if not shown:
        return html.Div(
            empty_state("暂无相关事件", "所选类别下没有检查、投诉、案件、预警、抽检或设备检验记录"),
            className="timeline timeline--analyst",
        )
    items = [
        html.Li(
            [
                html.Div(e["when"], className="tl-time"),
                html.Div(className=f"tl-dot tl-dot--{e['kind']}"),
                html.Div(
                    [
                        html.Div(
                            [
                                html.Span(e["kind_label"], className=f"tl-kind tl-kind--{e['kind']}"),
                                html.Span(e["status"], className="tl-status"),
                                html.Span(e["ref"], className="tl-ref"),
                            ],
                            className="tl-meta",
                        ),
                        html.Div(e["title"], className="tl-title"),
                    ],
                    className="tl-body",
                ),
            ],
            className="tl-item",
        )
        for e in shown
    ]
    return html.Div([html.Ol(items, className="tl-list"), note], className="timeline timeline--analyst")


# --- the fact strip and the map pin ---------------------------------------------------------------


def fact_card(
    title: str,
    value: Any,
    *,
    unit: str = "",
    tone: str | None = None,
    wide: bool = False,
    detail: str | None = None,
) -> html.Div:
    """A small headline fact about one entity (not an indicator: it carries no ``data-indicator``)."""
    cls = "fact-card" + (" fact-card--wide" if wide else "") + (f" fact-card--{tone}" if tone else "")
    return html.Div(
        [
            html.Div(title, className="fact-title"),
            html.Div(
                [
                    html.Span(_text(value), className="fact-value"),
                    html.Span(unit, className="fact-unit") if unit else None,
                ],
                className="fact-line",
            ),
            html.Div(detail, className="fact-detail") if detail else None,
        ],
        className=cls,
    )


def fact_strip(
    registration: Mapping[str, Any],
    credit: Mapping[str, Any] | None,
    catering: Mapping[str, Any] | None,
    timeline_frame: pd.DataFrame,
    *,
    truncated: bool = False,
) -> list[html.Div]:
    """The headline facts of an entity file: who it is, its status and grades, and how many events of
    each kind its timeline holds ("≥" when the timeline was cut)."""
    status = registration.get("status")
    cards = [
        fact_card("主体名称", registration.get("name"), wide=True, detail=_text(registration.get("uscc"))),
        fact_card(
            "登记状态",
            label("entity", "status", status),
            tone="good" if status == "active" else "muted",
            detail=label("entity", "entity_type", registration.get("entity_type")),
        ),
        fact_card(
            "信用风险分类",
            (credit or {}).get("risk_class") or DASH,
            tone=f"grade-{str((credit or {}).get('risk_class', '')).lower()}" if credit else None,
            detail="企业信用风险分类" if credit else "未分类",
        ),
    ]
    if catering:
        cards.append(
            fact_card(
                "餐饮风险等级",
                catering.get("risk_grade"),
                tone=f"grade-{str(catering.get('risk_grade', '')).lower()}",
                detail="餐饮食品安全",
            )
        )
    counts = timeline_counts(timeline_frame)
    for kind in ("complaint", "inspection", "case", "warning"):
        n = counts[kind]
        cards.append(
            fact_card(TIMELINE_KINDS[kind], f"≥{n}" if truncated and n else n, unit=TIMELINE_UNITS[kind])
        )
    return cards


def entity_pin_map(
    streets_geojson: Any,
    registration: Mapping[str, Any],
    *,
    theme: str = "dark",
    mode: str = "wall",
    tile_url: str | None = None,
) -> go.Figure | None:
    """The district with the entity's street highlighted and one pin at its address (no tiles
    unless an intranet tile server is configured). None when the entity has no coordinates."""
    lon, lat = registration.get("lon"), registration.get("lat")
    if is_missing(lon) or is_missing(lat):
        return None
    street = registration.get("street_code")
    pin = MapPoints(
        name="主体位置",
        lon=[float(lon)],
        lat=[float(lat)],
        text=[f"{_text(registration.get('name'))}<br>{_text(registration.get('address'))}"],
        color=palette(theme).warn,
        size=18 if mode == "wall" else 14,
    )
    # the entity's street at the top of the colour scale, every other street at the bottom
    values = {street: 1.0} if street else {}
    fig = district_map(
        streets_geojson,
        values,
        points=[pin],
        theme=theme,
        mode=mode,
        tile_url=tile_url,
        show_scale=False,
        uirevision="entity-pin",
    )
    # the 0/1 behind the highlight means nothing to a reader: hovering a street names it, no more
    fig.update_traces(
        hovertemplate="<b>%{customdata[0]}</b><extra></extra>", selector={"type": "choroplethmap"}
    )
    return fig
