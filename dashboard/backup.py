"""``smartsup backup`` / ``smartsup restore`` for the embedded SQLite store.

Both go through SQLite's online backup API, page by page, so the app may keep serving (and the
refresh writing) while a backup is taken: the copy is one consistent state of the database, WAL
included — which a file copy of a live WAL database is not. Every copy is checked with
``PRAGMA integrity_check`` before it is called a backup or restored from. A backup is written beside
its final name and renamed into place, so an interrupted run (full disk) leaves nothing behind.

PostgreSQL is backed up with its own tools (``pg_dump``/``pg_restore``, docs/deploy.md); the
commands say so instead of pretending.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

PG_HINT = (
    "PostgreSQL 库请用 pg_dump 备份、pg_restore 恢复（见 docs/deploy.md “备份与恢复”），"
    "例如 pg_dump -Fc -f smartsup-$(date +%F).dump smartsup"
)
#: Tables every smartsup store has: a file without them is not a store to restore from.
REQUIRED_TABLES = ("alembic_version", "meta", "street", "entity")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is one Chinese sentence."""


@dataclass
class BackupResult:
    """A verified copy: where, how big, how many pages."""

    path: Path
    bytes: int
    pages: int


def sqlite_path(database_url: str) -> Path:
    """The file of a SQLite URL; ``BackupError`` (with the pg_dump hint) for anything else."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "postgresql":
        raise BackupError(PG_HINT)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(f"只能备份 SQLite 文件库，当前数据库是 {url.render_as_string(hide_password=True)}")
    return Path(url.database)


def _check(conn: sqlite3.Connection, what: str) -> None:
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what}不是完好的 SQLite 数据库（{exc}）") from None
    if rows != ["ok"]:
        raise BackupError(f"{what}未通过完整性检查（PRAGMA integrity_check）：{rows[0]}")
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [t for t in REQUIRED_TABLES if t not in names]
    if missing:
        raise BackupError(f"{what}不是智慧监管的数据库（缺少表 {', '.join(missing)}）")


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        with contextlib.suppress(OSError):
            p.unlink(missing_ok=True)


def backup(database_url: str, out_dir: Path, *, now: datetime | None = None) -> BackupResult:
    """Copy the live store into ``out_dir/smartsup-<YYYYmmdd-HHMMSS>.sqlite`` and verify the copy."""
    source = sqlite_path(database_url)
    if not source.is_file():
        raise BackupError(f"找不到数据库文件 {source}")
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / f"smartsup-{(now or datetime.now()):%Y%m%d-%H%M%S}.sqlite"
    tmp = out_dir / f".{final.name}.{os.getpid()}.tmp"
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst, pages=4096)  # in steps: writers get the lock between them
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            _check(dst, "备份副本")
            pages = dst.execute("PRAGMA page_count").fetchone()[0]
        finally:
            dst.close()
            src.close()
        os.replace(tmp, final)
    except sqlite3.Error as exc:
        _remove(tmp)
        raise BackupError(f"备份失败：{exc}") from None
    except BaseException:
        _remove(tmp)
        raise
    return BackupResult(final, final.stat().st_size, pages)


def restore(database_url: str, backup_file: Path) -> BackupResult:
    """Replace the live store's content with ``backup_file`` (checked first, then checked again).

    The backup API writes into the live database under SQLite's own locking, so a running app
    sees the old state or the new one, never a mix; readers of the old tables are not broken.
    """
    target = sqlite_path(database_url)
    if not backup_file.is_file():
        raise BackupError(f"找不到备份文件 {backup_file}")
    try:
        src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        try:
            _check(src, f"备份文件 {backup_file.name} ")
            target.parent.mkdir(parents=True, exist_ok=True)
            dst = sqlite3.connect(target, timeout=30)
            try:
                src.backup(dst)
                _check(dst, "恢复后的数据库")
                pages = dst.execute("PRAGMA page_count").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"恢复失败：{exc}") from None
    return BackupResult(target, target.stat().st_size, pages)
