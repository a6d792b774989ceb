"""Alembic environment: runs migrations on the engine handed over by ``data_access.migrate``."""

from alembic import context

from data_access.schema import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
