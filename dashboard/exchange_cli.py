"""``smartsup exchange export|import``: the "1+16" package for the city platform (docs/exchange.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def _engine(ctx: click.Context):
    from data_access.db import store

    s = ctx.obj["settings"]
    return store.configure(s.effective_database_url, statement_timeout_ms=s.statement_timeout_ms)


@click.group("exchange")
def exchange() -> None:
    """City exchange ("1+16"): export this district's package, import districts' packages."""


@exchange.command("export")
@click.option("--period", required=True, help="期间：YYYY-MM（月）或 YYYY-Www（ISO 周）。")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="输出目录（默认：数据目录下的 exchange/）。",
)
@click.pass_context
def export_command(ctx: click.Context, period: str, out_dir: Path | None) -> None:
    """Write <district>_<period>.zip: indicator values, credit lists, penalties, 双随机 tasks and results."""
    from importlib.metadata import PackageNotFoundError, version

    from data_access.exchange import ExchangeError, export_package, parse_period

    s = ctx.obj["settings"]
    try:
        generator = f"smartsup {version('smartsup')}"
    except PackageNotFoundError:
        generator = "smartsup"
    try:
        result = export_package(
            _engine(ctx),
            parse_period(period),
            out_dir or s.data_dir / "exchange",
            district_code=s.district_code,
            district_name=s.district_name,
            generator=generator,
        )
    except ExchangeError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    except OSError as exc:
        click.echo(
            f"错误：无法写出数据包（{exc.strerror or exc}）：{out_dir or s.data_dir / 'exchange'}", err=True
        )
        sys.exit(1)
    click.echo(f"已导出 {result.district_code} {result.period.label} 的数据交换包：{result.path}")
    click.echo(
        f"数据截至 {result.data_time:%Y-%m-%d %H:%M}"
        + ("" if result.complete else "；期间尚未结束，数字还会变化（清单 complete=false）")
    )
    click.echo("，".join(f"{k} {v}" for k, v in result.counts.items()))


@exchange.command("import")
@click.argument("packages", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.pass_context
def import_command(ctx: click.Context, packages: tuple[Path, ...]) -> None:
    """Check and load district packages (zip or unpacked directory) into this city store."""
    from data_access.exchange import ExchangeError, import_packages
    from data_access.migrate import upgrade

    engine = _engine(ctx)
    upgrade(engine)
    refused = 0
    for outcome in import_packages(engine, packages):
        if isinstance(outcome, ExchangeError):
            refused += 1
            click.echo(f"拒绝：{outcome}（未写入任何数据）", err=True)
            continue
        said = {
            "imported": "已导入",
            "replaced": "已更新（替换旧包）",
            "unchanged": "未变化（同一个包已导入过）",
        }
        click.echo(
            f"{said[outcome.status]}：{outcome.district_name}（{outcome.district_code}）{outcome.period}  "
            + "，".join(f"{k} {v}" for k, v in outcome.counts.items())
        )
    if refused:
        sys.exit(2)
