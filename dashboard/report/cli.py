"""``smartsup report``: the weekly PDF on demand (``weekly``) and on a schedule (``schedule``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from dashboard.settings import Settings


@click.group("report")
def report() -> None:
    """周报：按需生成 PDF（weekly），或每周一 07:00 定时生成（schedule）。"""


@report.command("weekly")
@click.option("--week", default=None, metavar="YYYY-Www",
              help="ISO 周次，如 2026-W47（默认：数据时间之前最近一个完整周）。")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="归档目录（默认 SMARTSUP_REPORT_DIR，未设置时为数据目录下的 reports/）。")
@click.option("--timeout", type=float, default=None, help="页面渲染的最长等待秒数（默认 90）。")
@click.option("--office", default=None, metavar="CODE",
              help="市场监管所的机构代码：只统计该所辖区街镇，归档到归档目录下的 <CODE>/ 子目录。")
@click.pass_context
def weekly(ctx: click.Context, week: str | None, out_dir: Path | None, timeout: float | None,
           office: str | None) -> None:
    """Render the weekly report to PDF and archive it as 周报_<YYYY-Www>.pdf with a sidecar JSON."""
    from components.formatting import format_number
    from dashboard.report.render import DEFAULT_TIMEOUT_S, STEPS, ReportFailure, render_weekly

    settings: Settings = ctx.obj["settings"]

    def step(n: int, text: str) -> None:
        click.echo(f"[{n}/{len(STEPS)}] {text}")

    try:
        result = render_weekly(settings, week, out_dir, timeout_s=timeout or DEFAULT_TIMEOUT_S, office=office,
                               progress=step)
    except ReportFailure as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    except OSError as exc:  # e.g. the data directory's caches on a full disk: one line, not a trace
        from dashboard.report.render import write_error

        click.echo(f"错误：写入 {exc.filename or '数据目录'} 失败：{write_error(exc)}，未生成周报", err=True)
        sys.exit(1)
    click.echo(f"已生成 {result.pdf}（{result.pages} 页，用时 {format_number(result.seconds, 1)} 秒）")


@report.command("schedule")
@click.pass_context
def schedule(ctx: click.Context) -> None:
    """Run 'report weekly' every Monday 07:00 Asia/Shanghai (blocking; where there is no systemd or cron)."""
    from dashboard.report.archive import ReportArchive, pdf_name
    from dashboard.report.schedule import run_schedule

    settings: Settings = ctx.obj["settings"]
    # the child sees the store and data directory this process was given, through the environment
    # rather than its arguments (a database URL may hold a password; arguments are public in ps)
    env = {**os.environ, "SMARTSUP_DATABASE_URL": settings.effective_database_url,
           "SMARTSUP_DATA_DIR": str(settings.data_dir)}
    if settings.report_dir is not None:
        env["SMARTSUP_REPORT_DIR"] = str(settings.report_dir)

    def job() -> int:
        return subprocess.run([sys.executable, "-m", "dashboard", "report", "weekly"], env=env,
                              check=False).returncode

    click.echo("周报定时任务已启动：每周一 07:00（Asia/Shanghai）生成上一周的周报；Ctrl-C 结束。")
    archive = ReportArchive(Path(settings.effective_report_dir))
    try:
        run_schedule(job, echo=click.echo, archived=lambda code: archive.path_for(pdf_name(code)) is not None)
    except KeyboardInterrupt:
        click.echo("已停止。")
