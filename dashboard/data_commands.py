"""Commands of the read-optimised layer: ``smartsup refresh`` and ``smartsup indicators``."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime

import click


def _engine(ctx: click.Context):
    from data_access.db import store

    s = ctx.obj["settings"]
    return store.configure(s.effective_database_url, statement_timeout_ms=s.statement_timeout_ms)


@click.command("refresh")
@click.option("--if-needed", is_flag=True, help="只在读优化层缺失或源数据有更新时刷新。")
@click.option("--quiet", is_flag=True, help="不显示进度条。")
@click.option("--full", is_flag=True, help="全量重建（默认只重建源数据变动所及的部分）。")
@click.option("--watch", is_flag=True, help="常驻：源数据一有变动就增量刷新（SIGTERM 或 Ctrl-C 结束）。")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.2),
    default=2.0,
    show_default=True,
    help="--watch 时每隔多少秒检查一次。",
)
@click.pass_context
def refresh_command(
    ctx: click.Context, if_needed: bool, quiet: bool, full: bool, watch: bool, interval: float
) -> None:
    """Rebuild the read-optimised layer (marts, topic libraries, indicators, tags, models)."""
    from data_access.migrate import upgrade
    from data_access.refresh import needs_refresh, refresh

    engine = _engine(ctx)
    upgrade(engine)
    if watch:
        _watch(engine, interval, full)
        return
    if if_needed and not needs_refresh(engine):
        click.echo("读优化层已是最新，无需刷新。")
        return
    result = refresh(engine, progress=not quiet, full=full)
    click.echo(result.summary())


def _watch(engine, interval: float, full: bool) -> None:
    """``refresh --watch``: one line per refresh on standard output; SIGTERM ends it after the
    refresh under way (if any) has switched, so the layer is never left half built."""
    import signal
    import threading

    from data_access.refresh import refresh, watch

    stop = threading.Event()

    def ask_stop(signum, _frame) -> None:
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, ask_stop)
    if full:  # a full rebuild first (e.g. after an upgrade), then incremental ones
        click.echo(refresh(engine, progress=False, full=True).summary(), nl=True)

    def line(result) -> None:
        changed = "，".join(f"{k} {v}" for k, v in sorted(result.changed_tables.items())) or "—"
        click.echo(
            f"{datetime.now():%Y-%m-%d %H:%M:%S} 版本 {result.version} {result.mode} "
            f"{result.seconds:.2f} 秒；变动：{changed}；{result.full_reason or ''}".rstrip("；")
        )
        sys.stdout.flush()

    def failed(exc: Exception) -> None:
        click.echo(f"{datetime.now():%Y-%m-%d %H:%M:%S} 刷新失败：{exc}", err=True)

    click.echo(f"监视源数据变动（每 {interval:g} 秒检查一次）……")
    sys.stdout.flush()
    runs = watch(engine, interval=interval, stop=stop, on_refresh=line, on_error=failed)
    click.echo(f"已停止：共刷新 {runs} 次。")


def _plain(value: object, value_type: str) -> object:
    import pandas as pd

    if value is None or pd.isna(value):  # a ratio with nothing to divide
        return None
    return int(round(value)) if value_type == "count" else float(value)


@click.command("indicators")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本与市级平台交换）。")
@click.option(
    "--markdown", is_flag=True, help="只输出指标目录的 Markdown（生成 docs/indicators.md），不读库。"
)
@click.option(
    "--start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="期间开始（含），默认本月 1 日。"
)
@click.option(
    "--end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="期间结束（不含），默认下月 1 日。"
)
@click.pass_context
def indicators_command(
    ctx: click.Context, as_json: bool, markdown: bool, start: datetime | None, end: datetime | None
) -> None:
    """Print the indicator catalogue with current district values.

    State indicators are as of the data time; period indicators cover the half-open period
    [START, END), by default this month (of the data time).
    """
    from data_access import indicators as lib
    from data_access import marts
    from data_access.api._base import current_data_time
    from data_access.marts import ReadLayerMissing

    if markdown:
        click.echo(lib.catalogue_markdown(), nl=False)
        return
    if (start is None) != (end is None):
        click.echo("错误：--start 与 --end 需要同时给出", err=True)
        sys.exit(2)
    engine = _engine(ctx)
    with engine.connect() as conn:
        try:
            r = marts.reader(conn)
        except ReadLayerMissing as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(1)
        dt = current_data_time(r)
        as_of = dt.date() if dt else date.today()
        if start is None:
            lo, hi = lib.standard_periods(as_of)["month"]
        else:
            lo, hi = start.date(), end.date()
            if lo > hi:
                click.echo("错误：--start 晚于 --end", err=True)
                sys.exit(2)
        state_ids = [i.id for i in lib.CATALOGUE if i.kind == "state"]
        period_ids = [i.id for i in lib.CATALOGUE if i.kind == "period"]
        frame = lib.evaluate(r, state_ids)
        values = dict(zip(frame["indicator_id"], frame["value"], strict=True))
        frame = lib.evaluate(r, period_ids, start=lo, end=hi)
        values |= dict(zip(frame["indicator_id"], frame["value"], strict=True))
    rows = []
    for ind in lib.CATALOGUE:
        rows.append(
            {
                "id": ind.id,
                "name": ind.name,
                "definition": ind.definition,
                "unit": ind.unit,
                "grain": ind.grain,
                "dimensions": list(ind.dimensions),
                "theme": ind.theme,
                "kind": ind.kind,
                "core": ind.core,
                "value": _plain(values.get(ind.id), ind.value_type),
                "period_start": lo.isoformat() if ind.kind == "period" else None,
                "period_end": hi.isoformat() if ind.kind == "period" else None,
            }
        )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "data_time": dt.isoformat(sep=" ") if dt else None,
                    "period": {"start": lo.isoformat(), "end": hi.isoformat()},
                    "indicators": rows,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    shown_time = f"{dt:%Y-%m-%d %H:%M}" if dt else "（库为空）"
    click.echo(f"数据截至：{shown_time}；期间指标的统计期间 [{lo}, {hi})")
    for row in rows:
        v, unit = row["value"], row["unit"]
        if v is None:
            shown = "—"
        elif unit == "比例":
            shown, unit = f"{v:.2%}", ""
        else:
            shown = f"{v:,.2f}" if isinstance(v, float) else f"{v:,}"
        click.echo(f"  {row['id']:<34}{row['name']:<16}{shown:>18} {unit}")
