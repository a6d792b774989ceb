"""The schema is created and upgraded by the migrations, identically on SQLite and PostgreSQL."""

import pytest
import sqlalchemy as sa

from data_access import schema
from data_access.migrate import current_revision, upgrade


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request):
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


def test_sch001_migrations_create_every_contract_table(engine):
    insp = sa.inspect(engine)
    for table in schema.metadata.sorted_tables:
        assert insp.has_table(table.name), table.name
        cols = {c["name"] for c in insp.get_columns(table.name)}
        assert cols == {c.name for c in table.columns}, table.name
    assert current_revision(engine) is not None


def test_sch002_upgrade_is_idempotent(engine):
    rev = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == rev


def test_sch003_migrations_match_the_declared_schema(engine):
    """Autogenerate finds nothing to do: the migration history and schema.py agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                schema.metadata)
    assert diff == []


def test_sch004_indexes_for_the_screens_reads(engine):
    insp = sa.inspect(engine)
    indexed = {(t, tuple(ix["column_names"])) for t in ("complaint", "entity", "case_file")
               for ix in insp.get_indexes(t)}
    assert ("complaint", ("received_at",)) in indexed
    assert ("entity", ("status", "entity_type")) in indexed
    assert ("case_file", ("opened_on",)) in indexed
