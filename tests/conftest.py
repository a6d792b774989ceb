"""Shared fixtures: stores on SQLite and on the real PostgreSQL, and a generated small district.

PostgreSQL runs are isolated in a schema of their own (``CREATE SCHEMA`` + ``search_path``), so
concurrent runs against the one ``test`` database never see each other's rows. The PostgreSQL and
Redis tests are never skipped: when the server is missing they fail, so CI cannot go green without them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from data_access.db import make_engine
from data_access.migrate import upgrade

PG_URL = os.environ.get("SMARTSUP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SMARTSUP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

#: The as-of date of the small test district: fixed, so expected values are stable.
SMALL_UNTIL = date(2026, 11, 20)
SMALL_SEED = 7


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty, migrated SQLite store in a temporary file."""
    engine = make_engine(sqlite_url(tmp_path / "store.sqlite"))
    upgrade(engine)
    yield engine
    engine.dispose()


def _pg_schema_url(schema_name: str) -> str:
    u = sa.make_url(PG_URL)
    return u.update_query_dict({"options": f"-csearch_path={schema_name}"}).render_as_string(
        hide_password=False)


@pytest.fixture
def pg_engine() -> Iterator[sa.Engine]:
    """An empty, migrated store in a fresh schema of the real PostgreSQL (dropped afterwards)."""
    yield from _pg_store()


def _pg_store() -> Iterator[sa.Engine]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    engine = make_engine(_pg_schema_url(name))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def small_store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a SQLite store holding the small synthetic district (generated once per session)."""
    from ingest.generate import generate

    path = tmp_path_factory.mktemp("small") / "small.sqlite"
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    generate(engine, scale="small", seed=SMALL_SEED, until=SMALL_UNTIL, progress=False)
    engine.dispose()
    return sqlite_url(path)


@pytest.fixture(scope="session")
def small_engine(small_store_url: str) -> Iterator[sa.Engine]:
    """An engine on the small synthetic district (treat as read-only)."""
    engine = make_engine(small_store_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def small_pg_engine() -> Iterator[sa.Engine]:
    """The small synthetic district generated into PostgreSQL (own schema; read-only)."""
    from ingest.generate import generate

    for engine in _pg_store():
        generate(engine, scale="small", seed=SMALL_SEED, until=SMALL_UNTIL, progress=False)
        yield engine
