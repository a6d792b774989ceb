"""The weekly report on the small district: the print page in Chromium, and ``smartsup report
weekly`` end to end (PDF pages, text, fonts, sidecar, and the runs that must write nothing).

The small district's data end on 2026-11-20 (a Friday), so its default week is 2026-W46 and
2026-W47 is not over yet.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.browser.browser_harness import SETTLE_TIMEOUT_MS

ROOT = Path(__file__).resolve().parents[2]
WEEK = "2026-W46"
WEEK_START, WEEK_END = date(2026, 11, 9), date(2026, 11, 16)
#: 2026-W46 meets the small district's 2026 进博会 mission, so 重大事项保障 follows 智能预警.
SECTION_TITLES = ("一、本周综述", "二、主体信息", "三、智能预警", "四、重大事项保障", "五、三品一特安全",
                  "六、投诉举报", "七、稽查办案", "附：指标口径")
#: Cover, contents, overview, two or three pages for 主体信息 and 投诉举报, one each for 智能预警,
#: 重大事项保障, 三品一特安全 and 稽查办案, and the definitions.
PAGE_RANGE = range(11, 18)

_SHEETS_JS = """() => {
  const root = document.getElementById('page-report');
  const bodies = Array.from(root.querySelectorAll('.report-sheet-body'));
  return {pages: root.getAttribute('data-pages'), sheets: root.querySelectorAll('.report-sheet').length,
          graphs: root.querySelectorAll('.js-plotly-plot').length,
          drawn: Array.from(root.querySelectorAll('.js-plotly-plot'))
            .filter(g => g.querySelector('svg.main-svg')).length,
          canvas: root.querySelectorAll('canvas').length,
          overflowing: bodies.filter(b => b.scrollHeight - b.clientHeight > 1).length};
}"""


def _cli(store_url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "--database-url", store_url, "--data-dir", str(tmp / "data"),
         "report", "weekly", *args],
        capture_output=True, text=True, timeout=600, cwd=ROOT, check=False,
    )


def _tool(name: str, pdf: Path) -> str:
    """A poppler tool's output (poppler-utils is installed by scripts/system-deps.sh)."""
    return subprocess.run([name, str(pdf)], capture_output=True, text=True, check=True).stdout


def _squeeze(text: str) -> str:
    """pdftotext breaks lines (and may space characters) where the layout does: compare without."""
    return re.sub(r"\s+", "", text)


def _one_chinese_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert re.search(r"[\u4e00-\u9fff]", lines[0])
    return lines[0]


@pytest.fixture(scope="module")
def rendered(browser_store_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The default week's report of the small district, printed once by the command."""
    tmp = tmp_path_factory.mktemp("report")
    out = tmp / "archive"
    proc = _cli(browser_store_url, tmp, "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pdf = out / f"周报_{WEEK}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return {"proc": proc, "pdf": pdf, "meta": json.loads((out / f"周报_{WEEK}.json").read_text("utf-8")),
            "text": text, "out": out}


# --- the print page ----------------------------------------------------------------------------------


def test_rpt101_page_draws_every_figure_and_fits_every_sheet(visit):
    v = visit("/report/weekly", viewport=(900, 1200), screenshot="report-weekly")
    v.page.wait_for_selector('#page-report[data-ready="true"]', state="attached", timeout=60_000)
    root = v.page.locator("#page-report")
    v.assert_clean()
    assert root.get_attribute("data-status") == "ok" and root.get_attribute("data-week") == WEEK
    facts = v.page.evaluate(_SHEETS_JS)
    assert int(facts["pages"]) == facts["sheets"] and facts["sheets"] in PAGE_RANGE
    # every figure drawn, and as vector graphics: no canvas (WebGL, bitmaps) anywhere on the page
    assert facts["graphs"] >= 6 and facts["drawn"] == facts["graphs"] and facts["canvas"] == 0
    assert facts["overflowing"] == 0
    text = root.inner_text()
    for title in ("《市场监管周报》", *SECTION_TITLES, f"第 2 页 共 {facts['sheets']} 页"):
        assert title in text
    # Chinese everywhere: no English enumeration code or raw indicator name leaks into the text
    body = re.sub(r"[A-Za-z]+\.[a-z_.A-D]+", "", text)  # indicator ids in the definitions table
    assert not re.search(r"\b(complaint|entity|online_shopping|enterprise|None|nan|NaN)\b", body)


@pytest.mark.parametrize(("query", "status", "words"), [
    ("?week=2026-47", "invalid", "周次格式不正确"),
    ("?week=2025-W53", "invalid", "没有第 53 周"),
    ("?week=1984-W10", "no-data", "没有业务数据"),
    ("?week=2026-W47", "no-data", "尚未结束"),
])
def test_rpt102_bad_or_empty_week_shows_a_clear_message(visit, query, status, words):
    v = visit("/report/weekly" + query, viewport=(900, 900))
    v.page.wait_for_selector('#page-report[data-ready="true"]', state="attached", timeout=SETTLE_TIMEOUT_MS)
    root = v.page.locator("#page-report")
    v.assert_clean()
    assert root.get_attribute("data-status") == status
    assert words in v.page.locator("#page-report .report-message").inner_text()
    assert v.page.locator(".report-sheet").count() == 0


def test_rpt103_archive_page_loads(visit):
    v = visit("/reports")
    v.assert_clean()
    assert v.page.locator("#page-reports").is_visible()
    assert "周报" in v.page.locator("#page-reports").inner_text()


# --- the command ---------------------------------------------------------------------------------------


def test_rpt110_pdf_has_the_report_pages_titles_and_page_numbers(rendered):
    info = _tool("pdfinfo", rendered["pdf"])
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages == rendered["meta"]["pages"] and pages in PAGE_RANGE
    assert re.search(r"^Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)", info, re.M)
    text = _squeeze(rendered["text"])
    cover = ("《市场监管周报》", "2026年第46周（11月9日—11月15日）", "闵行区市场监督管理局")
    for title in (*cover, *SECTION_TITLES):
        assert title in text, title
    for n in range(2, pages + 1):
        assert f"第{n}页共{pages}页" in text
    assert "第1页" not in text  # the cover carries no number
    assert "[1/5]" in rendered["proc"].stdout and "已生成" in rendered["proc"].stdout


def test_rpt111_cjk_font_embedded(rendered):
    fonts = _tool("pdffonts", rendered["pdf"])
    cjk = [ln for ln in fonts.splitlines() if "CJK" in ln]
    assert cjk, fonts
    # columns: name type encoding emb sub uni object ID
    assert any(re.search(r"\s(yes)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", ln) for ln in cjk), fonts


def test_rpt112_narrative_numbers_equal_indicator_values(rendered, browser_store_url):
    from components.report import ReportWeek
    from data_access.api.complaints import top_complained_entities
    from data_access.api.indicators import indicator_values
    from data_access.db import store

    store.configure(browser_store_url)
    week = ReportWeek.parse(WEEK)
    spans = {"week": week, "previous": week.previous, "last_year": week.last_year, "state": week}
    text = _squeeze(rendered["text"])
    readings = rendered["meta"]["readings"]
    assert len(readings) >= 30
    checked = 0
    for r in readings:
        assert r["text"] and r["text"] != "—"
        assert _squeeze(r["text"]) in text, r
        span = spans[r["period"]]
        dims = r["dims"]
        if "uscc" in dims:
            top = top_complained_entities(span.start, span.end, limit=50)
            expected = float(top.set_index("uscc").loc[dims["uscc"], "n"])
        else:
            f = indicator_values((r["indicator_id"],), span.start, span.end, by=tuple(dims))
            for k, v in dims.items():
                f = f[f[k].astype(str) == v]
            assert len(f) == 1, r
            expected = float(f["value"].iloc[0])
        assert r["value"] == pytest.approx(expected, rel=1e-9, abs=1e-9), r
        checked += 1
    assert checked == len(readings)

    # the headline numbers against the source tables themselves
    engine = sa.create_engine(browser_store_url)
    with engine.connect() as conn:
        span = {"a": str(WEEK_START), "b": str(WEEK_END)}
        received = conn.execute(sa.text("SELECT count(*) FROM complaint WHERE received_at >= :a "
                                        "AND received_at < :b"), span).scalar_one()
        new = conn.execute(sa.text("SELECT count(*) FROM entity WHERE established_on >= :a "
                                   "AND established_on < :b"), span).scalar_one()
    engine.dispose()
    assert f"本周共受理投诉举报{received:,}件" in text
    assert f"本周新设市场主体{new:,}户" in text


def test_rpt113_sidecar_describes_the_pdf(rendered):
    meta, pdf = rendered["meta"], rendered["pdf"]
    assert meta["week"] == WEEK and meta["label"] == "2026年第46周（11月9日—11月15日）"
    assert meta["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert meta["bytes"] == pdf.stat().st_size
    assert isinstance(meta["data_version"], int) and meta["data_version"] >= 1
    assert meta["data_time"].startswith("2026-11-20")
    datetime.fromisoformat(meta["generated_at"])
    assert sorted(p.name for p in rendered["out"].iterdir()) == [f"周报_{WEEK}.json", f"周报_{WEEK}.pdf"]


def test_rpt114_week_without_data_writes_nothing_and_keeps_the_last_pdf(browser_store_url, tmp_path):
    out = tmp_path / "archive"
    out.mkdir()
    old = out / "周报_1984-W10.pdf"
    old.write_bytes(b"%PDF last good")
    proc = _cli(browser_store_url, tmp_path, "--week", "1984-W10", "--out", str(out))
    assert proc.returncode != 0
    assert "没有业务数据" in _one_chinese_line(proc.stderr)
    assert old.read_bytes() == b"%PDF last good"
    assert [p.name for p in out.iterdir()] == [old.name]


def test_rpt115_failed_read_writes_nothing_and_keeps_the_last_pdf(browser_store_url, tmp_path):
    broken = tmp_path / "broken.sqlite"
    shutil.copyfile(sa.make_url(browser_store_url).database, broken)
    with sqlite3.connect(broken) as conn:  # lose a mart of the live read layer under the report's feet
        (name,) = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                               "AND name LIKE '%complaint_recv_d%' ORDER BY name DESC").fetchone()
        conn.execute(f'DROP TABLE "{name}"')
    out = tmp_path / "archive"
    out.mkdir()
    old = out / f"周报_{WEEK}.pdf"
    old.write_bytes(b"%PDF last good")
    proc = _cli(f"sqlite:///{broken}", tmp_path, "--week", WEEK, "--out", str(out))
    assert proc.returncode != 0
    line = _one_chinese_line(proc.stderr)
    assert "读取数据失败" in line and "上一份周报保持不变" in line
    assert old.read_bytes() == b"%PDF last good"
    assert [p.name for p in out.iterdir()] == [old.name]


def test_rpt116_render_timeout_writes_nothing(browser_store_url, tmp_path):
    out = tmp_path / "archive"
    proc = _cli(browser_store_url, tmp_path, "--week", WEEK, "--out", str(out), "--timeout", "0.001")
    assert proc.returncode != 0
    assert "渲染超时" in _one_chinese_line(proc.stderr)
    assert not list(out.iterdir())


def test_rpt117_a_stations_own_report_beside_the_districts(browser_store_url, station_scope, tmp_path):
    office, _street = station_scope
    out = tmp_path / "archive"
    proc = _cli(browser_store_url, tmp_path, "--week", WEEK, "--out", str(out), "--office", office)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pdf = out / office / f"周报_{WEEK}.pdf"
    assert pdf.exists() and not (out / f"周报_{WEEK}.pdf").exists()
    text = _squeeze(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                check=True).stdout)
    assert "市场监管所" in text
