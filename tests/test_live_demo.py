"""``smartsup demo`` serves from a process image that did not generate (issue 13 §9)."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

import dashboard.cli as cli
from data_access.db import make_engine, set_meta
from data_access.migrate import upgrade


class Execd(Exception):
    pass


@pytest.fixture
def store_dir(tmp_path, monkeypatch):
    """A data directory whose store looks generated (so demo goes straight to refresh and serve)."""
    engine = make_engine(f"sqlite:///{(tmp_path / 'smartsup.sqlite').resolve()}")
    upgrade(engine)
    with engine.begin() as conn:
        set_meta(conn, {"generated_at": "2026-12-08T02:52:00"})
    engine.dispose()
    # recorded so the test leaves the environment as it found it (demo sets them before exec)
    monkeypatch.setenv("SMARTSUP_DATA_DIR", "unset-by-test")
    monkeypatch.delenv("SMARTSUP_DATABASE_URL", raising=False)
    return tmp_path


def test_demo001_after_building_serves_from_a_fresh_process(store_dir, monkeypatch):
    calls = {}

    def fake_execv(path, argv):
        import os

        calls.update(path=path, argv=argv, data_dir=os.environ.get("SMARTSUP_DATA_DIR"))
        raise Execd

    monkeypatch.setattr(cli, "_maybe_refresh", lambda ctx: True)
    monkeypatch.setattr("os.execv", fake_execv)
    monkeypatch.setattr(cli, "_serve", lambda *a, **k: pytest.fail("served from the building process"))
    result = CliRunner().invoke(cli.main, ["--data-dir", str(store_dir), "demo", "--port", "8123"])
    assert isinstance(result.exception, Execd), result.output
    assert calls["path"] == sys.executable
    assert calls["argv"] == [sys.executable, "-m", "dashboard", "serve", "--port", "8123"]
    assert calls["data_dir"] == str(store_dir)


def test_demo002_nothing_built_serves_in_place(store_dir, monkeypatch):
    served = []
    monkeypatch.setattr(cli, "_maybe_refresh", lambda ctx: False)
    monkeypatch.setattr("os.execv", lambda *a: pytest.fail("exec without a reason"))
    monkeypatch.setattr(cli, "_serve", lambda settings, host, port, debug: served.append(port))
    result = CliRunner().invoke(cli.main, ["--data-dir", str(store_dir), "demo", "--port", "8124"])
    assert result.exit_code == 0, result.output
    assert served == [8124]
