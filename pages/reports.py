"""周报归档 (/reports): the archived weekly PDFs, newest first, each with a download link.

The archive is the app's (``dashboard.report.archive``, registered on the Flask server by the app
factory); this page only lists what it holds and links to the route that serves the files.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import html
from flask import current_app

from components.panels import empty_state
from components.report import REPORT_TITLE, archive_table
from dashboard.screen import jurisdiction

dash.register_page(__name__, path="/reports", name="周报归档", title=f"{REPORT_TITLE}归档 · 智慧监管·云中心",
                   category="智能报表", order=90, wall=False)

ROOT_ID = "page-reports"
#: Where the app keeps its report archive (``dashboard.report.archive.EXTENSION_KEY``).
ARCHIVE_KEY = "smartsup.reports"


def _help() -> html.Div:
    return html.Div([
        html.Span("周报每周一 07:00 自动生成；需要时也可在服务器上运行 "),
        html.Code("smartsup report weekly"), html.Span("（指定周次："), html.Code("--week 2026-W47"),
        html.Span("）。在线预览："), html.A("本周版式", href=dash.get_relative_path("/report/weekly")),
        html.Span("。"),
    ], className="report-archive-help")


def layout(**_query: Any) -> html.Div:
    archive = current_app.extensions.get(ARCHIVE_KEY)
    if jurisdiction() is not None:
        # the archive holds the district's reports; a station's own are written per office
        # (smartsup report weekly --office) and handed out by the administrators
        return html.Div([
            html.Div([html.H2(f"{REPORT_TITLE}归档", className="screen-title")], className="screen-header"),
            empty_state("归档中是全区周报", "本所辖区的周报由管理员按所生成后分发；在线预览本所辖区："
                        "周报版式页面只统计本所街镇。"),
        ], id=ROOT_ID, className="reports-archive")
    entries = archive.entries(dash.get_relative_path("/reports/files/")) if archive is not None else []
    body: Any = archive_table(entries) if entries else empty_state(
        "归档中还没有周报", "生成第一份周报后，这里会列出每一周的 PDF 供下载。")
    return html.Div([
        html.Div([html.H2(f"{REPORT_TITLE}归档", className="screen-title"), _help()],
                 className="screen-header"),
        body,
    ], id=ROOT_ID, className="reports-archive")
