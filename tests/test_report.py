"""The weekly report without a browser: weeks, narrative rules, the archive and its route, the
schedule, the shipped deploy units, and the command's clean failures.

The report rendered from the small store (PDF, pdftotext, pdffonts) is in
``tests/browser/test_report_pdf.py``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dash
import pytest
from click.testing import CliRunner
from flask import Flask

from components.report import (
    IndicatorMeta,
    Narrative,
    Reading,
    ReportWeek,
    WeekError,
    change,
    clause,
    cn_ordinal,
    default_week,
    delta_text,
    week_is_complete,
)
from dashboard.report.archive import ReportArchive, pdf_name, sidecar_name
from dashboard.report.render import pdf_page_count
from dashboard.report.schedule import LOCAL_TZ, next_run, run_schedule
from dashboard.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
COUNT = IndicatorMeta("complaint.received", "受理投诉举报", "件", "count")
RATE = IndicatorMeta("complaint.ontime_rate", "按期办结率", "比例", "rate")
MONEY = IndicatorMeta("complaint.recovered_amount", "为消费者挽回经济损失", "元", "money")


def reading(meta: IndicatorMeta, value: float | None, period: str = "week") -> Reading:
    return Reading(meta, period, value)


# --- weeks -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2026-W47", "2026W47", "2026-w47", " 2026-W47 "])
def test_rpt001_week_parses_iso_weeks(text):
    week = ReportWeek.parse(text)
    assert week.code == "2026-W47"
    assert (week.start, week.end) == (date(2026, 11, 16), date(2026, 11, 23))
    assert week.last_day == date(2026, 11, 22)
    assert week.label == "2026年第47周（11月16日—11月22日）"
    assert week.short_label == "2026年第47周"


@pytest.mark.parametrize("text", ["", "2026-47", "2026-W00", "2025-W53", "2026-W54", "W47", "2026-W4x",
                                  "../../etc/passwd", "2026-W47; rm -rf /"])
def test_rpt002_bad_week_raises_a_clear_chinese_error(text):
    with pytest.raises(WeekError) as info:
        ReportWeek.parse(text)
    assert re.search(r"[\u4e00-\u9fff]", str(info.value))
    assert "\n" not in str(info.value)


def test_rpt003_week_comparisons_and_year_boundaries():
    week = ReportWeek.parse("2026-W47")
    assert week.previous.code == "2026-W46"
    assert week.last_year.code == "2025-W47"
    assert ReportWeek.parse("2026-W53").last_year.code == "2025-W52"  # 2025 has 52 ISO weeks
    first = ReportWeek.parse("2026-W01")
    assert first.start == date(2025, 12, 29)
    assert first.previous.code == "2025-W52"
    assert first.label == "2026年第1周（2025年12月29日—2026年1月4日）"


def test_rpt004_default_week_is_the_last_full_week_before_the_data_time():
    assert default_week(datetime(2026, 11, 23, 13, 18)).code == "2026-W47"
    assert default_week(datetime(2026, 11, 22, 23, 59)).code == "2026-W46"  # W47 not over yet
    assert default_week(date(2026, 11, 20)).code == "2026-W46"
    week = ReportWeek.parse("2026-W47")
    assert week_is_complete(week, datetime(2026, 11, 23, 0, 5))
    assert not week_is_complete(week, datetime(2026, 11, 22, 23, 0))


def test_rpt005_chinese_section_numbers():
    assert [cn_ordinal(n) for n in (1, 2, 9, 10, 11, 12, 20, 21)] == \
        ["一", "二", "九", "十", "十一", "十二", "二十", "二十一"]


# --- narrative rules -----------------------------------------------------------------------------


def test_rpt010_changes_read_as_chinese_with_both_values_on_record():
    cur, prev = reading(COUNT, 2345), reading(COUNT, 2250, "previous")
    text, used = change(cur, prev, "环比")
    assert text == "环比上升4.2%" and used == (cur, prev)
    assert change(reading(COUNT, 2000), prev, "同比")[0] == "同比下降11.1%"
    assert change(reading(COUNT, 2250), prev, "环比")[0] == "环比持平"
    assert change(cur, reading(COUNT, 0, "previous"), "环比") is None  # no base, no percentage
    assert change(cur, reading(COUNT, None, "previous"), "环比") is None
    assert change(reading(RATE, 0.987), reading(RATE, 0.99, "previous"), "环比")[0] == "环比下降0.3个百分点"
    assert delta_text(reading(RATE, 0.987), reading(RATE, 0.99)) == "↓0.3个百分点"
    assert delta_text(cur, prev) == "↑4.2%"
    assert delta_text(cur, reading(COUNT, 0)) == "—"


def test_rpt011_values_print_through_the_formatting_helpers():
    assert reading(COUNT, 2345).text == "2,345件"
    assert reading(RATE, 0.9872).text == "98.7%"
    assert reading(MONEY, 465_200).text == "46.52万元"
    assert reading(COUNT, None).text == "—"


def test_rpt012_a_missing_value_drops_its_clause_never_a_placeholder():
    n = Narrative()
    n.add([clause("本周共受理投诉举报{0}", reading(COUNT, 35)),
           change(reading(COUNT, 35), reading(COUNT, None), "环比")],
          [clause("按期办结率{0}", reading(RATE, None))])
    n.add([clause("满意率{0}", reading(RATE, float("nan")))])
    assert [s.text for s in n.statements] == ["本周共受理投诉举报35件。"]
    assert [r.value for r in n.statements[0].readings] == [35]
    for bad in ("—", "None", "nan", "{"):
        assert bad not in n.statements[0].text


# --- archive and its route -----------------------------------------------------------------------


@pytest.fixture
def archive(tmp_path: Path) -> ReportArchive:
    a = ReportArchive(tmp_path / "reports")
    a.directory.mkdir()
    for code, pages in (("2026-W46", 9), ("2026-W47", 10)):
        tmp = a.directory / f".{pdf_name(code)}.tmp"
        tmp.write_bytes(b"%PDF-1.4 fake " + code.encode())
        a.store(tmp, {"week": code, "pages": pages, "data_time": "2026-11-23 13:18:00",
                      "generated_at": "2026-11-23 07:00:05", "data_version": 3})
    (a.directory / "notes.txt").write_text("not a report", encoding="utf-8")
    (tmp_path / "secret.pdf").write_bytes(b"%PDF secret")
    return a


def test_rpt020_archive_lists_reports_newest_first_with_their_sidecars(archive):
    entries = archive.entries("/reports/files/")
    assert [e.week for e in entries] == ["2026-W47", "2026-W46"]
    top = entries[0]
    assert top.file == "周报_2026-W47.pdf" and top.pages == 10 and top.data_version == 3
    assert top.label == "2026年第47周（11月16日—11月22日）"
    assert top.url == "/reports/files/%E5%91%A8%E6%8A%A5_2026-W47.pdf"
    assert not list(archive.directory.glob(".*.tmp"))  # temporary files renamed into place


def test_rpt021_route_serves_archived_pdfs_by_name_only(archive):
    server = Flask(__name__)
    archive.init_app(server)
    client = server.test_client()
    ok = client.get("/reports/files/" + "周报_2026-W47.pdf")
    assert ok.status_code == 200 and ok.mimetype == "application/pdf"
    assert ok.data.startswith(b"%PDF-1.4 fake 2026-W47")
    assert "attachment" in ok.headers["Content-Disposition"]
    for bad in ("notes.txt", "../secret.pdf", "..%2Fsecret.pdf", "%2e%2e%2fsecret.pdf",
                "周报_2026-W48.pdf", "周报_2026-W47.json", "周报_2026-W47.pdf%00.txt", "/etc/passwd",
                "..%2F..%2Fetc%2Fpasswd"):
        assert client.get("/reports/files/" + bad).status_code == 404, bad
    assert archive.path_for("../secret.pdf") is None


@pytest.fixture
def dash_app(tmp_path: Path) -> dash.Dash:
    from dashboard.app import create_app
    from dashboard.settings import Settings

    return create_app(Settings(database_url="sqlite://", data_dir=tmp_path / "app", cache_type="null"))


def _tree(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json(), ensure_ascii=False)


def test_rpt022_archive_page_lists_the_pdfs_with_download_links(dash_app, archive):
    import pages.reports as page

    server = dash_app.server
    with server.test_request_context("/reports"):
        assert "归档中还没有周报" in _tree(page.layout())  # the app's own (empty) archive
    server.extensions["smartsup.reports"] = archive
    with server.test_request_context("/reports"):
        tree = _tree(page.layout())
    assert "/reports/files/%E5%91%A8%E6%8A%A5_2026-W47.pdf" in tree
    assert "2026年第46周（11月9日—11月15日）" in tree
    assert '"id": "page-reports"' in tree


def test_rpt023_pdf_pages_are_counted_without_poppler():
    pdf = (b"%PDF-1.4\n1 0 obj <</Type /Pages /Count 2>>\n"
           b"2 0 obj <</Type /Page>>\n3 0 obj <</Type/Page /X 1>>\n")
    assert pdf_page_count(pdf) == 2


# --- pages registry --------------------------------------------------------------------------------


def test_rpt030_report_page_is_neither_in_the_navigation_nor_on_the_wall(dash_app):
    from dashboard.kiosk import nav_groups, registered_pages, wall_playlist

    pages = {p.path: p for p in registered_pages(dash.page_registry)}
    in_nav = [p for _, group in nav_groups(pages.values()) for p in group]
    report = pages["/report/weekly"]
    assert report.slug == "report" and report.category is None and not report.wall
    assert report not in in_nav and report not in wall_playlist(pages.values())
    assert pages["/reports"] in in_nav and pages["/reports"] not in wall_playlist(pages.values())


# --- schedule --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("now", "due"), [
    (datetime(2026, 11, 23, 6, 59), datetime(2026, 11, 23, 7, 0)),      # Monday before seven
    (datetime(2026, 11, 23, 7, 0), datetime(2026, 11, 30, 7, 0)),       # exactly due: the next one
    (datetime(2026, 11, 22, 23, 0), datetime(2026, 11, 23, 7, 0)),      # Sunday night
    (datetime(2026, 12, 29, 12, 0), datetime(2027, 1, 4, 7, 0)),        # across the new year
])
def test_rpt040_next_run_is_the_next_monday_seven_in_shanghai(now, due):
    assert next_run(now) == due.replace(tzinfo=LOCAL_TZ)


def test_rpt041_next_run_converts_other_zones():
    # Monday 00:00 UTC is already 08:00 in Shanghai: this Monday's run has passed
    now = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert next_run(now) == datetime(2026, 11, 30, 7, 0, tzinfo=LOCAL_TZ)
    assert next_run(now).utcoffset() == timedelta(hours=8)


def test_rpt042_schedule_loop_sleeps_in_short_steps_and_runs_at_the_due_time():
    clock = [datetime(2026, 11, 22, 20, 0, tzinfo=LOCAL_TZ)]
    sleeps: list[float] = []
    ran: list[datetime] = []
    lines: list[str] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += timedelta(seconds=seconds)

    def job() -> int:
        ran.append(clock[0])
        return 0 if len(ran) == 1 else 1

    run_schedule(job, echo=lines.append, now=lambda: clock[0], sleep=sleep, runs=2)
    assert ran == [datetime(2026, 11, d, 7, 0, tzinfo=LOCAL_TZ) for d in (23, 30)]
    assert max(sleeps) <= 60
    assert lines[0] == "下次生成周报：2026-11-23 07:00（Asia/Shanghai）"
    assert "成功" in lines[1] and "失败（退出码 1）" in lines[3]


def test_rpt044_a_missed_monday_run_happens_at_start():
    clock = [datetime(2026, 11, 24, 9, 0, tzinfo=LOCAL_TZ)]  # Tuesday; Monday's run was missed
    ran: list[datetime] = []
    lines: list[str] = []

    def sleep(seconds: float) -> None:
        clock[0] += timedelta(seconds=seconds)

    def job() -> int:
        ran.append(clock[0])
        return 0

    run_schedule(job, echo=lines.append, now=lambda: clock[0], sleep=sleep, runs=2,
                 archived=lambda code: code != "2026-W47")
    assert ran == [datetime(2026, 11, 24, 9, 0, tzinfo=LOCAL_TZ), next_run(datetime(2026, 11, 24, 9, 0))]
    assert "补做" in lines[0]
    from dashboard.report.schedule import missed

    assert not missed(datetime(2026, 11, 24, 9, 0), lambda code: code == "2026-W47")  # it is there
    # Monday 06:00: this week's run is still to come; the one due is last Monday's (2026-W46)
    assert not missed(datetime(2026, 11, 23, 6, 0), lambda code: code == "2026-W46")
    assert missed(datetime(2026, 11, 23, 6, 0), lambda code: code == "2026-W47")


def test_rpt043_shipped_timer_service_and_cron_line():
    timer = (ROOT / "deploy" / "smartsup-report.timer").read_text(encoding="utf-8")
    service = (ROOT / "deploy" / "smartsup-report.service").read_text(encoding="utf-8")
    cron = (ROOT / "deploy" / "smartsup-report.cron").read_text(encoding="utf-8")
    assert re.search(r"^OnCalendar=Mon \*-\*-\* 07:00:00 Asia/Shanghai$", timer, re.M)
    assert re.search(r"^Persistent=true$", timer, re.M)
    assert re.search(r"^Unit=smartsup-report\.service$", timer, re.M)
    assert re.search(r"^Type=oneshot$", service, re.M)
    assert re.search(r"^ExecStart=\S*smartsup report weekly$", service, re.M)
    assert re.search(r"^CRON_TZ=Asia/Shanghai$", cron, re.M)
    assert re.search(r"^0 7 \* \* 1 \S+ .*smartsup report weekly", cron, re.M)
    doc = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    for needle in ("smartsup report weekly", "smartsup report schedule", "smartsup-report.timer", "CRON_TZ"):
        assert needle in doc


# --- the command's clean failures (before any store or browser is needed) --------------------------


def _run(args: list[str], **env: str):
    from dashboard.cli import main

    get_settings.cache_clear()
    try:
        return CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    finally:
        get_settings.cache_clear()


def _one_chinese_line(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert re.search(r"[\u4e00-\u9fff]", lines[0])
    return lines[0]


@pytest.mark.parametrize("week", ["2026-47", "2025-W53", "W47"])
def test_rpt050_bad_week_fails_cleanly(tmp_path, week):
    out = tmp_path / "out"
    result = _run(["--data-dir", str(tmp_path), "report", "weekly", "--week", week, "--out", str(out)])
    assert result.exit_code != 0
    assert "YYYY-Www" in _one_chinese_line(result.stderr) or "没有第" in result.stderr
    assert not out.exists() or not list(out.iterdir())


def test_rpt051_missing_chromium_says_what_to_install(tmp_path):
    out = tmp_path / "out"
    result = _run(["--data-dir", str(tmp_path), "report", "weekly", "--out", str(out)],
                  SMARTSUP_CHROMIUM_PATH=str(tmp_path / "no-chromium"))
    assert result.exit_code != 0
    assert "apt-get install -y chromium" in _one_chinese_line(result.stderr)
    assert not out.exists()


def test_rpt052_missing_cjk_fonts_say_what_to_install(tmp_path, monkeypatch):
    import dashboard.report.render as render

    monkeypatch.setattr(render, "cjk_font_available", lambda: False)
    out = tmp_path / "out"
    result = _run(["--data-dir", str(tmp_path), "report", "weekly", "--out", str(out)])
    assert result.exit_code != 0
    assert "apt-get install -y fonts-noto-cjk" in _one_chinese_line(result.stderr)
    assert not out.exists()


def test_rpt053_fonts_are_found_on_this_machine():
    from dashboard.report.render import cjk_font_available

    assert cjk_font_available()


def test_rpt054_sidecar_and_pdf_names():
    assert pdf_name("2026-W47") == "周报_2026-W47.pdf"
    assert sidecar_name("2026-W47") == "周报_2026-W47.json"
