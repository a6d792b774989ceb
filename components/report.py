"""Print layout of the weekly report (周报): A4 sheets, cover, contents, narrative, tables, figures.

The report is laid out as explicit A4 sheets, each with its own running header and page footer,
so the page numbers ("第 N 页 共 M 页") and the contents' page references are known when the
layout is built and the PDF prints the same from the CLI as from a browser's print dialog
(``assets/print.css`` gives every sheet exactly one page). Figures are the screens' figures
(``components.figures``) at a fixed print size, drawn as SVG; the street map is a plain
``go.Choropleth`` (SVG, no WebGL, nothing to download) instead of the screens' MapLibre map.

Sections come from a registry: a screen's module registers a builder with ``report_section``
and the weekly page calls every registered builder in order. Builders read the read API; the
factories here only take values and return components (they never query).

Every number in the narrative is a ``Reading`` — an indicator value with its period — so the
values a paragraph uses travel with its text (``Statement.readings``) and tests can compare
them with the indicator library.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html
from plotly.colors import sample_colorscale

from components.figures import figure
from components.formatting import (
    DASH,
    format_datetime,
    format_delta,
    format_number,
    format_rate,
    format_value,
    format_week,
    is_missing,
)
from components.theme import palette

REPORT_TITLE = "市场监管周报"

try:
    from zoneinfo import ZoneInfo

    #: The report's clock: the bureau's local time, whatever the server's zone.
    LOCAL_TZ: tzinfo = ZoneInfo("Asia/Shanghai")
except (ImportError, KeyError):  # no tz database: China has kept UTC+8 without DST since 1991
    LOCAL_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

#: A4 at 96 CSS px per inch, less the sheet's side margins (18 mm each, ``assets/print.css``):
#: the width figures are drawn at, so a chart is never rescaled between screen and paper.
CONTENT_WIDTH_PX = 656

#: Display units of the indicator value types (the catalogue's "比例" reads as a percentage).
_TYPE_UNITS = {"rate": "%", "money": "元", "duration": "分钟"}

_CN_DIGITS = "零一二三四五六七八九"


def cn_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一: section numbers as Chinese documents write them."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


# --- weeks ---------------------------------------------------------------------------------------

_WEEK_RE = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


class WeekError(ValueError):
    """A ``week`` parameter that is not an ISO week (the message says what is expected)."""


@dataclass(frozen=True, order=True)
class ReportWeek:
    """An ISO week (Monday–Sunday); its period is the half-open ``[start, end)`` of dates."""

    year: int
    week: int

    @classmethod
    def parse(cls, text: object) -> ReportWeek:
        """``2026-W47`` (also ``2026W47``, ``2026-w7``) → the week; ``WeekError`` otherwise."""
        m = _WEEK_RE.match(str(text or ""))
        if not m:
            raise WeekError(f"周次格式不正确：{str(text)!r}，应为 YYYY-Www，例如 2026-W47")
        year, week = int(m.group(1)), int(m.group(2))
        # the report also reads the same week a year earlier and a quarter of weeks before it
        if not 1901 <= year <= 9998:
            raise WeekError(f"周次 {str(text)!r} 的年份超出范围（1901–9998），例如 2026-W47")
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise WeekError(f"{year} 年没有第 {week} 周（ISO 周次为 1–{weeks_in_year(year)}）") from None
        return cls(year, week)

    @classmethod
    def containing(cls, day: date) -> ReportWeek:
        """The week that ``day`` falls in."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def start(self) -> date:
        """Its Monday."""
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def end(self) -> date:
        """The Monday after (exclusive end of the period)."""
        return self.start + timedelta(days=7)

    @property
    def last_day(self) -> date:
        """Its Sunday."""
        return self.start + timedelta(days=6)

    @property
    def code(self) -> str:
        """``2026-W47``: the URL parameter and the archive's file name."""
        return f"{self.year}-W{self.week:02d}"

    @property
    def label(self) -> str:
        """``2026年第47周（11月16日—11月22日）``."""
        return format_week(self.year, self.week, self.start, self.last_day)

    @property
    def short_label(self) -> str:
        """``2026年第47周``: the running header."""
        return f"{self.year}年第{self.week}周"

    def shifted(self, weeks: int) -> ReportWeek:
        """The week ``weeks`` weeks later (earlier when negative)."""
        return ReportWeek.containing(self.start + timedelta(weeks=weeks))

    @property
    def previous(self) -> ReportWeek:
        """The week before (环比's base)."""
        return self.shifted(-1)

    @property
    def last_year(self) -> ReportWeek:
        """The same ISO week a year earlier (同比's base); week 53 compares with week 52."""
        return ReportWeek(self.year - 1, min(self.week, weeks_in_year(self.year - 1)))


def weeks_in_year(year: int) -> int:
    """52 or 53: ISO years have 53 weeks when 28 December falls in week 53."""
    return date(year, 12, 28).isocalendar().week


def default_week(data_time: datetime | date) -> ReportWeek:
    """The last full ISO week before the data time (the week the Monday report covers)."""
    day = data_time.date() if isinstance(data_time, datetime) else data_time
    return ReportWeek.containing(day).previous


def week_is_complete(week: ReportWeek, data_time: datetime | date) -> bool:
    """True when the data reach past the week's last day (its Sunday has fully passed)."""
    day = data_time.date() if isinstance(data_time, datetime) else data_time
    return week.end <= day


# --- readings and narrative ----------------------------------------------------------------------

@dataclass(frozen=True)
class IndicatorMeta:
    """What the report needs to know about an indicator (from the read API's catalogue)."""

    id: str
    name: str
    unit: str
    value_type: str
    definition: str = ""

    @property
    def display_unit(self) -> str:
        """The unit the value is shown in (``%`` for rates, ``元`` for money …)."""
        return _TYPE_UNITS.get(self.value_type, self.unit)


@dataclass(frozen=True)
class Reading:
    """One indicator value the report uses: which indicator, over which period (``week``, the
    ``previous`` week, the same week ``last_year``, or the ``state`` as of the data time) and
    breakdown (``dims``: a street, a category …)."""

    meta: IndicatorMeta
    period: str
    value: float | None
    dims: tuple[tuple[str, str], ...] = ()

    @property
    def indicator_id(self) -> str:
        """The indicator's id."""
        return self.meta.id

    @property
    def missing(self) -> bool:
        """True when there is no value (e.g. a rate with nothing to divide by)."""
        return is_missing(self.value)

    @property
    def text(self) -> str:
        """The value as the report prints it (``2,345件``, ``98.1%``, ``12.35万元``)."""
        return format_value(self.value, self.meta.display_unit).text

    def dim(self, name: str) -> str:
        """The value of breakdown dimension ``name`` (a street code, a category …)."""
        return dict(self.dims)[name]

    def as_json(self) -> dict[str, Any]:
        """A plain form for the archive's sidecar and for tests."""
        return {"indicator_id": self.indicator_id, "period": self.period, "dims": dict(self.dims),
                "value": None if self.missing else float(self.value),  # type: ignore[arg-type]
                "text": self.text}


@dataclass(frozen=True)
class Statement:
    """A paragraph of the narrative and the readings its numbers come from."""

    text: str
    readings: tuple[Reading, ...] = ()


Clause = tuple[str, Sequence[Reading]]


class Narrative:
    """Collects a section's paragraphs. A clause whose value is missing is left out (and a
    sentence or paragraph left empty with it), so no placeholder ever reaches the page."""

    def __init__(self) -> None:
        self.statements: list[Statement] = []

    def add(self, *sentences: Iterable[Clause | None]) -> None:
        """A paragraph: each sentence is a list of ``(text, readings)`` clauses joined by "，" and
        closed by "。"; ``None`` clauses are dropped."""
        texts: list[str] = []
        readings: list[Reading] = []
        for sentence in sentences:
            kept = [c for c in sentence if c is not None]
            if kept:
                texts.append("，".join(t for t, _ in kept) + "。")
                readings.extend(r for _, rs in kept for r in rs)
        if texts:
            self.statements.append(Statement("".join(texts), tuple(readings)))

    def add_text(self, text: str, readings: Sequence[Reading] = ()) -> None:
        """A paragraph written whole."""
        self.statements.append(Statement(text, tuple(readings)))


def clause(template_text: str, *readings: Reading) -> Clause | None:
    """``template_text`` with ``{0}``, ``{1}`` … replaced by the readings' printed values; None when any
    of them is missing (the clause is then left out)."""
    if any(r.missing for r in readings):
        return None
    return template_text.format(*(r.text for r in readings)), readings


def change(current: Reading, base: Reading, label: str) -> Clause | None:
    """``环比上升4.2%`` / ``同比下降0.3个百分点`` / ``环比持平``; None without a usable base.

    Counts and money change relatively; rates by percentage points. The base is a reading too,
    so both values behind the percentage are on record.
    """
    if current.missing or base.missing:
        return None
    cur, prev = float(current.value), float(base.value)  # type: ignore[arg-type]
    if current.meta.value_type == "rate":
        points = round((cur - prev) * 100, 1)
        if points == 0:
            return f"{label}持平", (current, base)
        verb = "上升" if points > 0 else "下降"
        return f"{label}{verb}{format_number(abs(points), 1)}个百分点", (current, base)
    if prev == 0:
        return None
    rel = (cur - prev) / prev
    shown = format_rate(abs(rel))
    if shown.target == 0:
        return f"{label}持平", (current, base)
    return f"{label}{'上升' if rel > 0 else '下降'}{shown.text}", (current, base)


def delta_text(current: Reading, base: Reading) -> str:
    """The change for a table cell (``↑4.2%``, ``↓0.3个百分点``), ``—`` when there is no base."""
    if current.missing or base.missing:
        return DASH
    cur, prev = float(current.value), float(base.value)  # type: ignore[arg-type]
    if current.meta.value_type == "rate":
        return format_delta(cur - prev, "%") or DASH
    if prev == 0:
        return DASH
    return format_delta((cur - prev) / prev, current.meta.unit) or DASH


def listing(items: Sequence[str], *, conj: str = "和") -> str:
    """``甲``, ``甲和乙``, ``甲、乙和丙``."""
    if len(items) <= 1:
        return "".join(items)
    return "、".join(items[:-1]) + conj + items[-1]


def named(readings: Sequence[Reading], dim: str, name_of: Callable[[str], str], *,
          bracket: bool = True) -> str:
    """Readings of one breakdown named by their ``dim`` value: ``莘庄镇（12户）、七宝镇（9户）和…``
    (``bracket=False``: ``12345市民热线35件、…``)."""
    return listing([f"{name_of(r.dim(dim))}（{r.text}）" if bracket else f"{name_of(r.dim(dim))}{r.text}"
                    for r in readings])


# --- sections and their registry -----------------------------------------------------------------


@dataclass(frozen=True)
class WeekComparison:
    """The same indicator this week, the week before and the same week last year (a table row)."""

    label: str
    week: Reading
    previous: Reading
    last_year: Reading


@dataclass
class ReportContext:
    """What a section builder is given: the weeks, the data's time and version, indicator metadata."""

    week: ReportWeek
    data_time: datetime
    data_version: int | str | None
    bureau: str
    catalogue: Mapping[str, IndicatorMeta]

    def reading(self, indicator_id: str, period: str, value: object,
                dims: Mapping[str, str] | None = None) -> Reading:
        """A ``Reading`` of ``indicator_id`` (NaN and None both mean "no value")."""
        v = None if is_missing(value) else float(value)  # type: ignore[arg-type]
        return Reading(self.catalogue[indicator_id], period, v, tuple(sorted((dims or {}).items())))

    @property
    def periods(self) -> dict[str, tuple[date, date]]:
        """The three periods of a weekly comparison as ``[start, end)``."""
        return {"week": (self.week.start, self.week.end),
                "previous": (self.week.previous.start, self.week.previous.end),
                "last_year": (self.week.last_year.start, self.week.last_year.end)}


@dataclass
class ReportSection:
    """A built section: its pages (each a list of components that fits one sheet), its narrative,
    and the one-paragraph summary the overview quotes."""

    key: str
    title: str
    pages: list[list[Any]]
    narrative: list[Statement] = field(default_factory=list)
    summary: Statement | None = None
    indicators: tuple[str, ...] = ()


SectionBuilder = Callable[[ReportContext], "ReportSection | None"]


@dataclass(frozen=True)
class SectionSpec:
    """A registered section: key, title, place in the report, and its builder."""

    key: str
    title: str
    order: float
    build: SectionBuilder


#: The registry of section builders (key → spec); re-registering a key replaces it, so a page
#: module re-imported for a second app does not add its section twice.
SECTIONS: dict[str, SectionSpec] = {}


def report_section(key: str, title: str, order: float) -> Callable[[SectionBuilder], SectionBuilder]:
    """Register a weekly-report section builder (returns ``None`` when it has nothing to report)."""
    def decorate(fn: SectionBuilder) -> SectionBuilder:
        SECTIONS[key] = SectionSpec(key, title, order, fn)
        return fn
    return decorate


def section_specs() -> list[SectionSpec]:
    """The registered sections in report order."""
    return sorted(SECTIONS.values(), key=lambda s: (s.order, s.key))


# --- print-layout factories ----------------------------------------------------------------------


def sheet(children: Any, *, number: int, total: int, header: tuple[str, str] | None,
          kind: str = "body") -> html.Section:
    """One A4 page: running header (``header`` = left and right text; none on the cover), the body,
    and the footer ``第 N 页 共 M 页``."""
    parts: list[Any] = []
    if header is not None:
        parts.append(html.Header([html.Span(header[0]), html.Span(header[1])], className="report-sheet-head"))
    parts.append(html.Div(children, className="report-sheet-body"))
    if kind != "cover":
        parts.append(html.Footer(f"第 {number} 页 共 {total} 页", className="report-sheet-foot"))
    return html.Section(parts, className=f"report-sheet report-sheet--{kind}", **{"data-page": str(number)})


def cover(*, bureau: str, week: ReportWeek, data_time: datetime, data_version: object,
          generated_at: datetime) -> list[Any]:
    """The cover: title, the week, the bureau, data time and version."""
    facts = [("统计周期", week.label), ("数据截至", format_datetime(data_time)),
             ("数据版本", f"第 {data_version} 版" if data_version is not None else DASH),
             ("编制时间", format_datetime(generated_at))]
    return [
        html.Div("内部资料　注意保存", className="report-cover-mark"),
        html.Div([
            html.Div(bureau, className="report-cover-bureau"),
            html.H1(f"《{REPORT_TITLE}》", className="report-cover-title"),
            html.Div(week.label, className="report-cover-week"),
        ], className="report-cover-main"),
        html.Table(html.Tbody([html.Tr([html.Th(k), html.Td(v)]) for k, v in facts]),
                   className="report-cover-facts"),
        html.Div([html.Div(bureau), html.Div("智慧监管·云中心　自动生成")], className="report-cover-foot"),
    ]


def contents(entries: Sequence[tuple[str, str, int]], notes: Sequence[str] = ()) -> list[Any]:
    """The table of contents: ``(number, title, page)`` per entry, dotted leaders; ``notes`` below
    (how the report was compiled)."""
    items = [html.Li([html.Span(f"{no}{title}", className="toc-title"),
                      html.Span(className="toc-leader"), html.Span(str(page), className="toc-page")],
                     className="toc-entry") for no, title, page in entries]
    parts: list[Any] = [html.H2("目　录", className="report-toc-heading"),
                        html.Ol(items, className="report-toc")]
    if notes:
        notes_block = [html.H3("编制说明", className="report-h3"),
                       *[html.P(n, className="report-note") for n in notes]]
        parts.append(html.Div(notes_block, className="report-notes"))
    return parts


def section_heading(ordinal: int, title: str) -> html.H2:
    """``二、主体信息``."""
    return html.H2(f"{cn_ordinal(ordinal)}、{title}", className="report-h2")


def sub_heading(text: str) -> html.H3:
    """A titled part of a section (a chart, a table)."""
    return html.H3(text, className="report-h3")


def narrative(statements: Sequence[Statement]) -> html.Div:
    """The narrative: one indented paragraph per statement."""
    return html.Div([html.P(s.text, className="report-p") for s in statements], className="report-narrative")


def highlights(items: Sequence[WeekComparison]) -> html.Div:
    """The week at a glance: a row of boxes, each a big number with its 环比 and 同比."""
    boxes = []
    for item in items:
        boxes.append(html.Div([
            html.Div(item.label, className="report-hl-name"),
            html.Div(item.week.text, className="report-hl-value"),
            html.Div([html.Div(f"环比 {delta_text(item.week, item.previous)}"),
                      html.Div(f"同比 {delta_text(item.week, item.last_year)}")],
                     className="report-hl-delta"),
        ], className="report-hl"))
    return html.Div(boxes, className="report-highlights")


def comparison_table(rows: Sequence[WeekComparison], *, caption: str | None = None) -> html.Table:
    """指标 | 本周 | 上周 | 环比 | 去年同期 | 同比 — one row per indicator."""
    head = html.Thead(html.Tr([html.Th("指标")] + [html.Th(t, className="num")
                                                   for t in ("本周", "上周", "环比", "去年同期", "同比")]))
    body = html.Tbody([
        html.Tr([html.Td(r.label)] + [html.Td(text, className="num") for text in (
            r.week.text, r.previous.text, delta_text(r.week, r.previous),
            r.last_year.text, delta_text(r.week, r.last_year))])
        for r in rows])
    return _table([head, body], caption)


def data_table(columns: Sequence[str], rows: Sequence[Sequence[str]], *, caption: str | None = None,
               numeric: Sequence[bool] | None = None, class_name: str = "") -> html.Table:
    """A plain table of text cells; ``numeric`` right-aligns columns of numbers."""
    numeric = list(numeric or [False] * len(columns))
    head = html.Thead(html.Tr([html.Th(c, className="num" if n else None) for c, n in zip(columns, numeric,
                                                                                          strict=True)]))
    body = html.Tbody([html.Tr([html.Td(cell, className="num" if n else None)
                                for cell, n in zip(row, numeric, strict=True)]) for row in rows])
    return _table([head, body], caption, class_name)


def _table(parts: list[Any], caption: str | None, class_name: str = "") -> html.Table:
    if caption:
        parts = [html.Caption(caption), *parts]
    return html.Table(parts, className=f"report-table {class_name}".strip())


def print_figure(fig: go.Figure, *, height: int, width: int = CONTENT_WIDTH_PX) -> dcc.Graph:
    """A figure at a fixed print size, static (no hover, no mode bar): SVG on paper as on screen."""
    fig.update_layout(width=width, height=height, autosize=False, paper_bgcolor="#ffffff",
                      plot_bgcolor="#ffffff")
    return dcc.Graph(figure=fig, responsive=False, className="report-graph",
                     config={"staticPlot": True, "displayModeBar": False, "displaylogo": False},
                     style={"width": f"{width}px", "height": f"{height}px"})


def figure_block(title: str, fig: go.Figure, *, height: int, width: int = CONTENT_WIDTH_PX,
                 note: str | None = None) -> html.Figure:
    """A titled figure (``图：…``) with an optional source note under it."""
    parts: list[Any] = [html.Figcaption(title, className="report-figcaption"),
                        print_figure(fig, height=height, width=width)]
    if note:
        parts.append(html.Div(note, className="report-figure-note"))
    return html.Figure(parts, className="report-figure")


def side_by_side(left: Any, right: Any, *, left_share: float = 0.58) -> html.Div:
    """Two blocks in one row (a map beside its table)."""
    return html.Div([html.Div(left, className="report-col", style={"flex": f"0 0 {left_share * 100:.0f}%"}),
                     html.Div(right, className="report-col report-col--rest")], className="report-row")


def _rings(geometry: Mapping[str, Any]) -> list[list[tuple[float, float]]]:
    """The outer rings of a (Multi)Polygon; holes are left out (街镇 have none worth drawing)."""
    if geometry.get("type") == "Polygon":
        return [[(float(x), float(y)) for x, y, *_ in geometry["coordinates"][0]]]
    if geometry.get("type") == "MultiPolygon":
        return [[(float(x), float(y)) for x, y, *_ in poly[0]] for poly in geometry["coordinates"]]
    return []


def street_map(streets_geojson: Mapping[str, Any], values_by_street: Mapping[str, float], *,
               unit: str, width: int, height: int) -> go.Figure:
    """The 街镇 choropleth for paper: filled SVG polygons on plain axes, names on the map.

    The screens' map is a MapLibre (WebGL) trace, which prints as a bitmap at best, and Plotly's
    geo traces fetch a world topojson from the internet; polygons on cartesian axes (x = longitude,
    y = latitude, scaled by cos(latitude) so the district keeps its shape) need neither. Streets
    without a value are drawn at zero; the colours are the light theme's sequential scale.
    """
    p = palette("light")
    scale = [[i / (len(p.sequential) - 1), c] for i, c in enumerate(p.sequential)]
    features = list(streets_geojson["features"])
    top = max((float(values_by_street.get(str(f.get("id")), 0) or 0) for f in features), default=0.0) or 1.0
    fig = figure("light", "analyst")
    lats: list[float] = []
    for f in features:
        code = str(f.get("id") or f["properties"].get("code"))
        value = float(values_by_street.get(code, 0) or 0)
        colour = sample_colorscale(scale, [value / top])[0]
        for ring in _rings(f["geometry"]):
            xs, ys = zip(*ring, strict=True)
            lats.extend(ys)
            fig.add_scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=colour,
                            line=dict(color="#ffffff", width=0.8), hoverinfo="skip", showlegend=False)
    names = [str(f["properties"].get("name", "")) for f in features]
    values = [float(values_by_street.get(str(f.get("id")), 0) or 0) for f in features]
    fig.add_scatter(
        x=[float(f["properties"]["lon"]) for f in features],
        y=[float(f["properties"]["lat"]) for f in features],
        mode="text", text=[_map_label(n) for n in names], hoverinfo="skip", showlegend=False,
        textfont=dict(size=10, color=["#ffffff" if v / top > 0.55 else p.text for v in values]),
    )
    # an invisible marker layer carries the colour bar
    fig.add_scatter(x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
                    marker=dict(color=[0, top], cmin=0, cmax=top, colorscale=scale, showscale=True,
                                colorbar=dict(thickness=8, len=0.45, x=1.0, xanchor="left", y=0.02,
                                              yanchor="bottom", outlinewidth=0, tickformat=",d",
                                              title=dict(text=unit, side="top"),
                                              tickfont=dict(size=9))))
    mid = math.radians((min(lats) + max(lats)) / 2) if lats else 0.0
    fig.update_xaxes(visible=False, showgrid=False, zeroline=False)
    fig.update_yaxes(visible=False, showgrid=False, zeroline=False, scaleanchor="x",
                     scaleratio=1 / math.cos(mid))
    fig.update_layout(margin=dict(l=0, r=40, t=0, b=0), width=width, height=height, showlegend=False)
    return fig


def _map_label(name: str) -> str:
    """``七宝镇`` → ``七宝``, ``莘庄工业区`` → two lines: labels that fit inside the small streets."""
    if name.endswith("工业区"):
        return name[:-3] + "<br>工业区"
    for suffix in ("街道", "镇"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def message(title: str, detail: str | None = None, *, hint: str | None = None) -> html.Div:
    """What the report page shows instead of a report (a bad week, a week without data)."""
    return html.Div([html.H2(title, className="report-message-title"),
                     html.P(detail, className="report-message-detail") if detail else None,
                     html.P(hint, className="report-message-hint") if hint else None],
                    className="report-message", role="alert")


@dataclass(frozen=True)
class ArchivedReport:
    """One PDF of the archive as the archive page lists it."""

    week: str
    label: str
    file: str
    url: str
    size_bytes: int
    pages: int | None
    data_time: str | None
    generated_at: str | None
    data_version: object = None


def archive_table(entries: Sequence[ArchivedReport]) -> html.Table:
    """The archive: one row per weekly PDF, newest first, each with its download link."""
    head = html.Thead(html.Tr([html.Th("周次"), html.Th("统计周期"), html.Th("页数", className="num"),
                               html.Th("数据截至"), html.Th("数据版本", className="num"), html.Th("生成时间"),
                               html.Th("大小", className="num"), html.Th("下载")]))
    rows = []
    for e in entries:
        rows.append(html.Tr([
            html.Td(e.week), html.Td(e.label),
            html.Td(DASH if e.pages is None else str(e.pages), className="num"),
            html.Td(format_datetime(e.data_time) if e.data_time else DASH),
            html.Td(DASH if e.data_version is None else str(e.data_version), className="num"),
            html.Td(format_datetime(e.generated_at) if e.generated_at else DASH),
            html.Td(f"{format_number(e.size_bytes / 1024, 0)} KB", className="num"),
            html.Td(html.A([html.I(className="bi bi-file-earmark-pdf me-1"), e.file], href=e.url,
                           download=e.file, className="report-download")),
        ], **{"data-week": e.week}))
    return html.Table([head, html.Tbody(rows)], className="table table-sm report-archive")
