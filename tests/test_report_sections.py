"""The weekly report's 智能预警, 三品一特安全 and 稽查办案 sections on the refreshed small district:
their tables against independent indicator-library values, the narrative's numbers as readings
defined in the appendix, and weeks without events that say so instead of drawing a chart.

The small district's default week is 2026-W46; in 2026-W09 it raised no warning, in 2026-W36 it
opened, closed and decided no case, and in 2026-W42 it sampled no food (each checked below).
"""

from __future__ import annotations

import pytest
from dash import dcc, html

from components.formatting import format_value
from components.report import ReportWeek
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api.indicators import indicator_values
from tests.test_refresh import refreshed_copy

WEEK = "2026-W46"
BUREAU = "闵行区市场监督管理局"

#: Each section's table: row label → (indicator id, breakdown).
TABLES = {
    "warnings": {
        "发出预警": ("warning.raised", {}),
        "　其中：红色": ("warning.raised", {"level": "red"}),
        "　　　　橙色": ("warning.raised", {"level": "orange"}),
        "　　　　黄色": ("warning.raised", {"level": "yellow"}),
        "　　　　蓝色": ("warning.raised", {"level": "blue"}),
        "预警办结率": ("warning.closure_rate", {}),
        "平均响应时长": ("warning.avg_response_minutes", {}),
        "平均办结时长": ("warning.avg_closure_minutes", {}),
    },
    "safety": {
        "食品抽检批次": ("sampling.batches", {}),
        "　其中：不合格": ("sampling.failed", {}),
        "抽检合格率": ("sampling.pass_rate", {}),
        "不合格核查处置率": ("sampling.followup_rate", {}),
        "特种设备检验": ("equipment.inspections", {}),
        "特种设备检验合格率": ("equipment.inspection_pass_rate", {}),
        "电梯困人事件": ("incident.reported", {"kind": "elevator_entrapment"}),
        "发放许可证": ("licence.issued", {}),
    },
    "cases": {
        "立案": ("case.opened", {}),
        "结案": ("case.closed", {}),
        "处罚决定": ("case.decisions", {}),
        "罚款金额": ("case.fines_total", {}),
        "没收金额": ("case.confiscation_total", {}),
        "移送公安": ("case.transferred_to_police", {}),
        "90天内结案率": ("case.closed_within_90d_rate", {}),
        "平均办案时长": ("case.avg_duration_minutes", {}),
    },
}


@pytest.fixture(scope="module")
def page(tmp_path_factory, small_store_url):
    """The report page module on a refreshed copy of the small district, reads uncached."""
    url = refreshed_copy(tmp_path_factory, small_store_url)
    create_app(Settings(database_url=url, data_dir=tmp_path_factory.mktemp("sections"), cache_type="null"))
    import pages.report_weekly as page

    yield page
    cache.reset()


@pytest.fixture(scope="module")
def report(page):
    return page.weekly_report(WEEK, bureau=BUREAU)


def _walk(component):
    if isinstance(component, list | tuple):
        for c in component:
            yield from _walk(c)
        return
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, list | tuple):
        for c in children:
            yield from _walk(c)
    elif children is not None:
        yield from ([children] if isinstance(children, str) else _walk(children))


def _text(component) -> str:
    if isinstance(component, str):
        return component
    return "".join(c for c in _walk(component) if isinstance(c, str))


def _cells(table: html.Table) -> list[list[str]]:
    return [[_text(td.children) for td in tr.children] for tr in _walk(table) if isinstance(tr, html.Tr)]


def _section(report, key: str):
    return next(s for s in report.sections if s.key == key)


def _value(indicator_id: str, week: ReportWeek, dims: dict[str, str]) -> float | None:
    f = indicator_values((indicator_id,), week.start, week.end, by=tuple(dims))
    for k, v in dims.items():
        f = f[f[k].astype(str) == v]
    assert len(f) <= 1
    return float(f["value"].iloc[0]) if len(f) else 0.0


def _comparison_rows(section) -> dict[str, list[str]]:
    tables = [c for c in _walk(section.pages) if isinstance(c, html.Table)]
    rows = _cells(tables[0])
    assert rows[0] == ["指标", "本周", "上周", "环比", "去年同期", "同比"]
    return {r[0]: r[1:] for r in rows[1:]}


def test_rsec001_sections_follow_the_leaders_reading_order(report):
    # 2026-W46 meets the small district's 2026 进博会 mission: 重大事项保障 follows 智能预警
    assert [s.key for s in report.sections] == ["entities", "warnings", "assurance", "safety", "complaints",
                                                "cases"]
    assert [s.title for s in report.sections][1:] == ["智能预警", "重大事项保障", "三品一特安全", "投诉举报",
                                                      "稽查办案"]
    # one sheet each, and the overview quotes every section's summary once
    for key in ("warnings", "safety", "cases"):
        sec = _section(report, key)
        assert len(sec.pages) == 1 and sec.summary is not None
        assert sum(s.text.startswith(f"【{sec.title}】") for s in report.overview) == 1


@pytest.mark.parametrize("key", sorted(TABLES))
def test_rsec002_tables_equal_the_indicator_library(report, page, key):
    week = ReportWeek.parse(WEEK)
    rows = _comparison_rows(_section(report, key))
    assert list(rows) == list(TABLES[key])
    catalogue = page._catalogue()
    for row_label, (indicator_id, dims) in TABLES[key].items():
        unit = catalogue[indicator_id].display_unit
        expected = [format_value(_value(indicator_id, w, dims), unit).text
                    for w in (week, week.previous, week.last_year)]
        got = rows[row_label]
        assert [got[0], got[1], got[3]] == expected, (key, row_label)


@pytest.mark.parametrize("key", sorted(TABLES))
def test_rsec003_narrative_numbers_are_readings_defined_in_the_appendix(report, key):
    week = ReportWeek.parse(WEEK)
    spans = {"week": week, "previous": week.previous, "last_year": week.last_year, "state": week}
    defined = {row[-1] for sheet in report.sheets for t in _walk(sheet)
               if isinstance(t, html.Table) and "report-table--definitions" in (t.className or "")
               for row in _cells(t)[1:]}
    sec = _section(report, key)
    readings = [r for s in sec.narrative for r in s.readings]
    assert len(readings) >= 5
    text = "".join(s.text for s in sec.narrative)
    for r in readings:
        assert r.indicator_id in defined, r
        assert r.period in ("week", "state") or r.text in _text(sec.pages), r  # bases are in the table
        assert r.period not in ("week", "state") or r.text in text, r
        expected = _value(r.indicator_id, spans[r.period], dict(r.dims))
        assert r.value == pytest.approx(expected, rel=1e-9, abs=1e-9), r
    # at most two figures; the week's charts only when the week had events (the small district
    # opened no case in 2026-W46: its cause and source charts give way to a sentence)
    graphs = [g for g in _walk(sec.pages) if isinstance(g, dcc.Graph)]
    events = {"warnings": "warning.raised", "cases": "case.opened", "safety": "sampling.batches"}[key]
    assert len(graphs) <= 2
    assert (len(graphs) == 2) == bool(_value(events, week, {}))


@pytest.mark.parametrize(("key", "week", "indicator_id", "sentence", "graphs"), [
    ("warnings", "2026-W09", "warning.raised", "本周全区未发出预警", 0),
    ("cases", "2026-W36", "case.opened", "本周无立案、结案和处罚决定", 0),
    ("safety", "2026-W42", "sampling.batches", "本周未开展食品抽检", 1),  # the equipment chart is a state
])
def test_rsec004_a_week_without_events_says_so_instead_of_a_chart(page, key, week, indicator_id, sentence,
                                                                   graphs):
    wk = ReportWeek.parse(week)
    assert _value(indicator_id, wk, {}) == 0
    if key == "cases":
        assert _value("case.closed", wk, {}) == 0 and _value("case.decisions", wk, {}) == 0
    ctx = page._context(week, BUREAU)
    build = {"warnings": page.warnings_section, "cases": page.cases_section, "safety": page.safety_section}
    sec = build[key](ctx)
    assert sentence in "".join(s.text for s in sec.narrative)
    notes = [c for p in sec.pages for b in p for c in _walk(b)
             if isinstance(c, html.P) and "report-none" in (c.className or "")]
    assert len(notes) == 1 and "无" in notes[0].children
    assert sum(isinstance(g, dcc.Graph) for p in sec.pages for b in p for g in _walk(b)) == graphs
    # the table is still there, with this week's zero
    assert _comparison_rows(sec)
