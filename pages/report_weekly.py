"""周报 print layout (/report/weekly?week=YYYY-Www): the page the weekly PDF is printed from.

Not a screen: it has no navigation category and is not on the wall playlist. The layout is a
series of A4 sheets (``components.report``): cover, contents, the week's overview, one section per
registered domain, and the definitions of every indicator quoted. The root ``#page-report``
carries ``data-status`` (ok / invalid / no-data / error), ``data-pages`` and, once every figure
has been drawn, ``data-ready="true"`` — the signal ``smartsup report weekly`` prints on.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, dcc, html

from components import (
    charts_cases,
    charts_complaints,
    charts_entities,
    charts_safety,
    charts_warnings,
    figures,
)
from components.formatting import format_count, format_datetime, is_missing
from components.labels import GRADE_LABELS, industry_section_name, label
from components.report import (
    CONTENT_WIDTH_PX,
    LOCAL_TZ,
    REPORT_TITLE,
    IndicatorMeta,
    Narrative,
    Reading,
    ReportContext,
    ReportSection,
    ReportWeek,
    Statement,
    WeekComparison,
    WeekError,
    change,
    clause,
    cn_ordinal,
    comparison_table,
    contents,
    cover,
    data_table,
    default_week,
    delta_text,
    figure_block,
    highlights,
    listing,
    message,
    named,
    narrative,
    report_section,
    section_heading,
    section_specs,
    sheet,
    side_by_side,
    street_map,
    sub_heading,
    week_is_complete,
)
from dashboard import auth
from dashboard.screen import jurisdiction
from data_access.api.cases import cases_by
from data_access.api.complaints import complaints_by, top_complained_entities
from data_access.api.entities import credit_class_split
from data_access.api.geo import street_polygons
from data_access.api.indicators import indicator_catalogue, indicator_trend, indicator_values
from data_access.api.safety import equipment_inspection_due, sampling_by_category
from data_access.api.screens4 import (
    assurance_incidents,
    assurance_missions,
    assurance_samplings,
    assurance_sites_by,
)
from data_access.api.status import data_status
from data_access.api.warnings import warnings_by


def _scoped(read: Callable[..., Any]) -> Callable[..., Any]:
    """``read`` limited to the signed-in user's streets (a station's report covers its streets;
    ``smartsup report weekly --office`` acts as that station), unless a call names its scope."""
    @functools.wraps(read)
    def call(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("scope", jurisdiction())
        return read(*args, **kwargs)

    return call


cases_by, complaints_by, top_complained_entities, credit_class_split = map(
    _scoped, (cases_by, complaints_by, top_complained_entities, credit_class_split))
indicator_catalogue, indicator_trend, indicator_values = map(
    _scoped, (indicator_catalogue, indicator_trend, indicator_values))
equipment_inspection_due, sampling_by_category, warnings_by = map(
    _scoped, (equipment_inspection_due, sampling_by_category, warnings_by))


# No category: not in the navigation; wall=False: not on the wall playlist; slug: root "page-report".
dash.register_page(__name__, path="/report/weekly", name="周报", title=f"{REPORT_TITLE} · 智慧监管·云中心",
                   order=900, wall=False, slug="report")

log = logging.getLogger(__name__)

ROOT_ID = "page-report"
GRAPH_COUNT_ID = "report-graph-count"

#: How many weeks the trend charts look back (a quarter: the week in its season).
TREND_WEEKS = 12

#: Indicators whose sum over a week tells whether the store has data for it at all.
ACTIVITY_IDS = ("complaint.received", "entity.new_registrations", "entity.deregistrations",
                "case.opened", "warning.raised", "inspection.done")


class NoData(LookupError):
    """The store has nothing for the requested week (the message says why, in Chinese)."""


# --- reading helpers -----------------------------------------------------------------------------


def _catalogue() -> dict[str, IndicatorMeta]:
    cat = indicator_catalogue()
    return {row.id: IndicatorMeta(row.id, row.name, row.unit, row.value_type, row.definition)
            for row in cat.itertuples(index=False)}


def _values(ids: Sequence[str], period: tuple[date, date], **kwargs: Any) -> pd.DataFrame:
    return indicator_values(tuple(ids), period[0], period[1], **kwargs)


def _single(frame: pd.DataFrame) -> dict[str, float]:
    return dict(zip(frame["indicator_id"], frame["value"], strict=True))


def _weekly(ctx: ReportContext, ids: Sequence[str]) -> dict[str, dict[str, Reading]]:
    """Each period indicator of ``ids`` for the week, the week before and the same week last year."""
    out: dict[str, dict[str, Reading]] = {i: {} for i in ids}
    for period, span in ctx.periods.items():
        values = _single(_values(ids, span))
        for i in ids:
            out[i][period] = ctx.reading(i, period, values.get(i))
    return out


def _state(ctx: ReportContext, ids: Sequence[str]) -> dict[str, Reading]:
    """State indicators as of the data time (the period is ignored by the library)."""
    values = _single(_values(ids, ctx.periods["week"]))
    return {i: ctx.reading(i, "state", values.get(i)) for i in ids}


def _by(ctx: ReportContext, indicator_id: str, dim: str, period: str = "week") -> pd.DataFrame:
    """One indicator broken down by ``dim`` over a period: ``dim, value`` largest first."""
    f = _values((indicator_id,), ctx.periods[period], by=(dim,))
    return f[[dim, "value"]].sort_values(["value", dim], ascending=[False, True]).reset_index(drop=True)


def _comparison(label_text: str, readings: Mapping[str, Reading]) -> WeekComparison:
    return WeekComparison(label_text, readings["week"], readings["previous"], readings["last_year"])


def _weekly_trend(ctx: ReportContext, indicator_id: str) -> pd.DataFrame:
    """The indicator per ISO week over the last ``TREND_WEEKS`` weeks and in the same ISO weeks a
    year earlier (as the tables' 同比 compares): ``week`` (label), ``value``, ``last_year``."""
    weeks = [ctx.week.shifted(-k) for k in range(TREND_WEEKS - 1, -1, -1)]

    def per_week(first: ReportWeek, last: ReportWeek) -> dict[ReportWeek, float]:
        daily = indicator_trend(indicator_id, first.start, last.end, grain="day", with_last_year=False)
        keys = [ReportWeek.containing(d.date()) for d in daily["period"]]
        return daily.groupby(keys)["value"].sum(min_count=1).to_dict()

    now = per_week(weeks[0], weeks[-1])
    before = per_week(weeks[0].last_year, weeks[-1].last_year)
    return pd.DataFrame({"week": [f"第{w.week}周" for w in weeks],
                         "value": [now.get(w) for w in weeks],
                         "last_year": [before.get(w.last_year) for w in weeks]})


def _street_names() -> dict[str, str]:
    return {f["id"]: f["properties"]["name"] for f in street_polygons()["features"]}


def _top(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """The first ``n`` rows with a positive value (a ranking never names a zero)."""
    return frame[frame["value"] > 0].head(n)


def _count(value: object) -> str:
    """A count for a table cell (a breakdown without a row for a key counts zero there)."""
    return format_count(0 if is_missing(value) else value).text


def _opening(text: Narrative, table_title: str, table: Any, trend_title: str, trend_fig: Any) -> list[Any]:
    """A section's first sheet: its narrative, its table of indicators and its trend of TREND_WEEKS weeks."""
    return [narrative(text.statements), sub_heading(table_title), table,
            figure_block(trend_title, _weeks_axis(trend_fig, TREND_WEEKS), height=TREND_HEIGHT)]


def _street_pair(title: str, by_street: pd.DataFrame, unit: str, header: list[str], rows: list[list[Any]],
                 caption: str) -> Any:
    """The week's map of the streets beside the table of the first ten."""
    return side_by_side(figure_block(title, _map(dict(by_street.values), unit), height=MAP_HEIGHT,
                                     width=MAP_WIDTH, note=MAP_NOTE),
                        data_table(header, rows, caption=caption, class_name="report-table--compact",
                                   numeric=[False] + [True] * (len(header) - 1)))


def _weeks_axis(fig: Any, weeks: int) -> Any:
    """Half a week of room at both ends, so the first week's label clears the value axis."""
    fig.update_xaxes(range=[-0.5, weeks - 0.5])
    return fig


def _map(values: Mapping[str, float], unit: str) -> Any:
    return street_map(street_polygons(), values, unit=unit, width=MAP_WIDTH, height=MAP_HEIGHT)


# --- sections ------------------------------------------------------------------------------------

#: Figure sizes (px) on a sheet; with the text around them each page fills without spilling
#: (the CLI checks that no sheet overflows).
TREND_HEIGHT = 230
BAR_HEIGHT = 190
MAP_WIDTH = int(CONTENT_WIDTH_PX * 0.56)
MAP_HEIGHT = 290
RANK_HEIGHT = 230
HALF_WIDTH = CONTENT_WIDTH_PX // 2
WIDE_LEFT = int(CONTENT_WIDTH_PX * 0.53) - 8
MAP_NOTE = "街镇边界为近似划分，仅作示意。"
CREDIT_IDS = tuple(f"credit.class_share.{g}" for g in "ABCD")


@report_section("entities", "主体信息", order=10)
def entities_section(ctx: ReportContext) -> ReportSection | None:
    """主体信息: the stock of entities, the week's registrations and exits, streets, industries, lists."""
    flows = _weekly(ctx, ("entity.new_registrations", "entity.new_enterprises", "entity.new_individuals",
                          "entity.deregistrations", "entity.new_capital", "credit.abnormal_added"))
    state = _state(ctx, ("entity.active_total", "entity.active_enterprise", "entity.active_individual",
                         "entity.abnormal_listed", "entity.serious_dishonest", *CREDIT_IDS))
    new, gone = flows["entity.new_registrations"], flows["entity.deregistrations"]
    if not new["week"].value and not gone["week"].value:
        return None
    names = _street_names()
    by_street = _by(ctx, "entity.new_registrations", "street_code")
    prev_street = dict(_by(ctx, "entity.new_registrations", "street_code", "previous").values)
    active_street = dict(_by(ctx, "entity.active_total", "street_code").values)
    by_section = _by(ctx, "entity.new_registrations", "section")
    streets = [ctx.reading("entity.new_registrations", "week", v, {"street_code": k})
               for k, v in _top(by_street, 3).values]
    sections = [ctx.reading("entity.new_registrations", "week", v, {"section": k})
                for k, v in _top(by_section, 3).values]

    text = Narrative()
    text.add([clause(f"截至{format_datetime(ctx.data_time)}，全区在营市场主体{{0}}",
                     state["entity.active_total"]),
              clause("其中企业{0}、个体工商户{1}", state["entity.active_enterprise"],
                     state["entity.active_individual"])])
    text.add([clause("本周新设市场主体{0}", new["week"]), change(new["week"], new["previous"], "环比"),
              change(new["week"], new["last_year"], "同比")],
             [clause("其中企业{0}、个体工商户{1}", flows["entity.new_enterprises"]["week"],
                     flows["entity.new_individuals"]["week"]),
              clause("新设主体注册资本合计{0}", flows["entity.new_capital"]["week"])],
             [clause("注销、吊销市场主体{0}", gone["week"]), change(gone["week"], gone["previous"], "环比"),
              change(gone["week"], gone["last_year"], "同比")])
    text.add([(f"从街镇看，新设主体最多的是{named(streets, 'street_code', names.__getitem__)}", streets)
              if streets else None],
             [(f"从行业看，新设主体主要集中在{named(sections, 'section', industry_section_name)}", sections)
              if sections else None])
    credit = [state[i] for i in CREDIT_IDS]
    text.add([clause("信用监管方面，本周新列入经营异常名录{0}", flows["credit.abnormal_added"]["week"])],
             [clause("截至数据时间，经营异常名录在列{0}", state["entity.abnormal_listed"]),
              clause("严重违法失信名单在列{0}", state["entity.serious_dishonest"])],
             [clause("在营企业信用风险分类中，"
                     + "、".join(f"{GRADE_LABELS[g]}占{{{k}}}" for k, g in enumerate("ABCD")), *credit)])
    summary = Narrative()
    summary.add([clause("新设市场主体{0}", new["week"]), change(new["week"], new["previous"], "环比"),
                 change(new["week"], new["last_year"], "同比")],
                [clause("注销、吊销{0}", gone["week"]),
                 clause("全区在营市场主体{0}", state["entity.active_total"])])

    table = comparison_table([
        _comparison("新设市场主体", new),
        _comparison("　其中：企业", flows["entity.new_enterprises"]),
        _comparison("　　　　个体工商户", flows["entity.new_individuals"]),
        _comparison("新设主体注册资本", flows["entity.new_capital"]),
        _comparison("注销、吊销市场主体", gone),
        _comparison("新列入经营异常名录", flows["credit.abnormal_added"]),
    ])
    trend = _weekly_trend(ctx, "entity.new_registrations")
    exits = _weekly_trend(ctx, "entity.deregistrations")
    trend_fig = figures.trend(trend["week"], trend["value"], previous=trend["last_year"], name="新设",
                              previous_name="新设（去年同期）", unit="户", theme="light", mode="analyst",
                              others={"注销吊销": list(exits["value"])})
    street_rows = [[names.get(k, k), _count(v), _count(prev_street.get(k)), _count(active_street.get(k))]
                   for k, v in by_street.head(10).values]
    top_sections = _top(by_section, 8)
    page_one = _opening(text, "表：市场主体登记主要指标", table,
                        f"图：近{TREND_WEEKS}周新设与注销吊销市场主体（户）", trend_fig)
    page_two = [sub_heading("各街镇新设市场主体"),
                _street_pair("图：本周各街镇新设市场主体（户）", by_street, "户",
                             ["街镇", "本周新设", "上周新设", "在营主体"], street_rows,
                             "表：新设主体前十位街镇（户）")]
    blocks = []
    if len(top_sections):
        # the screen's industry chart, fed the week's new registrations in industry_mix's shape
        mix = pd.DataFrame({"section": top_sections["section"],
                            "section_name": top_sections["section"].map(industry_section_name),
                            "n": top_sections["value"],
                            "share": top_sections["value"] / by_section["value"].sum()})
        blocks.append(figure_block("图：本周新设市场主体前八位行业门类（户）",
                                   charts_entities.industry_chart(mix, theme="light", mode="analyst"),
                                   height=RANK_HEIGHT, width=WIDE_LEFT))
    classes = credit_class_split()
    if classes["n"].sum():
        credit_fig = charts_entities.credit_chart(classes, theme="light", mode="analyst")
        # the two-line class names fit level on paper; Plotly would tilt them at this width
        credit_fig.update_xaxes(tickangle=0)
        blocks.append(figure_block("图：在营企业信用风险分类（占比）", credit_fig, height=RANK_HEIGHT,
                                   width=CONTENT_WIDTH_PX - WIDE_LEFT - 16))
    if blocks:
        page_two += [sub_heading("行业分布与信用风险"),
                     side_by_side(*blocks, left_share=0.53) if len(blocks) == 2 else blocks[0]]
    return ReportSection("entities", "主体信息", [page_one, page_two], text.statements,
                         summary.statements[0] if summary.statements else None, indicators=(*flows, *state))


@report_section("complaints", "投诉举报", order=60)
def complaints_section(ctx: ReportContext) -> ReportSection | None:
    """投诉举报: received by kind, channel, category and street, top entities, handling and rates."""
    ids = ("complaint.received", "complaint.complaints", "complaint.reports", "complaint.consultations",
           "complaint.closed", "complaint.ontime_rate", "complaint.satisfaction_rate",
           "complaint.recovered_amount")
    w = _weekly(ctx, ids)
    state = _state(ctx, ("complaint.open", "complaint.open_overdue"))
    received = w["complaint.received"]
    if not received["week"].value:
        return None
    names = _street_names()
    by_street = _by(ctx, "complaint.received", "street_code")
    prev_street = dict(_by(ctx, "complaint.received", "street_code", "previous").values)
    by_category = _by(ctx, "complaint.received", "category")
    prev_category = dict(_by(ctx, "complaint.received", "category", "previous").values)
    by_channel = _by(ctx, "complaint.received", "channel")
    start, end = ctx.periods["week"]
    entities = top_complained_entities(start, end, limit=10)

    def part(dim: str, key: str, value: object, period: str = "week") -> Reading:
        return ctx.reading("complaint.received", period, value, {dim: key})

    channels = [part("channel", k, v) for k, v in _top(by_channel, 3).values]
    streets = [part("street_code", k, v) for k, v in _top(by_street, 3).values]
    categories = [(part("category", k, v), part("category", k, prev_category.get(k, 0), "previous"))
                  for k, v in _top(by_category, 3).values]
    top_entities = [(row.name, names.get(row.street_code, ""), part("uscc", row.uscc, row.n))
                    for row in entities.itertuples(index=False) if row.n > 0]

    category_text = []
    for cur, prev in categories:
        delta = change(cur, prev, "环比")
        category_text.append(f"{label('complaint', 'category', cur.dim('category'))}（{cur.text}"
                             + (f"，{delta[0]}" if delta else "") + "）")
    text = Narrative()
    text.add([clause("本周共受理投诉举报{0}", received["week"]),
              change(received["week"], received["previous"], "环比"),
              change(received["week"], received["last_year"], "同比")],
             [clause("其中投诉{0}、举报{1}、咨询{2}", w["complaint.complaints"]["week"],
                     w["complaint.reports"]["week"], w["complaint.consultations"]["week"])])
    channel_name = partial(label, "complaint", "channel")
    text.add([(f"从受理渠道看，{named(channels, 'channel', channel_name, bracket=False)}居前", channels)
              if channels else None],
             [(f"从问题类别看，最集中的是{listing(category_text)}", [r for pair in categories for r in pair])
              if categories else None],
             [(f"从街镇看，{named(streets, 'street_code', names.__getitem__)}受理量居前", streets)
              if streets else None])
    if top_entities:
        shown = top_entities[:3]
        text.add([("被投诉举报较多的主体有" + listing([f"{n}（{r.text}）" for n, _, r in shown]),
                   [r for _, _, r in shown])])
    overdue = state["complaint.open_overdue"]
    text.add([clause("本周办结投诉举报{0}", w["complaint.closed"]["week"]),
              clause("按期办结率{0}", w["complaint.ontime_rate"]["week"]),
              change(w["complaint.ontime_rate"]["week"], w["complaint.ontime_rate"]["previous"], "环比"),
              clause("满意率{0}", w["complaint.satisfaction_rate"]["week"]),
              change(w["complaint.satisfaction_rate"]["week"], w["complaint.satisfaction_rate"]["previous"],
                     "环比")],
             [clause("为消费者挽回经济损失{0}", w["complaint.recovered_amount"]["week"])
              if w["complaint.recovered_amount"]["week"].value else None],
             [clause("截至数据时间，在办投诉举报{0}", state["complaint.open"]),
              clause("其中超期{0}，需督促承办单位加快办理", overdue) if overdue.value
              else clause("无超期未办结件", overdue)])
    summary = Narrative()
    summary.add([clause("受理投诉举报{0}", received["week"]),
                 change(received["week"], received["previous"], "环比"),
                 change(received["week"], received["last_year"], "同比")],
                [clause("按期办结率{0}", w["complaint.ontime_rate"]["week"]),
                 clause("满意率{0}", w["complaint.satisfaction_rate"]["week"])])

    table = comparison_table([
        _comparison("受理投诉举报", received),
        _comparison("　其中：投诉", w["complaint.complaints"]),
        _comparison("　　　　举报", w["complaint.reports"]),
        _comparison("　　　　咨询", w["complaint.consultations"]),
        _comparison("办结投诉举报", w["complaint.closed"]),
        _comparison("按期办结率", w["complaint.ontime_rate"]),
        _comparison("满意率", w["complaint.satisfaction_rate"]),
        _comparison("为消费者挽回经济损失", w["complaint.recovered_amount"]),
    ])
    trend = _weekly_trend(ctx, "complaint.received")
    trend_fig = figures.trend(trend["week"], trend["value"], previous=trend["last_year"], name="本期",
                              previous_name="去年同期", unit="件", theme="light", mode="analyst")
    channel_fig = charts_complaints.channel_chart(complaints_by("channel", start, end), theme="light",
                                                  mode="analyst")
    street_rows = [[names.get(k, k), _count(v), _count(prev_street.get(k))]
                   for k, v in by_street.head(10).values]
    cat = _top(by_category, 8)
    cat_fig = charts_complaints.category_chart(complaints_by("category", start, end), top=8, theme="light",
                                               mode="analyst")
    cat_rows = [[label("complaint", "category", k), _count(v), _count(prev_category.get(k)),
                 delta_text(part("category", k, v), part("category", k, prev_category.get(k), "previous"))]
                for k, v in cat.values]

    page_one = _opening(text, "表：投诉举报主要指标", table, f"图：近{TREND_WEEKS}周受理投诉举报（件）",
                        trend_fig)
    page_two = [sub_heading("各街镇受理情况"),
                _street_pair("图：本周各街镇受理投诉举报（件）", by_street, "件", ["街镇", "本周", "上周"],
                             street_rows, "表：受理量前十位街镇（件）"),
                sub_heading("受理渠道与问题类别"),
                figure_block("图：本周各渠道受理投诉举报（件）", channel_fig, height=BAR_HEIGHT),
                side_by_side(figure_block("图：本周投诉举报前八位类别（件）", cat_fig, height=RANK_HEIGHT,
                                          width=HALF_WIDTH),
                             data_table(["类别", "本周", "上周", "环比"], cat_rows,
                                        caption="表：主要问题类别（件）", numeric=[False, True, True, True],
                                        class_name="report-table--compact"),
                             left_share=0.5)]
    pages = [page_one, page_two]
    if top_entities:
        pages.append([sub_heading("被投诉举报较多的主体"),
                      data_table(["主体名称", "所在街镇", "本周投诉举报"], [[n, s or "—", r.text]
                                                                      for n, s, r in top_entities],
                                 caption="表：本周被投诉举报最多的主体", numeric=[False, False, True])])
    return ReportSection("complaints", "投诉举报", pages, text.statements,
                         summary.statements[0] if summary.statements else None, indicators=(*ids, *state))


# --- 智能预警, 三品一特安全, 稽查办案 ---------------------------------------------------------------

#: Two figures side by side on one sheet under the narrative and the table.
PAIR_HEIGHT = 210
PAIR_WIDTH = HALF_WIDTH - 8
#: The screens' factories in the report's look: light theme, analyst sizes.
PRINT = {"theme": "light", "mode": "analyst"}


def _dim_weekly(ctx: ReportContext, indicator_id: str, dim: str,
                keys: Sequence[str]) -> dict[str, dict[str, Reading]]:
    """One indicator broken down by ``dim`` for the three periods: key → period → reading (a key
    without a row counts zero)."""
    out: dict[str, dict[str, Reading]] = {k: {} for k in keys}
    for period in ctx.periods:
        values = dict(_by(ctx, indicator_id, dim, period).values)
        for k in keys:
            out[k][period] = ctx.reading(indicator_id, period, values.get(k, 0), {dim: k})
    return out


def _top_readings(ctx: ReportContext, indicator_id: str, dim: str, n: int) -> list[Reading]:
    """The week's ``n`` largest positive values of an indicator by ``dim``, as readings."""
    top = _top(_by(ctx, indicator_id, dim), n)
    return [ctx.reading(indicator_id, "week", v, {dim: k}) for k, v in top.values]


def _none_this_week(text: str) -> html.P:
    """What stands where the week's charts would be when the domain had no events."""
    return html.P(text, className="report-note report-none")


def _text_room(fig: Any, extra: float = 0.6) -> Any:
    """More room right of a bar chart's longest bar: at half the page's width the screen's
    allowance for its value text ("145 · 95.2%") would clip it."""
    low, high = fig.layout.xaxis.range
    fig.update_xaxes(range=[low, high + extra * (high - low)])
    return fig


def _pair(left: html.Figure, right: html.Figure) -> html.Div:
    return side_by_side(left, right, left_share=0.5)


@report_section("warnings", "智能预警", order=20)
def warnings_section(ctx: ReportContext) -> ReportSection:
    """智能预警: warnings raised by level and theme, their handling, and the open ones by level.

    Placed straight after 主体信息: open red and orange warnings are what a leader acts on first."""
    ids = ("warning.raised", "warning.closure_rate", "warning.avg_response_minutes",
           "warning.avg_closure_minutes")
    w = _weekly(ctx, ids)
    state = _state(ctx, ("warning.open_total", *(f"warning.open.{lv}" for lv in charts_warnings.LEVELS)))
    levels = _dim_weekly(ctx, "warning.raised", "level", charts_warnings.LEVELS)
    raised = w["warning.raised"]
    level_name = partial(label, "warning", "level")
    raised_levels = [levels[lv]["week"] for lv in charts_warnings.LEVELS if levels[lv]["week"].value]
    themes = _top_readings(ctx, "warning.raised", "theme", 3) if raised["week"].value else []
    red, orange = state["warning.open.red"], state["warning.open.orange"]

    text = Narrative()
    if raised["week"].value:
        text.add([clause("本周全区发出预警{0}", raised["week"]),
                  change(raised["week"], raised["previous"], "环比"),
                  change(raised["week"], raised["last_year"], "同比")],
                 [(f"其中{named(raised_levels, 'level', level_name, bracket=False)}", raised_levels)],
                 [(f"从预警主题看，{named(themes, 'theme', str)}居前", themes) if themes else None])
        text.add([clause("本周发出的预警中已办结{0}", w["warning.closure_rate"]["week"]),
                  clause("平均响应时长{0}", w["warning.avg_response_minutes"]["week"]),
                  clause("平均办结时长{0}", w["warning.avg_closure_minutes"]["week"])])
    else:
        text.add([("本周全区未发出预警", ())])
    text.add([clause("截至数据时间，未办结预警{0}", state["warning.open_total"]),
              clause("其中红色{0}、橙色{1}、黄色{2}、蓝色{3}", red, orange, state["warning.open.yellow"],
                     state["warning.open.blue"])],
             [("红色、橙色预警须优先核查处置", ()) if red.value or orange.value else None])
    severe = [r for r in raised_levels if r.dim("level") in ("red", "orange")]
    summary = Narrative()
    summary.add([clause("发出预警{0}", raised["week"]) if raised["week"].value else ("未发出预警", ()),
                 change(raised["week"], raised["previous"], "环比") if raised["week"].value else None,
                 (f"其中{named(severe, 'level', level_name, bracket=False)}", severe) if severe else None],
                [clause("截至数据时间，未办结红色预警{0}、橙色预警{1}", red, orange)])

    table = comparison_table([
        _comparison("发出预警", raised),
        *(_comparison(("　其中：" if k == 0 else "　　　　") + level_name(lv), levels[lv])
          for k, lv in enumerate(charts_warnings.LEVELS)),
        _comparison("预警办结率", w["warning.closure_rate"]),
        _comparison("平均响应时长", w["warning.avg_response_minutes"]),
        _comparison("平均办结时长", w["warning.avg_closure_minutes"]),
    ])
    page = [narrative(text.statements), sub_heading("表：智能预警主要指标"), table]
    if raised["week"].value:
        start, end = ctx.periods["week"]
        page += [sub_heading("本周预警等级与主题"),
                 _pair(figure_block("图：本周各等级发出预警（条）",
                                    charts_warnings.level_chart(warnings_by("level", start, end), **PRINT),
                                    height=PAIR_HEIGHT, width=PAIR_WIDTH),
                       figure_block("图：本周各主题发出预警（条，办结率）",
                                    charts_warnings.theme_chart(warnings_by("theme", start, end), **PRINT),
                                    height=PAIR_HEIGHT, width=PAIR_WIDTH))]
    else:
        page.append(_none_this_week("本周未发出预警，无预警等级与主题分布图。"))
    return ReportSection("warnings", "智能预警", [page], text.statements,
                         summary.statements[0] if summary.statements else None, indicators=(*ids, *state))


@report_section("safety", "三品一特安全", order=30)
def safety_section(ctx: ReportContext) -> ReportSection:
    """三品一特安全: the week's food sampling, special-equipment inspections, elevator entrapments
    and licences issued, with the equipment overdue or due for inspection as of the data time."""
    ids = ("sampling.batches", "sampling.failed", "sampling.pass_rate", "sampling.followup_rate",
           "equipment.inspections", "equipment.inspection_pass_rate", "licence.issued")
    w = _weekly(ctx, ids)
    state = _state(ctx, ("equipment.elevators", "equipment.elevators_over_15y",
                         "equipment.overdue_inspection", "equipment.due_30d", "licence.expiring_30d"))
    trapped = _dim_weekly(ctx, "incident.reported", "kind", ("elevator_entrapment",))["elevator_entrapment"]
    batches, inspections = w["sampling.batches"], w["equipment.inspections"]
    failed, overdue = w["sampling.failed"]["week"], state["equipment.overdue_inspection"]
    events = [batches["week"], inspections["week"], w["licence.issued"]["week"], trapped["week"]]

    text = Narrative()
    if not any(r.value for r in events):
        text.add([("本周三品一特领域无食品抽检、特种设备检验、许可证发放和电梯困人事件记录", ())])
    if batches["week"].value:
        text.add([clause("食品安全方面，本周完成食品抽检{0}", batches["week"]),
                  change(batches["week"], batches["previous"], "环比"),
                  clause("抽检合格率{0}", w["sampling.pass_rate"]["week"])],
                 [clause("不合格{0}", failed) if failed.value else ("未发现不合格批次", ()),
                  clause("已核查处置{0}", w["sampling.followup_rate"]["week"]) if failed.value else None])
    elif any(r.value for r in events):
        text.add([("食品安全方面，本周未开展食品抽检", ())])
    text.add([clause("特种设备方面，本周完成特种设备检验{0}", inspections["week"])
              if inspections["week"].value else ("特种设备方面，本周未开展特种设备检验", ()),
              clause("检验合格率{0}", w["equipment.inspection_pass_rate"]["week"])],
             [clause("报告电梯困人事件{0}", trapped["week"]) if trapped["week"].value else None],
             [clause("截至数据时间，在用电梯{0}", state["equipment.elevators"]),
              clause("其中使用15年以上{0}", state["equipment.elevators_over_15y"])],
             [clause("超期未检特种设备{0}，应督促使用单位尽快报检", overdue) if overdue.value
              else ("无超期未检特种设备", ()),
              clause("30天内到期待检{0}", state["equipment.due_30d"])])
    text.add([clause("许可方面，本周发放许可证{0}", w["licence.issued"]["week"])
              if w["licence.issued"]["week"].value else ("许可方面，本周未发放许可证", ()),
              clause("截至数据时间，30天内到期许可证{0}", state["licence.expiring_30d"])])
    summary = Narrative()
    summary.add([clause("食品抽检{0}", batches["week"]) if batches["week"].value else ("未开展食品抽检", ()),
                 clause("合格率{0}", w["sampling.pass_rate"]["week"]),
                 clause("特种设备检验{0}", inspections["week"]) if inspections["week"].value else None],
                [clause("截至数据时间，超期未检特种设备{0}", overdue)])

    table = comparison_table([
        _comparison("食品抽检批次", batches),
        _comparison("　其中：不合格", w["sampling.failed"]),
        _comparison("抽检合格率", w["sampling.pass_rate"]),
        _comparison("不合格核查处置率", w["sampling.followup_rate"]),
        _comparison("特种设备检验", inspections),
        _comparison("特种设备检验合格率", w["equipment.inspection_pass_rate"]),
        _comparison("电梯困人事件", trapped),
        _comparison("发放许可证", w["licence.issued"]),
    ])
    start, end = ctx.periods["week"]
    due = equipment_inspection_due()
    due_block = figure_block("图：截至数据时间超期未检与30天内到期特种设备（台）",
                             charts_safety.inspection_due_chart(due, **PRINT),
                             height=PAIR_HEIGHT, width=PAIR_WIDTH) if due["total"].sum() else None
    if batches["week"].value:
        sampling_fig = _text_room(charts_safety.sampling_chart(sampling_by_category(start, end), top=6,
                                                               **PRINT))
        sampling = figure_block("图：本周各类食品抽检批次与合格率", sampling_fig, height=PAIR_HEIGHT,
                                width=PAIR_WIDTH)
        charts = [_pair(sampling, due_block) if due_block else sampling]
    else:
        charts = [_none_this_week("本周未开展食品抽检，无抽检分类图。"), *([due_block] if due_block else [])]
    page = [narrative(text.statements), sub_heading("表：三品一特安全主要指标"), table,
            sub_heading("食品抽检与特种设备检验"), *charts]
    return ReportSection("safety", "三品一特安全", [page], text.statements,
                         summary.statements[0] if summary.statements else None,
                         indicators=(*ids, "incident.reported", *state))


@report_section("cases", "稽查办案", order=70)
def cases_section(ctx: ReportContext) -> ReportSection:
    """稽查办案: cases opened and closed, causes and sources, penalties, and the open caseload
    against the 90-day limit. After 投诉举报, where many cases start."""
    ids = ("case.opened", "case.closed", "case.decisions", "case.fines_total", "case.confiscation_total",
           "case.transferred_to_police", "case.closed_within_90d_rate", "case.avg_duration_minutes")
    w = _weekly(ctx, ids)
    state = _state(ctx, ("case.open", "case.approaching_limit", "case.overdue_open"))
    opened, closed, decisions = w["case.opened"], w["case.closed"], w["case.decisions"]
    fines, police = w["case.fines_total"]["week"], w["case.transferred_to_police"]["week"]
    overdue = state["case.overdue_open"]
    cause_name, source_name = partial(label, "case_file", "cause"), partial(label, "case_file", "source")
    causes = _top_readings(ctx, "case.opened", "cause", 3) if opened["week"].value else []
    sources = _top_readings(ctx, "case.opened", "source", 2) if opened["week"].value else []

    text = Narrative()
    if not (opened["week"].value or closed["week"].value or decisions["week"].value):
        text.add([("本周无立案、结案和处罚决定", ())])
    else:
        text.add([clause("本周立案{0}", opened["week"]) if opened["week"].value else ("本周无新立案件", ()),
                  change(opened["week"], opened["previous"], "环比"),
                  change(opened["week"], opened["last_year"], "同比"),
                  clause("结案{0}", closed["week"]), change(closed["week"], closed["previous"], "环比")],
                 [(f"从案由看，{named(causes, 'cause', cause_name)}居前", causes) if causes else None,
                  (f"从案件来源看，{named(sources, 'source', source_name)}居前", sources)
                  if sources else None],
                 [clause("移送公安机关{0}", police) if police.value else None])
        text.add([clause("本周作出处罚决定{0}", decisions["week"]) if decisions["week"].value else None,
                  clause("罚款{0}", fines) if fines.value else None,
                  clause("没收{0}", w["case.confiscation_total"]["week"])
                  if w["case.confiscation_total"]["week"].value else None],
                 [clause("本周结案中90天内结案率{0}", w["case.closed_within_90d_rate"]["week"]),
                  clause("平均办案时长{0}", w["case.avg_duration_minutes"]["week"])])
    text.add([clause("截至数据时间，在办案件{0}", state["case.open"]),
              clause("其中立案满60天的临近时限案件{0}", state["case.approaching_limit"])
              if state["case.approaching_limit"].value else None,
              clause("超期未结案件{0}，应加快办理", overdue) if overdue.value else ("无超期未结案件", ())])
    summary = Narrative()
    summary.add([clause("立案{0}、结案{1}", opened["week"], closed["week"]),
                 clause("作出罚款{0}", fines) if fines.value else None],
                [clause("截至数据时间，超期未结案件{0}，应加快办理", overdue) if overdue.value else None])

    table = comparison_table([
        _comparison("立案", opened),
        _comparison("结案", closed),
        _comparison("处罚决定", decisions),
        _comparison("罚款金额", w["case.fines_total"]),
        _comparison("没收金额", w["case.confiscation_total"]),
        _comparison("移送公安", w["case.transferred_to_police"]),
        _comparison("90天内结案率", w["case.closed_within_90d_rate"]),
        _comparison("平均办案时长", w["case.avg_duration_minutes"]),
    ])
    page = [narrative(text.statements), sub_heading("表：稽查办案主要指标"), table]
    if opened["week"].value:
        start, end = ctx.periods["week"]
        page += [sub_heading("本周立案的案由与来源"),
                 _pair(figure_block("图：本周立案前六位案由（件）",
                                    charts_cases.cause_chart(cases_by("cause", start, end), top=6, **PRINT),
                                    height=PAIR_HEIGHT, width=PAIR_WIDTH),
                       figure_block("图：本周立案来源（件）",
                                    charts_cases.source_chart(cases_by("source", start, end), **PRINT),
                                    height=PAIR_HEIGHT, width=PAIR_WIDTH))]
    else:
        page.append(_none_this_week("本周无新立案件，无案由与来源分布图。"))
    return ReportSection("cases", "稽查办案", [page], text.statements,
                         summary.statements[0] if summary.statements else None, indicators=(*ids, *state))


# --- the report: overview, sections, definitions -------------------------------------------------

# --- 重大事项保障 and 社会共治 (issue 12) -----------------------------------------------------------

ASSURANCE_PERIOD_IDS = ("assurance.patrols", "assurance.patrol_problem_rate", "assurance.rapid_tests")
ASSURANCE_STATE_IDS = ("assurance.sites", "assurance.sites_high", "assurance.patrols_overdue")
#: Rows of the mission's samplings and incidents listed in the section (the sheet holds these).
ASSURANCE_LIST_ROWS = 6
COGOV_PERIOD_IDS = ("cogov.qr_scans", "cogov.qr_problem_reports", "cogov.mediations_closed",
                    "cogov.mediation_success_rate")
COGOV_STATE_IDS = ("cogov.commitments_active",)


def _week_mission(ctx: ReportContext) -> pd.Series | None:
    """The assurance mission whose days (start to end) meet the report week, if any (the latest)."""
    m = assurance_missions()
    start, end = ctx.periods["week"]
    hit = m[(m["starts_on"].dt.date < end) & (m["ends_on"].dt.date >= start)]
    return hit.iloc[-1] if len(hit) else None


def _mission_state(ctx: ReportContext, mission_id: int) -> dict[str, Reading]:
    """The mission's sites (state indicators of that mission, as of the data time)."""
    f = _values(ASSURANCE_STATE_IDS, ctx.periods["week"], by=("mission_id",))
    f = f[f["mission_id"].astype(str) == str(mission_id)]
    values = _single(f)
    return {i: ctx.reading(i, "state", values.get(i, 0.0), {"mission_id": str(mission_id)})
            for i in ASSURANCE_STATE_IDS}


@report_section("assurance", "重大事项保障", order=25)
def assurance_section(ctx: ReportContext) -> ReportSection | None:
    """重大事项保障, only in a week that an assurance mission (a 进博会-style week) meets: the mission,
    its sites by tier, the week's patrols and rapid tests, overdue patrols, and the mission's
    samplings and incidents during the week."""
    mission = _week_mission(ctx)
    if mission is None:
        return None
    mid = int(mission["id"])
    w = _weekly(ctx, ASSURANCE_PERIOD_IDS)
    state = _mission_state(ctx, mid)
    patrols = w["assurance.patrols"]
    days = f"{mission['starts_on']:%-m月%-d日}至{mission['ends_on']:%-m月%-d日}"
    active = mission["phase"] == "active"

    text = Narrative()
    text.add_text(f"本周开展{mission['name']}（{days}）。")
    if active:  # the site indicators count the sites of the mission in progress at the data time
        text.add([clause("截至数据时间保障点位{0}", state["assurance.sites"]),
                  clause("其中高风险点位{0}", state["assurance.sites_high"])])
    text.add([clause("本周巡查{0}", patrols["week"]),
              change(patrols["week"], patrols["previous"], "环比"),
              clause("巡查发现问题率{0}", w["assurance.patrol_problem_rate"]["week"]),
              clause("完成快检{0}", w["assurance.rapid_tests"]["week"])])
    if active:
        overdue = state["assurance.patrols_overdue"]
        text.add([clause("截至数据时间，超过巡查间隔未巡查的点位{0}", overdue) if overdue.value
                  else ("截至数据时间，各点位均按巡查间隔巡查", ())])
    summary = Narrative()
    summary.add([(f"{mission['name']}进行中" if active else f"{mission['name']}", ()),
                 clause("本周巡查{0}", patrols["week"]),
                 clause("保障点位{0}", state["assurance.sites"]) if active else None])

    table = comparison_table([_comparison("保障巡查", patrols),
                              _comparison("巡查发现问题率", w["assurance.patrol_problem_rate"]),
                              _comparison("快检批次", w["assurance.rapid_tests"])])
    start, end = (pd.Timestamp(d) for d in ctx.periods["week"])
    samplings = assurance_samplings(mid, None, 200).frame
    samplings = samplings[(samplings["sampled_on"] >= start) & (samplings["sampled_on"] < end)]
    incidents = assurance_incidents(mid, None, 200).frame
    incidents = incidents[(incidents["reported_at"] >= start) & (incidents["reported_at"] < end)]
    tiers = assurance_sites_by("risk_tier", mid).set_index("risk_tier")
    kinds = assurance_sites_by("kind", mid)
    site_rows = [[label("assurance_site", "risk_tier", t), format_count(tiers.loc[t, "n"], "个").text]
                 for t in tiers.index]
    site_rows.append(["合计", format_count(tiers["n"].sum(), "个").text])
    kind_text = "、".join(f"{label('assurance_site', 'kind', k)}{format_count(n, '个').text}"
                          for k, n in zip(kinds["kind"], kinds["n"], strict=True) if n)
    page = [narrative(text.statements), sub_heading("表：保障巡查主要指标"), table,
            sub_heading(f"保障点位（按风险等级；按类型：{kind_text}）"),
            data_table(["风险等级", "点位"], site_rows, numeric=[False, True]),
            sub_heading("本周保障点位食品抽检")]
    if len(samplings):
        page.append(data_table(
            ["抽检日期", "点位", "类型", "食品类别", "结果"],
            [[f"{r.sampled_on:%-m月%-d日}", r.entity_name or "—",
              label("assurance_site", "kind", r.site_kind), str(r.food_category),
              label("food_sampling", "result", r.result)]
             for r in samplings.head(ASSURANCE_LIST_ROWS).itertuples(index=False)]))
    else:
        page.append(_none_this_week("本周保障点位未开展食品抽检。"))
    page.append(sub_heading("本周保障期内突发事件"))
    if len(incidents):
        page.append(data_table(
            ["报告时间", "类型", "概要", "位置"],
            [[f"{r.reported_at:%-m月%-d日 %H:%M}", label("incident", "kind", r.kind), r.summary or "—",
              "保障点位" if r.at_site else "周边"]
             for r in incidents.head(ASSURANCE_LIST_ROWS).itertuples(index=False)]))
    else:
        page.append(_none_this_week("本周保障点位及周边未报告突发事件。"))
    return ReportSection("assurance", "重大事项保障", [page], text.statements,
                         summary.statements[0] if summary.statements else None,
                         indicators=(*ASSURANCE_PERIOD_IDS, *ASSURANCE_STATE_IDS))


def _cogov_overview(ctx: ReportContext, text: Narrative) -> tuple[list[WeekComparison], tuple[str, ...]]:
    """社会共治 in the overview: a paragraph (public QR scans, mediations and their success rate,
    放心消费 commitments in force) and the rows it adds to the overview's table."""
    w = _weekly(ctx, COGOV_PERIOD_IDS)
    state = _state(ctx, COGOV_STATE_IDS)
    scans, closed = w["cogov.qr_scans"], w["cogov.mediations_closed"]
    text.add([clause("【社会共治】本周公众扫码{0}", scans["week"]),
              change(scans["week"], scans["previous"], "环比"),
              clause("其中反映问题{0}", w["cogov.qr_problem_reports"]["week"]),
              clause("办结消费纠纷调解{0}", closed["week"]) if closed["week"].value else None,
              clause("调解成功率{0}", w["cogov.mediation_success_rate"]["week"])
              if closed["week"].value else None,
              clause("截至数据时间放心消费承诺单位{0}", state["cogov.commitments_active"])])
    rows = [_comparison("公众扫码", scans), _comparison("消费纠纷调解办结", closed),
            _comparison("调解成功率", w["cogov.mediation_success_rate"])]
    return rows, (*COGOV_PERIOD_IDS, *COGOV_STATE_IDS)


OVERVIEW_TITLE = "本周综述"
APPENDIX_TITLE = "附：指标口径"
#: Rows of the definitions table a sheet holds (a one-line row is about 29 px of the ~900 px left
#: under the heading; each further line of a definition adds 0.6 of a row), and the characters of
#: a definition per line. The CLI refuses a sheet that overflows, so these err on the short side.
APPENDIX_LINES = 28
DEFINITION_CHARS_PER_LINE = 24
#: Column names in the catalogue's definitions ("成立日期（established_on）"): for the data team,
#: not for the report's readers.
_COLUMN_NAME = re.compile(r"[（(][a-z_]+[）)]|\s*\b[a-z]+(?:_[a-z]+)+\b\s*")


@dataclass
class WeeklyReport:
    """A built report: its sheets and everything the CLI archives or a test compares."""

    week: ReportWeek
    data_time: datetime
    data_version: int | str | None
    generated_at: datetime
    sheets: list[html.Section]
    sections: list[ReportSection]
    overview: list[Statement]
    graph_count: int
    indicators: tuple[str, ...] = ()

    @property
    def statements(self) -> list[Statement]:
        """Every paragraph of the narrative, overview first."""
        return [*self.overview, *(s for sec in self.sections for s in sec.narrative)]

    @property
    def readings(self) -> list[Reading]:
        """Every reading behind a number of the narrative."""
        return [r for s in self.statements for r in s.readings]


def _overview(ctx: ReportContext, sections: Sequence[ReportSection]) -> tuple[list[Statement], list[Any],
                                                                             tuple[str, ...]]:
    """The overview: the key numbers at a glance, each section's summary (智能预警 and 稽查办案
    included), then the week's incidents (应急处置 has no section of its own yet), and a table."""
    ids = ("entity.new_registrations", "complaint.received", "complaint.ontime_rate", "warning.raised",
           "case.opened", "case.closed", "case.fines_total", "incident.reported")
    states = ("incident.open",)
    w = _weekly(ctx, ids)
    state = _state(ctx, states)
    raised = w["warning.raised"]
    incidents, open_incidents = w["incident.reported"]["week"], state["incident.open"]

    text = Narrative()
    text.add_text(f"{ctx.week.label}，全区市场监管主要情况如下。")
    for sec in sections:
        if sec.summary is not None:
            text.add_text(f"【{sec.title}】{sec.summary.text}", sec.summary.readings)
    text.add([clause("【应急处置】本周报告突发事件{0}", incidents) if incidents.value
              else clause("【应急处置】本周未报告突发事件", incidents),
              clause("截至数据时间尚未处置完毕{0}", open_incidents) if open_incidents.value else None])
    cogov_rows, cogov_ids = _cogov_overview(ctx, text)
    glance = highlights([_comparison("新设市场主体", w["entity.new_registrations"]),
                         _comparison("受理投诉举报", w["complaint.received"]),
                         _comparison("投诉举报按期办结率", w["complaint.ontime_rate"]),
                         _comparison("发出预警", raised)])
    table = comparison_table([_comparison("新设市场主体", w["entity.new_registrations"]),
                              _comparison("受理投诉举报", w["complaint.received"]),
                              _comparison("投诉举报按期办结率", w["complaint.ontime_rate"]),
                              _comparison("发出预警", raised),
                              _comparison("立案", w["case.opened"]),
                              _comparison("结案", w["case.closed"]),
                              _comparison("罚款金额", w["case.fines_total"]),
                              _comparison("突发事件", w["incident.reported"]),
                              *cogov_rows])
    body = [glance, narrative(text.statements), sub_heading("表：本周主要指标"), table]
    return text.statements, body, (*ids, *states, *cogov_ids)


def _notes(ctx: ReportContext) -> list[str]:
    version = f"（数据版本：第 {ctx.data_version} 版）" if ctx.data_version is not None else ""
    return [
        f"本报告由智慧监管·云中心根据指标库自动生成，统计周期为{ctx.week.label}，"
        f"数据截至{format_datetime(ctx.data_time)}{version}。",
        f"“环比”与上周（{ctx.week.previous.short_label}）相比，“同比”与去年同一周次"
        f"（{ctx.week.last_year.short_label}）相比；比率类指标的变化以百分点表示。",
        "标明“截至数据时间”的数字是数据截至时的状态（如在营主体、在办件），不限于本周。",
        "各项数字均取自指标库，口径见附表；街镇边界为近似划分，仅作示意。",
    ]


def _appendix_pages(rows: list[list[str]]) -> list[list[list[str]]]:
    """The definitions table cut into sheets by the lines its rows take."""
    pages: list[list[list[str]]] = [[]]
    used = 0.0
    for row in rows:
        cost = 1 + 0.6 * (math.ceil(len(row[1]) / DEFINITION_CHARS_PER_LINE) - 1)
        if pages[-1] and used + cost > APPENDIX_LINES:
            pages.append([])
            used = 0.0
        pages[-1].append(row)
        used += cost
    return pages


def _count_graphs(component: Any) -> int:
    if isinstance(component, dcc.Graph):
        return 1
    if isinstance(component, list | tuple):
        return sum(_count_graphs(c) for c in component)
    children = getattr(component, "children", None)
    return 0 if children is None or isinstance(children, str) else _count_graphs(children)


def _context(week: object, bureau: str) -> ReportContext:
    status = data_status()
    if not status.get("data_version") or not status.get("data_time"):
        raise NoData("读优化层尚未构建，没有可用于周报的数据：请先运行 smartsup refresh")
    data_time = datetime.fromisoformat(str(status["data_time"]))
    wk = ReportWeek.parse(week) if week else default_week(data_time)
    if not week_is_complete(wk, data_time):
        raise NoData(f"{wk.label}尚未结束（数据截至{format_datetime(data_time)}），还没有完整的一周数据")
    ctx = ReportContext(wk, data_time, status["data_version"], bureau, _catalogue())
    activity = _single(_values(ACTIVITY_IDS, ctx.periods["week"]))
    if not any(not is_missing(v) and v > 0 for v in activity.values()):
        raise NoData(f"{wk.label}库中没有业务数据（登记、投诉举报、预警、检查、立案均为零）")
    return ctx


def _with_office(bureau: str) -> str:
    """The issuer on the cover: the bureau, and the station for a station's own report."""
    info = auth.current_user_info()
    if info is None or info.streets is None or not info.office_code:
        return bureau
    from data_access.identity import get_office

    office = get_office(info.office_code)
    return f"{bureau} {office['name']}" if office else bureau


def weekly_report(week: object = None, *, bureau: str, generated_at: datetime | None = None) -> WeeklyReport:
    """Build the report of ``week`` (``YYYY-Www``; default: the last full week before the data time).

    Raises ``WeekError`` for a malformed week and ``NoData`` when the store has nothing for it; a
    failing read raises whatever the read API raised.
    """
    ctx = _context(week, _with_office(bureau))
    generated_at = generated_at or datetime.now(LOCAL_TZ).replace(tzinfo=None)
    sections = [built for spec in section_specs() if (built := spec.build(ctx)) is not None]
    overview, overview_body, overview_ids = _overview(ctx, sections)
    statements = [*overview, *(s for sec in sections for s in sec.narrative)]
    indicators = tuple(dict.fromkeys([*overview_ids, *(i for sec in sections for i in sec.indicators),
                                      *(r.indicator_id for s in statements for r in s.readings)]))
    definitions = [[ctx.catalogue[i].name, _COLUMN_NAME.sub("", ctx.catalogue[i].definition),
                    ctx.catalogue[i].display_unit, i] for i in indicators]

    toc: list[tuple[str, str, int]] = []
    bodies: list[tuple[str, list[Any]]] = [("cover", []), ("toc", [])]
    toc.append(("一、", OVERVIEW_TITLE, len(bodies) + 1))
    bodies.append(("body", [section_heading(1, OVERVIEW_TITLE), *overview_body]))
    for n, sec in enumerate(sections, start=2):
        toc.append((f"{cn_ordinal(n)}、", sec.title, len(bodies) + 1))
        bodies.extend(("body", [section_heading(n, sec.title), *page] if k == 0 else page)
                      for k, page in enumerate(sec.pages))
    toc.append(("", APPENDIX_TITLE, len(bodies) + 1))
    for k, rows in enumerate(_appendix_pages(definitions)):
        title = APPENDIX_TITLE if k == 0 else f"{APPENDIX_TITLE}（续）"
        bodies.append(("body", [html.H2(title, className="report-h2"),
                                data_table(["指标", "口径", "单位", "编号"], rows,
                                           class_name="report-table--definitions")]))
    bodies[0] = ("cover", cover(bureau=ctx.bureau, week=ctx.week, data_time=ctx.data_time,
                                data_version=ctx.data_version, generated_at=generated_at))
    bodies[1] = ("toc", contents(toc, _notes(ctx)))
    header = (bureau, f"{REPORT_TITLE} · {ctx.week.short_label}")
    sheets = [sheet(body, number=i, total=len(bodies), header=None if kind == "cover" else header, kind=kind)
              for i, (kind, body) in enumerate(bodies, start=1)]
    return WeeklyReport(ctx.week, ctx.data_time, ctx.data_version, generated_at, sheets, sections, overview,
                        graph_count=_count_graphs(sheets), indicators=indicators)


# --- page ----------------------------------------------------------------------------------------


def _root(children: Any, *, status: str, week: ReportWeek | None = None, pages: int = 0,
          graphs: int = 0) -> html.Div:
    title = f"{REPORT_TITLE} {week.short_label}" if week else REPORT_TITLE
    return html.Div([dcc.Store(id=GRAPH_COUNT_ID, data=graphs), html.Div(children, className="report-desk")],
                    id=ROOT_ID, className=f"report report--{status}",
                    **{"data-status": status, "data-week": week.code if week else "",
                       "data-pages": str(pages), "data-title": title})


def layout(week: object = None, app_config: Mapping[str, Any] | None = None, **_query: Any) -> html.Div:
    if isinstance(week, list | tuple):
        week = week[0] if week else None
    bureau = (app_config or {}).get("bureau_name") or "市场监督管理局"
    try:
        report = weekly_report(week, bureau=bureau)
    except WeekError as exc:
        return _root(message("周次参数有误", str(exc), hint="周报地址形如 /report/weekly?week=2026-W47；"
                             "不带 week 参数时显示数据时间之前最近一个完整周。"), status="invalid")
    except NoData as exc:
        return _root(message("该周没有可用数据", str(exc)), status="no-data")
    except Exception:  # a failed read shows a plain message, never a half-filled report
        log.exception("周报数据读取失败：week=%s", week)
        return _root(message("数据读取失败", "暂时无法读取该周数据，请稍后重试；"
                             "如持续出现，请联系系统管理员。"), status="error")
    return _root(report.sheets, status="ok", week=report.week, pages=len(report.sheets),
                 graphs=report.graph_count)


# The page is ready to print once every figure has been drawn, the DOM has stopped changing (a
# figure's auto-margins can redraw it once after its first paint) and the fonts are loaded. The
# document's title (the PDF's title) then names the week.
_READY_JS = """
function (expected) {
  return new Promise(function (resolve) {
    var root = document.getElementById("page-report");
    var last = performance.now();
    var seen = new MutationObserver(function () { last = performance.now(); });
    if (root) { seen.observe(root, {subtree: true, childList: true, attributes: true}); }
    function drawn(gd) { return gd._fullLayout && gd._fullData && gd.querySelector(".main-svg"); }
    function check() {
      var plots = root ? Array.prototype.slice.call(root.querySelectorAll(".js-plotly-plot")) : [];
      if (plots.length >= (expected || 0) && plots.every(drawn) && performance.now() - last > 150) {
        seen.disconnect();
        if (root) { document.title = root.getAttribute("data-title") || document.title; }
        document.fonts.ready.then(function () {
          requestAnimationFrame(function () { requestAnimationFrame(function () { resolve("true"); }); });
        });
      } else {
        setTimeout(check, 50);
      }
    }
    check();
  });
}
"""

dash.clientside_callback(_READY_JS, Output(ROOT_ID, "data-ready"), Input(GRAPH_COUNT_ID, "data"))
