"""A PostgreSQL URL's own ``options`` survive the statement timeout the app adds."""

import sqlalchemy as sa

from data_access.db import make_engine


def test_odb001_url_options_and_statement_timeout_both_apply(pg_engine):
    url = pg_engine.url.render_as_string(hide_password=False)  # carries -csearch_path=<test schema>
    schema_name = pg_engine.url.query["options"].split("=", 1)[1]
    engine = make_engine(url, statement_timeout_ms=1234)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "1234ms"
            assert schema_name in conn.execute(sa.text("SHOW search_path")).scalar()
    finally:
        engine.dispose()
