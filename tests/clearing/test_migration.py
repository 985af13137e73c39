"""The clearing migration creates exactly the tables the schema module declares, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from syncsettle.adapters.db.core.engine import make_engine
from syncsettle.adapters.db.core.migrate import upgrade
from syncsettle.adapters.db.tables import metadata


def test_migrations_match_the_declared_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()
