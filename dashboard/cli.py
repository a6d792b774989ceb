"""The ``smartsup`` command line (also ``python -m dashboard``).

Options given here override ``SMARTSUP_*`` environment variables, which override defaults
(see ``dashboard.settings``). Heavy modules are imported inside the commands so that ``--help``
is instant and nothing connects at import time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dashboard.settings import Settings, get_settings


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def _engine(ctx: click.Context):
    from data_access.db import store

    s = _settings(ctx)
    return store.configure(s.effective_database_url, statement_timeout_ms=s.statement_timeout_ms)


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--database-url", help="数据库 URL（覆盖 SMARTSUP_DATABASE_URL）。")
@click.option("--data-dir", type=click.Path(path_type=Path), help="数据目录（覆盖 SMARTSUP_DATA_DIR）。")
@click.pass_context
def main(ctx: click.Context, database_url: str | None, data_dir: Path | None) -> None:
    """智慧监管·云中心 — 指挥中心大屏、分析工作台与周报。"""
    base = get_settings()
    overrides = {k: v for k, v in {"database_url": database_url, "data_dir": data_dir}.items() if v}
    settings = base.model_copy(update=overrides) if overrides else base
    from dashboard.logging_setup import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    ctx.obj = {"settings": settings}


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create or upgrade the schema (Alembic migrations) and load the shipped street polygons."""
    import sqlalchemy as sa

    from data_access import schema
    from data_access.migrate import upgrade
    from ingest.geography import load_streets

    engine = _engine(ctx)
    upgrade(engine)
    with engine.begin() as conn:
        if not conn.execute(sa.select(sa.func.count()).select_from(schema.street)).scalar_one():
            n = load_streets(conn)
            click.echo(f"已写入 {n} 个街镇的近似边界（可用 smartsup boundaries import 换成官方边界）。")
    click.echo(f"数据库结构已是最新：{engine.url.render_as_string(hide_password=True)}")


@main.command()
@click.option("--scale", type=click.Choice(["small", "minhang"]), default="minhang", show_default=True,
              help="small ≈ 4,500 个主体（测试用）；minhang ≈ 450,000 个主体（演示与基准）。")
@click.option("--seed", type=int, default=20261123, show_default=True,
              help="随机种子：同一种子生成同样的数据。")
@click.option("--until", "until", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="数据截止日期（默认本局时区的今天，截至当前分钟）。")
@click.option("--quiet", is_flag=True, help="不显示进度条。")
@click.pass_context
def generate(ctx: click.Context, scale: str, seed: int, until, quiet: bool) -> None:
    """Fill the store with the synthetic 闵行 district (replaces its contents)."""
    import time

    from data_access.migrate import upgrade
    from ingest.generate import generate as run

    engine = _engine(ctx)
    upgrade(engine)
    t0 = time.perf_counter()
    now = _settings(ctx).now()   # the bureau's clock, not the machine's date
    counts = run(engine, scale=scale, seed=seed, until=(until.date() if until else now.date()),
                 progress=not quiet, now=now)
    took = time.perf_counter() - t0
    click.echo(f"已生成 {scale} 规模的合成数据（种子 {seed}），用时 {took:.1f} 秒：")
    for name, n in counts.items():
        click.echo(f"  {name:<22}{n:>12,}")


@main.command("import")
@click.argument("table")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reject-file", type=click.Path(dir_okay=False, path_type=Path),
              help="被拒行写到这个 CSV（默认：与输入同目录的 <文件名>.rejects.csv）。")
@click.option("--all-or-nothing", is_flag=True, help="有任何一行被拒时一行也不写入。")
@click.option("--encoding", default=None, help="CSV 编码（默认自动识别 UTF-8 / GB18030）。")
@click.pass_context
def import_(ctx: click.Context, table: str, file: Path, reject_file: Path | None,
            all_or_nothing: bool, encoding: str | None) -> None:
    """Validated import of a CSV or XLSX export into TABLE."""
    from data_access.migrate import upgrade
    from ingest.importer import IMPORTABLE, ImportError_, import_file

    if table not in IMPORTABLE:
        _fail(f"不支持导入表 {table}；可导入：{', '.join(sorted(IMPORTABLE))}", 2)
    engine = _engine(ctx)
    upgrade(engine)
    try:
        result = import_file(engine, table, file, reject_file=reject_file,
                             all_or_nothing=all_or_nothing, encoding=encoding, progress=True)
    except ImportError_ as exc:
        _fail(str(exc), 2)
    from dashboard.auth import record

    record("import", table, {"file": file.name, "summary": result.summary()[:200]}, engine=engine)
    click.echo(result.summary())
    if result.rejected:
        sys.exit(3)


@main.group()
def boundaries() -> None:
    """Manage the street (街镇) polygons."""


@boundaries.command("import")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--code-field", default="code", show_default=True, help="存放 12 位街镇代码的属性名。")
@click.pass_context
def boundaries_import(ctx: click.Context, file: Path, code_field: str) -> None:
    """Replace the approximate street polygons with official ones (GeoJSON or Shapefile)."""
    from data_access.migrate import upgrade
    from ingest.geography import BoundaryError, replace_street_polygons

    engine = _engine(ctx)
    upgrade(engine)
    try:
        n = replace_street_polygons(engine, file, code_field=code_field)
    except BoundaryError as exc:
        _fail(str(exc), 2)
    from dashboard.auth import record

    record("import", "boundaries", {"file": file.name, "streets": n}, engine=engine)
    click.echo(f"已替换 {n} 个街镇的边界（来源：{file.name}）。")


@main.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show what is in the store: rows per table and the data time."""
    from data_access.db import table_counts
    from data_access.freshness import data_time

    engine = _engine(ctx)
    with engine.connect() as conn:
        counts = table_counts(conn)
        dt = data_time(conn)
    click.echo(f"数据截至：{dt:%Y-%m-%d %H:%M}" if dt else "数据截至：（库为空）")
    for name, n in counts.items():
        click.echo(f"  {name:<22}{n:>12,}")


@main.command()
@click.option("--interval", type=float, default=10.0, show_default=True, help="每隔多少秒追加一批事件。")
@click.option("--duration", type=float, default=None, help="运行多少秒后退出（默认一直运行，Ctrl-C 结束）。")
@click.option("--speed", type=float, default=1.0, show_default=True, help="事件速率倍数（演示时可调大）。")
@click.option("--refresh-every", type=float, default=60.0, show_default=True,
              help="每隔多少秒重建一次读优化层，让大屏看到新事件（0 = 不刷新）。")
@click.option("--seed", type=int, default=None, help="随机种子（默认每次不同）。")
@click.pass_context
def simulate(ctx: click.Context, interval: float, duration: float | None, speed: float,
             refresh_every: float, seed: int | None) -> None:
    """Append plausible events in real time (complaints, alarms, warnings, incidents)."""
    from data_access.refresh import refresh
    from ingest.simulate import run

    engine = _engine(ctx)

    def report(now, counts) -> None:
        click.echo(f"{now:%H:%M:%S} 新增 投诉 {counts['complaint']}，告警 {counts['alarm']}，"
                   f"预警 {counts['warning']}，突发事件 {counts['incident']}")

    try:
        stats = run(engine, interval_s=interval, duration_s=duration, speed=speed, seed=seed, on_tick=report,
                    refresh_every_s=refresh_every, refresh=lambda: refresh(engine, progress=False),
                    clock=_settings(ctx).now)
    except KeyboardInterrupt:
        click.echo("已停止。")
        return
    except RuntimeError as exc:
        _fail(str(exc))
    click.echo(f"共 {stats.ticks} 批：" + "，".join(f"{k} {v}" for k, v in stats.appended.items()))


def _serve(settings: Settings, host: str | None, port: int | None, debug: bool) -> None:
    from dashboard.app import create_app
    from dashboard.browser import BannerlessHandler

    app = create_app(settings)
    app.run(host=host or settings.host, port=port or settings.port, debug=debug,
            request_handler=BannerlessHandler)


@main.command()
@click.option("--host", default=None, help="监听地址（默认 SMARTSUP_HOST）。")
@click.option("--port", type=int, default=None, help="端口（默认 SMARTSUP_PORT）。")
@click.option("--debug", is_flag=True, help="Dash 调试模式（开发用）。")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, debug: bool) -> None:
    """Serve the app (development server; use gunicorn 'dashboard.wsgi:server' in production)."""
    _serve(_settings(ctx), host, port, debug)


@main.command()
@click.option("--host", default=None, help="监听地址。")
@click.option("--port", type=int, default=None, help="端口。")
@click.option("--scale", type=click.Choice(["small", "minhang"]), default="minhang", show_default=True)
@click.pass_context
def demo(ctx: click.Context, host: str | None, port: int | None, scale: str) -> None:
    """First run: create the embedded store with the synthetic district; then serve.

    Generating and refreshing leave this process holding well over a gigabyte (pandas frames,
    allocator arenas that are never handed back); when either ran, the server is started afresh in
    a new process image (``exec``), so the worker serving the walls holds only what serving needs.
    """
    from data_access.db import get_meta
    from data_access.migrate import upgrade

    engine = _engine(ctx)
    upgrade(engine)
    with engine.connect() as conn:
        generated = get_meta(conn, "generated_at")
    built = False
    if not generated:
        click.echo("首次运行：正在生成闵行区合成数据（约 2 分钟）……")
        ctx.invoke(generate, scale=scale, seed=20261123, until=None, quiet=False)
        built = True
    built = _maybe_refresh(ctx) or built
    from dashboard.identity_commands import create_demo_accounts

    base_url = f"http://{host or _settings(ctx).host}:{port or _settings(ctx).port}"
    create_demo_accounts(engine, base_url)
    click.echo(f"打开 {base_url}/（用上面的演示账户登录）")
    if built:
        _exec_serve(_settings(ctx), host, port)
    _serve(_settings(ctx), host, port, debug=False)


def _exec_serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Replace this process with ``smartsup serve`` (same settings; never returns).

    The store's location travels in the environment rather than on the command line, where a
    database password would show in ``ps``.
    """
    import os

    from data_access.db import store

    store.dispose()   # no pooled connection crosses into the new image
    os.environ["SMARTSUP_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        os.environ["SMARTSUP_DATABASE_URL"] = settings.database_url
    argv = [sys.executable, "-m", "dashboard", "serve"]
    if host:
        argv += ["--host", host]
    if port:
        argv += ["--port", str(port)]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)


def _maybe_refresh(ctx: click.Context) -> bool:
    """Build the read-optimised layer when it is missing or older than the source data; whether it ran."""
    from data_access.refresh import needs_refresh, refresh

    engine = _engine(ctx)
    if needs_refresh(engine):
        refresh(engine, progress=True)
        return True
    return False


@main.group("draw", invoke_without_command=True)
@click.option("--office", default=None,
              help="任务所属机构代码（默认抽取其辖区街镇，检查人员取该机构持证人员）。")
@click.option("--street", "streets", multiple=True, help="街镇代码（可重复）；不给 --office 时须同属一个所。")
@click.option("--entity-type", "entity_types", multiple=True,
              help="只抽这些主体类型（enterprise/individual/cooperative/branch，可重复）。")
@click.option("--section", "sections", multiple=True, help="只抽这些行业门类（GB/T 4754，A–T，可重复）。")
@click.option("--ratio", default=None, help="各类抽取比例，如 A=0.03,B=0.1,C=0.3,D=0.8（未给的类用默认值）。")
@click.option("--size", type=int, default=None, help="总样本量（按比例 × 各类主体数分配到各类）。")
@click.option("--seed", default=None, help="公开的随机种子（任意文字，最长 64 字）。")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="抽取日期（默认数据时间当天）；回避期按它往前 12 个月算。")
@click.option("--dry-run", is_flag=True, help="只抽取并显示，不写入。")
@click.option("--show", type=int, default=10, show_default=True, help="显示前几组配对。")
@click.pass_context
def draw_command(ctx: click.Context, office, streets, entity_types, sections, ratio, size, seed, on,
                 dry_run: bool, show: int) -> None:
    """Risk-weighted 双随机 draw: entities by credit class, two inspectors each (docs/draw.md)."""
    if ctx.invoked_subcommand is not None:
        return
    import getpass

    from data_access.draw import DrawError, draw_audit, run_draw

    try:
        ratios = dict(part.split("=", 1) for part in ratio.split(",") if part.strip()) if ratio else None
    except ValueError:
        _fail(f"--ratio 格式应为 A=0.03,B=0.1,C=0.3,D=0.8：{ratio}", 2)
    if ratios is not None and size is not None:
        _fail("--ratio 与 --size 只能给一个（给 --size 时比例按默认值作权重）", 2)
    try:
        r = run_draw(_engine(ctx), seed=seed, office=office, streets=streets, entity_types=entity_types,
                     sections=sections, ratios=ratios, size=size, on=on.date() if on else None,
                     dry_run=dry_run, audit=draw_audit(f"cli:{getpass.getuser()}", None))
    except DrawError as exc:
        _fail(str(exc), 2)
    d = r.draw
    click.echo(f"{'试抽（未写入）' if dry_run else '已抽取并写入'}：任务 {r.task_id}  {r.task_name}")
    click.echo(f"种子：{r.seed}    抽取日期：{r.on}    检查人员库：{len(r.inputs.inspectors)} 人    "
               f"回避关系：{len(r.inputs.conflicts)} 对")
    click.echo("类别  主体数  比例     抽中")
    counts = d.counts()
    for c in ("A", "B", "C", "D"):
        click.echo(f"{c:<4}{d.population[c]:>8,}  {d.ratios[c]:>6.1%}  {counts[c]:>6,}")
    click.echo(f"合计{sum(d.population.values()):>8,}          {sum(counts.values()):>6,}"
               + (f"（其中 {r.inputs.n_unclassified} 户未分类主体按 {r.inputs.unclassified} 类）"
                  if r.inputs.n_unclassified else ""))
    for w in d.warnings:
        click.echo(f"提示：{w}")
    click.echo("统一社会信用代码      类别  检查人员")
    for a in d.assignments[:show]:
        click.echo(f"{a.uscc}  {a.risk_class}     {a.inspectors[0]} + {a.inspectors[1]}")
    if len(d.assignments) > show:
        click.echo(f"……共 {len(d.assignments)} 户")


@draw_command.command("verify")
@click.argument("task_id")
@click.pass_context
def draw_verify(ctx: click.Context, task_id: str) -> None:
    """Re-run a stored draw from its seed and recorded inputs: 一致 or 不一致."""
    from data_access.draw import DrawError, verify_draw

    try:
        v = verify_draw(_engine(ctx), task_id)
    except DrawError as exc:
        _fail(str(exc), 2)
    click.echo(f"任务 {v.task_id}（种子 {v.seed}）：重新抽取 {v.expected} 户，库中 {v.stored} 户 — "
               f"{'一致' if v.consistent else '不一致'}")
    for line in v.differences:
        click.echo(f"  {line}")
    if not v.consistent:
        sys.exit(1)


# --- 预警规则 (issue 11, docs/rules.md) ------------------------------------------------------------

@main.group("rules", invoke_without_command=True)
@click.pass_context
def rules_command(ctx: click.Context) -> None:
    """The warning rules: the catalogue with its parameters (``smartsup rules``), or ``rules run``."""
    if ctx.invoked_subcommand is not None:
        return
    from data_access.rules import ensure_catalogue, rule_catalogue

    engine = _engine(ctx)
    with engine.begin() as conn:
        ensure_catalogue(conn)
    for r in rule_catalogue(engine):
        state = "启用" if r["enabled"] else "停用"
        params = "，".join(f"{k}={v}" for k, v in r["params"].items())
        bad = f"  定义无效：{r['error']}" if r.get("error") else ""
        click.echo(f"{r['rule_id']}  {state}  {r['level']:<6}  {r['name']}  {params}{bad}")


@rules_command.command("run")
@click.pass_context
def rules_run(ctx: click.Context) -> None:
    """Evaluate the enabled rules now and raise the new warnings (``smartsup refresh`` does this too)."""
    from data_access.rules import evaluate

    run = evaluate(_engine(ctx))
    click.echo(run.summary())
    for rule_id, n in run.raised.items():
        if n:
            click.echo(f"  {rule_id}：新预警 {n} 条")
    for rule_id, message in run.errors.items():
        click.echo(f"  {rule_id}：{message}", err=True)
    if run.errors:
        sys.exit(1)


from dashboard.bench import bench_command  # noqa: E402
from dashboard.bench_soak import soak_command  # noqa: E402
from dashboard.data_commands import indicators_command, refresh_command  # noqa: E402

main.add_command(refresh_command)
main.add_command(indicators_command)
main.add_command(bench_command)
main.add_command(soak_command)
from dashboard.report.cli import report  # noqa: E402

main.add_command(report)

# --- operations and the city exchange (issue 14): one block -------------------------------------
from dashboard.exchange_cli import exchange  # noqa: E402
from dashboard.ops_cli import backup_command, restore_command  # noqa: E402
from dashboard.static_export import static  # noqa: E402

main.add_command(exchange)
main.add_command(backup_command)
main.add_command(restore_command)
main.add_command(static)
# --- identity: accounts and the audit log (issue 10) ---
from dashboard.identity_commands import audit_command, users_command  # noqa: E402

main.add_command(users_command)
main.add_command(audit_command)

if __name__ == "__main__":  # pragma: no cover
    main()
