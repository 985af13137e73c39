"""Alembic environment: runs against the connection handed in by :func:`syncsettle.adapters.db.core.migrate`."""

from __future__ import annotations

from alembic import context

from syncsettle.adapters.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable through the alembic CLI
    raise RuntimeError("run migrations with `syncsettle db upgrade`")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
