"""The weekly report's 重大事项保障 section (only in a week an assurance mission meets) and the
社会共治 figures in its overview, on the refreshed small district, against the indicator library."""

from __future__ import annotations

import pytest
from dash import html

from components.report import ReportWeek
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import screens4 as api4
from data_access.api.indicators import indicator_values
from tests.test_refresh import refreshed_copy

BUREAU = "闵行区市场监督管理局"
WEEK = "2026-W46"


@pytest.fixture(scope="module")
def page(tmp_path_factory, small_store_url):
    url = refreshed_copy(tmp_path_factory, small_store_url)
    create_app(Settings(database_url=url, data_dir=tmp_path_factory.mktemp("rep4"), cache_type="null"))
    import pages.report_weekly as page

    yield page
    cache.reset()


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
    elif children is not None and not isinstance(children, str):
        yield from _walk(children)


def _value(indicator_id: str, week: ReportWeek, dims: dict[str, str]) -> float:
    f = indicator_values((indicator_id,), week.start, week.end, by=tuple(dims))
    for k, v in dims.items():
        f = f[f[k].astype(str) == v]
    return float(f["value"].iloc[0]) if len(f) else 0.0


def test_rs4001_overview_quotes_cogov_from_the_indicator_library(page):
    report = page.weekly_report(WEEK, bureau=BUREAU)
    week = ReportWeek.parse(WEEK)
    line = next(s for s in report.overview if s.text.startswith("【社会共治】"))
    spans = {"week": week, "previous": week.previous, "state": week}
    assert {r.indicator_id for r in line.readings} >= {"cogov.qr_scans", "cogov.commitments_active"}
    for r in line.readings:
        assert r.value == pytest.approx(_value(r.indicator_id, spans[r.period], dict(r.dims))), r
    rows = [tr for t in _walk(report.sheets) if isinstance(t, html.Tr) for tr in [t]]
    labels = [str(tr.children[0].children) for tr in rows if tr.children]
    assert "公众扫码" in labels and "调解成功率" in labels
    assert "cogov.qr_scans" in report.indicators


def test_rs4002_a_mission_week_has_its_section(page):
    missions = api4.assurance_missions()
    past = missions[missions["phase"] == "past"]
    if past.empty:
        pytest.skip("the small district holds no past mission")
    m = past.iloc[-1]
    year, wk, _ = m["starts_on"].date().isocalendar()
    code = f"{year}-W{wk:02d}"
    report = page.weekly_report(code, bureau=BUREAU)
    sec = next(s for s in report.sections if s.key == "assurance")
    assert sec.title == "重大事项保障" and len(sec.pages) == 1
    assert m["name"] in sec.narrative[0].text
    week = ReportWeek.parse(code)
    spans = {"week": week, "previous": week.previous, "state": week}
    readings = [r for s in sec.narrative for r in s.readings]
    assert "assurance.patrols" in {r.indicator_id for r in readings}
    for r in readings:
        assert r.value == pytest.approx(_value(r.indicator_id, spans[r.period], dict(r.dims))), r
    # a past mission's sites are listed by tier from the read API (the site indicators count only
    # the mission in progress at the data time, so the narrative names them only then)
    tiers = api4.assurance_sites_by("risk_tier", int(m["id"]))
    cells = [[str(td.children) for td in tr.children] for tr in _walk(sec.pages) if isinstance(tr, html.Tr)]
    assert ["合计", f"{tiers['n'].sum():,}个"] in cells and tiers["n"].sum() > 0
    assert "assurance.sites" not in {r.indicator_id for r in readings}
    assert sum(s.text.startswith("【重大事项保障】") for s in report.overview) == 1
    # the section sits after 智能预警 and before 三品一特安全
    keys = [s.key for s in report.sections]
    assert keys.index("assurance") == keys.index("warnings") + 1


def test_rs4003_a_week_without_a_mission_has_no_section(page):
    missions = api4.assurance_missions()
    week = ReportWeek.parse("2026-W09")
    meets = (missions["starts_on"].dt.date < week.end) & (missions["ends_on"].dt.date >= week.start)
    assert not meets.any()
    report = page.weekly_report("2026-W09", bureau=BUREAU)
    assert "assurance" not in [s.key for s in report.sections]
    assert not any(s.text.startswith("【重大事项保障】") for s in report.overview)
    assert any(s.text.startswith("【社会共治】") for s in report.overview)
