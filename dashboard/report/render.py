"""Print the weekly report to PDF: ``smartsup report weekly``.

The command builds the report's data first (a bad week, a week without data or a failing read
stops it before any browser starts), then serves the app in-process on a free loopback port,
loads ``/report/weekly?week=…`` in headless Chromium, waits for the page's ``data-ready`` (no
fixed sleeps), checks that every sheet fits its page, prints the PDF to a temporary file in the
archive directory and only then moves it into place with its sidecar. Any failure raises
``ReportFailure`` with one Chinese line and leaves the previous PDF of the week untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from components.report import LOCAL_TZ, ReportWeek, WeekError
from dashboard.auth.web import act_as_service, browser_cookie
from dashboard.browser import CHROMIUM_FLAGS, serving
from dashboard.report.archive import ReportArchive, pdf_name
from dashboard.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 90.0
#: A4 at 96 CSS px per inch: the sheets are laid out at exactly the size they print at.
A4_VIEWPORT = {"width": 794, "height": 1123}
#: The sheets carry their own header, footer and margins (assets/print.css).
NO_MARGIN = {"top": "0", "right": "0", "bottom": "0", "left": "0"}
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))

STEPS = ("检查运行环境（Chromium、中文字体）", "读取数据并编排版面", "启动内置服务，在无头 Chromium 中渲染",
         "嵌入中文字体并打印 PDF", "归档")

# Sheets whose content is taller than their page (clipped) — a layout fault, never printed.
_OVERFLOW_JS = """() => Array.from(document.querySelectorAll('#page-report .report-sheet-body'))
  .map((b, i) => [i + 1, b.scrollHeight - b.clientHeight]).filter(x => x[1] > 1).map(x => x[0])"""


# Every face loaded (the injected ones included), then two frames so the figures' text repaints.
_FONTS_LOADED_JS = """() => Promise.all(Array.from(document.fonts).map(f => f.load())).then(() =>
  document.fonts.ready).then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))"""


class ReportFailure(Exception):
    """Why no report was written, in one Chinese line (the CLI prints it and exits non-zero)."""


@dataclass(frozen=True)
class RenderResult:
    """What was archived."""

    pdf: Path
    sidecar: Path
    week: str
    pages: int
    sha256: str
    seconds: float


def cjk_font_available() -> bool:
    """True when Noto Sans CJK (Debian ``fonts-noto-cjk``) is installed."""
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True,
                                 timeout=30, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        if "Noto Sans CJK" in out:
            return True
    return any(next(Path(d).rglob("NotoSansCJK*"), None) for d in FONT_DIRS if Path(d).is_dir())


def check_environment(settings: Settings) -> None:
    """Chromium and the CJK fonts are there, or ``ReportFailure`` says what to install."""
    chromium = Path(settings.chromium_path)
    if not chromium.is_file() or not os.access(chromium, os.X_OK):
        raise ReportFailure(f"未找到 Chromium（{chromium}），无法生成 PDF："
                            "请安装 apt-get install -y chromium")
    if not cjk_font_available():
        raise ReportFailure("未找到中文字体 Noto Sans CJK，PDF 中文将无法显示："
                            "请安装 apt-get install -y fonts-noto-cjk")


def pdf_page_count(data: bytes) -> int:
    """Pages of a PDF written by Chromium (Skia writes one ``/Type /Page`` object per page)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def office_scope(settings: Settings, office: str) -> tuple[str, ...]:
    """The streets of the 市场监管所 ``office`` (its report covers them); ``ReportFailure`` otherwise."""
    from data_access.db import store
    from data_access.identity import get_office

    store.configure(settings.effective_database_url, statement_timeout_ms=settings.statement_timeout_ms)
    try:
        info = get_office(office)
    except Exception as exc:  # noqa: BLE001 — one clear line
        raise ReportFailure(f"读取机构失败（{type(exc).__name__}），未生成周报") from None
    if info is None:
        raise ReportFailure(f"机构代码 {office} 不存在，未生成周报")
    if info["kind"] != "station" or not info["street_code"]:
        raise ReportFailure(f"{office}（{info['name']}）不是对应一个街镇的市场监管所，未生成周报")
    return (info["street_code"],)


def render_weekly(settings: Settings, week: str | None = None, out_dir: Path | None = None, *,
                  timeout_s: float = DEFAULT_TIMEOUT_S, office: str | None = None,
                  progress: Callable[[int, str], None] = lambda step, text: None) -> RenderResult:
    """Render and archive the weekly PDF of ``week`` (default: the last full week before the data time).

    With ``office`` (a 市场监管所), the report covers that station's streets only and is archived in
    the ``<office>/`` folder beside the district's reports.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    if week is not None:
        try:
            week = ReportWeek.parse(week).code
        except WeekError as exc:
            raise ReportFailure(str(exc)) from None
    progress(1, STEPS[0])
    check_environment(settings)

    progress(2, STEPS[1])
    streets = office_scope(settings, office) if office else None
    report = _build(settings, week, office, streets)
    archive = ReportArchive(Path(out_dir or settings.effective_report_dir) / (office or ""))
    try:
        archive.directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportFailure(f"无法创建归档目录 {archive.directory}：{write_error(exc)}，未生成周报") from None
    if not os.access(archive.directory, os.W_OK):  # read-only: say so before a browser starts
        raise ReportFailure(f"无法写入归档目录 {archive.directory}：文件系统只读或没有写权限，"
                            "未生成周报（上一份周报保持不变）")
    code = report.week.code

    progress(3, f"{STEPS[2]}：{report.week.label}")
    deadline = time.monotonic() + timeout_s
    try:
        with serving(report.app) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(settings.chromium_path), args=CHROMIUM_FLAGS,
                                         headless=True)
            try:
                # loopback: compressing 7 MB of scripts (once, at the strongest level) would cost
                # the first report seconds and save nothing
                page = browser.new_page(viewport=A4_VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai",
                                        extra_http_headers={"Accept-Encoding": "identity"})
                # the report's own short-lived, read-only session (no account; see auth.web)
                page.context.add_cookies([browser_cookie(report.app, base, "report-weekly", streets,
                                                         ttl_s=int(timeout_s) + 60, office_code=office)])
                page.goto(f"{base}/report/weekly?week={quote(code)}", wait_until="domcontentloaded",
                          timeout=_ms_left(deadline))
                page.wait_for_selector('#page-report[data-ready="true"]', state="attached",
                                       timeout=_ms_left(deadline))
                _check_page(page, code)
                progress(4, STEPS[3])
                _embed_fonts(page, settings)
                # into memory, not a path: the archive writes it, and a full disk is its failure
                data = page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                                display_header_footer=False, margin=NO_MARGIN, outline=True, tagged=True)
            finally:
                browser.close()
    except PlaywrightTimeout:
        raise ReportFailure(f"渲染超时：{timeout_s:.0f} 秒内周报页面未就绪，"
                            "未生成周报（上一份周报保持不变）") from None
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ReportFailure(f"无头 Chromium 出错，未生成周报：{first}") from None

    progress(5, STEPS[4])
    pages = pdf_page_count(data)
    if pages != report.pages:
        raise ReportFailure(f"PDF 有 {pages} 页，版面应为 {report.pages} 页：版面有误，未生成周报")
    digest = hashlib.sha256(data).hexdigest()
    meta = {
        "week": code,
        "label": report.week.label,
        "data_version": report.data_version,
        "data_time": report.data_time.isoformat(sep=" ", timespec="seconds"),
        "generated_at": datetime.now(LOCAL_TZ).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds"),
        "pages": pages,
        "sha256": digest,
        "bytes": len(data),
        "readings": report.readings,
    }
    final = archive_pdf(archive, data, meta)
    return RenderResult(final, final.with_suffix(".json"), code, pages, digest, time.perf_counter() - started)


def archive_pdf(archive: ReportArchive, data: bytes, meta: dict) -> Path:
    """Write the PDF beside its final name and move it into place with its sidecar.

    A full disk or a read-only directory ends in one ``ReportFailure`` line; the temporary files
    are removed and the previous PDF of the week stays.
    """
    tmp = archive.directory / f".{pdf_name(str(meta['week']))}.{os.getpid()}.tmp"
    try:
        tmp.write_bytes(data)
        return archive.store(tmp, meta)
    except OSError as exc:
        with contextlib.suppress(OSError):  # on a read-only file system even unlink fails
            tmp.unlink(missing_ok=True)
        raise ReportFailure(f"无法写入归档目录 {archive.directory}：{write_error(exc)}，"
                            "未生成周报（上一份周报保持不变）") from None


def write_error(exc: OSError) -> str:
    """An ``OSError`` of a write in Chinese words (full disk and read-only named as such)."""
    import errno

    known = {errno.ENOSPC: "磁盘空间已满", errno.EDQUOT: "超出磁盘配额", errno.EROFS: "文件系统只读",
             errno.EACCES: "没有写权限", errno.EPERM: "没有写权限", errno.EFBIG: "文件超出大小限制"}
    return known.get(exc.errno, exc.strerror or type(exc).__name__)


@dataclass
class _Built:
    app: object
    week: ReportWeek
    data_time: datetime
    data_version: object
    pages: int
    readings: list[dict]


def _build(settings: Settings, week: str | None, office: str | None = None,
           streets: tuple[str, ...] | None = None) -> _Built:
    """The app, and the report's data read once up front: a week without data or a failing read
    stops here, before any browser starts."""
    from dashboard.app import create_app

    try:
        app = create_app(settings)
        from pages.report_weekly import NoData, weekly_report

        with app.server.test_request_context("/"):
            # read as the report's browser session will: the office's streets, or the district
            act_as_service("report-weekly", streets, office_code=office)
            try:
                report = weekly_report(week, bureau=settings.bureau_name)
            except NoData as exc:
                raise ReportFailure(f"{exc}，未生成周报") from None
    except ReportFailure:
        raise
    except Exception as exc:  # noqa: BLE001 — any failed read must end in one clear line, not a trace
        detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
        raise ReportFailure(f"读取数据失败（{type(exc).__name__}{'：' + detail if detail else ''}），"
                            "未生成周报（上一份周报保持不变）") from None
    readings = {json.dumps(r.as_json(), sort_keys=True, ensure_ascii=False): r.as_json()
                for r in report.readings}
    return _Built(app, report.week, report.data_time, report.data_version, len(report.sheets),
                  list(readings.values()))


def _ms_left(deadline: float) -> float:
    return max(1.0, (deadline - time.monotonic()) * 1000)


def _embed_fonts(page, settings: Settings) -> None:
    """Give the page TrueType copies of the Noto CJK glyphs it draws (see ``fonts``), so the PDF
    embeds named CJK fonts; same metrics, so nothing moves. Without fontTools the PDF still prints,
    its CJK glyphs then embedded as Type 3."""
    try:
        from dashboard.report.fonts import FACE_TEXT_JS, font_face_css
    except ImportError as exc:
        log.warning("未安装 fontTools（%s）：PDF 中的中文以 Type 3 字形嵌入", exc)
        return
    css = font_face_css(page.evaluate(FACE_TEXT_JS), Path(settings.data_dir) / "cache" / "report-fonts")
    if not css:
        return
    page.add_style_tag(content=css)
    page.evaluate(_FONTS_LOADED_JS)
    clipped = page.evaluate(_OVERFLOW_JS)
    if clipped:
        raise ReportFailure(f"嵌入字体后第 {'、'.join(map(str, clipped))} 页内容超出版心，未生成周报")


def _check_page(page, code: str) -> None:
    status = page.get_attribute("#page-report", "data-status")
    if status != "ok":
        text = page.locator("#page-report .report-message").inner_text().replace("\n", "：").strip()
        raise ReportFailure(f"周报页面未能生成（{text or status}），未生成周报")
    shown = page.get_attribute("#page-report", "data-week")
    if shown != code:
        raise ReportFailure(f"周报页面显示的是 {shown} 而不是 {code}，未生成周报")
    clipped = page.evaluate(_OVERFLOW_JS)
    if clipped:
        raise ReportFailure(f"第 {'、'.join(map(str, clipped))} 页内容超出版心（会被截断），未生成周报")
