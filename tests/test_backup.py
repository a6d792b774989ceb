"""``smartsup backup`` / ``restore``: online, verified, refusing damaged files, nothing left behind."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from dashboard.backup import BackupError, backup, restore
from dashboard.cli import main
from dashboard.settings import get_settings


@pytest.fixture
def live(tmp_path, small_store_url) -> Path:
    path = tmp_path / "live" / "smartsup.sqlite"
    path.parent.mkdir()
    shutil.copy(sa.make_url(small_store_url).database, path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")  # as the app runs it
    con.close()
    return path


def _count(path: Path, table: str = "complaint") -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def _cli(*args: str):
    get_settings.cache_clear()
    return CliRunner().invoke(main, list(args))


def test_bak001_online_backup_while_writing_is_consistent_and_verified(live, tmp_path):
    n = _count(live)
    writer = sqlite3.connect(live, timeout=30, check_same_thread=False)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN")
    writer.execute("DELETE FROM complaint WHERE id IN (SELECT id FROM complaint LIMIT 10)")
    # an open write transaction: the backup sees the committed state, not the half-done one
    result = backup(f"sqlite:///{live}", tmp_path / "backups")
    writer.execute("COMMIT")

    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.is_set():
            writer.execute("UPDATE meta SET value = value WHERE key = 'generated_at'")
            writer.commit()

    t = threading.Thread(target=keep_writing)
    t.start()
    try:
        second = backup(f"sqlite:///{live}", tmp_path / "backups2")
    finally:
        stop.set()
        t.join()
        writer.close()
    assert _count(result.path) == n
    assert _count(second.path) == n - 10
    con = sqlite3.connect(result.path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    con.close()
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [result.path.name]


def test_bak002_restore_replaces_the_content_and_refuses_damaged_files(live, tmp_path):
    url = f"sqlite:///{live}"
    n = _count(live)
    saved = backup(url, tmp_path / "b").path
    con = sqlite3.connect(live)
    con.execute("DELETE FROM complaint")
    con.commit()
    con.close()
    assert _count(live) == 0
    restore(url, saved)
    assert _count(live) == n

    damaged = tmp_path / "damaged.sqlite"
    raw = bytearray(saved.read_bytes())
    for i in range(4096 * 3, 4096 * 3 + 200):  # scribble over a b-tree page
        raw[i] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    with pytest.raises(BackupError, match="完整性检查|不是完好的"):
        restore(url, damaged)
    stranger = tmp_path / "other.sqlite"
    sqlite3.connect(stranger).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(BackupError, match="不是智慧监管的数据库"):
        restore(url, stranger)
    assert _count(live) == n


def test_bak003_cli(live, tmp_path):
    url = f"sqlite:///{live}"
    r = _cli("--database-url", url, "--data-dir", str(tmp_path / "d"), "backup")
    assert r.exit_code == 0, r.output
    assert "已备份并通过完整性检查" in r.output
    (made,) = (tmp_path / "d" / "backups").iterdir()
    r = _cli("--database-url", url, "--data-dir", str(tmp_path / "d"), "restore", str(made), "--yes")
    assert r.exit_code == 0, r.output
    assert "已从" in r.output and "查询缓存已清空" in r.output
    text = tmp_path / "text.sqlite"
    text.write_text("not a database")
    r = _cli("--database-url", url, "restore", str(text), "--yes")
    assert r.exit_code == 2 and "当前数据库未改动" in r.output and r.output.count("\n") == 1


def test_bak004_postgres_points_to_pg_dump(tmp_path):
    r = _cli("--database-url", "postgresql+psycopg://u@h/db", "backup")
    assert r.exit_code == 2 and "pg_dump" in r.output
    with pytest.raises(BackupError, match="pg_restore"):
        restore("postgresql+psycopg://u@h/db", tmp_path / "x")
