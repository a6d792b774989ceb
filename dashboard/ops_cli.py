"""``smartsup backup`` / ``smartsup restore``: the embedded SQLite store's verified copies."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("backup")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="备份目录（默认：数据目录下的 backups/）。",
)
@click.pass_context
def backup_command(ctx: click.Context, out_dir: Path | None) -> None:
    """Online backup of the SQLite store (app may keep running), verified with PRAGMA integrity_check."""
    from dashboard.backup import BackupError, backup
    from dashboard.report.render import write_error

    s = ctx.obj["settings"]
    try:
        result = backup(s.effective_database_url, out_dir or s.data_dir / "backups")
    except BackupError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    except OSError as exc:
        click.echo(f"错误：无法写入备份目录（{write_error(exc)}），未留下任何备份文件", err=True)
        sys.exit(1)
    click.echo(f"已备份并通过完整性检查：{result.path}（{result.bytes / 2**20:.1f} MB，{result.pages} 页）")


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="不询问，直接用备份替换当前数据库。")
@click.pass_context
def restore_command(ctx: click.Context, backup_file: Path, yes: bool) -> None:
    """Replace the SQLite store with a backup (checked before and after); clears the query cache."""
    from dashboard.backup import BackupError, restore, sqlite_path
    from data_access import cache as query_cache

    s = ctx.obj["settings"]
    try:
        target = sqlite_path(s.effective_database_url)
    except BackupError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    if not yes and not click.confirm(f"用 {backup_file} 替换 {target} 的全部内容？", default=False):
        click.echo("已取消。")
        return
    try:
        result = restore(s.effective_database_url, backup_file)
    except BackupError as exc:
        click.echo(f"错误：{exc}；当前数据库未改动", err=True)
        sys.exit(2)
    # The restored store may carry a data version the cache has seen with other content: start clean.
    query_cache.init_cache_from_settings(s)
    query_cache.clear()
    click.echo(
        f"已从 {backup_file.name} 恢复并通过完整性检查：{result.path}（{result.pages} 页）；查询缓存已清空"
    )
