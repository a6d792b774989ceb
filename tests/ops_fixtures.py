"""Helpers for the operations tests."""

from __future__ import annotations

import sqlalchemy as sa

from data_access import schema as s


def audit_rows(engine: sa.Engine) -> list[dict]:
    """Every audit row, oldest first."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(s.audit_log).order_by(s.audit_log.c.id)).mappings()]


def writable_app(tmp_path_factory, tmp_path, small_store_url: str, name: str):
    """Yield the app on a private, writable copy of the refreshed small district (reads uncached), for
    tests that write (dispatch, warning handling, the draw, the rules); ``name`` names the copy."""
    import shutil

    from dashboard.app import create_app
    from dashboard.settings import Settings
    from data_access import cache
    from tests.test_refresh import refreshed_copy

    src = sa.make_url(refreshed_copy(tmp_path_factory, small_store_url)).database
    path = tmp_path / f"{name}.sqlite"
    shutil.copy(src, path)
    settings = Settings(database_url=f"sqlite:///{path}", data_dir=tmp_path / "data", cache_type="null")
    yield create_app(settings)
    cache.reset()
