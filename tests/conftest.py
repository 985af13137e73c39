"""Fixtures every test package shares: the database URL of a service test, on the embedded SQLite
and on PostgreSQL (127.0.0.1:5432, as in CI).

Each PostgreSQL test gets a fresh database. When no server answers, the PostgreSQL variants are
skipped with a loud reason (and a warning on the terminal) — never silently.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.world import World

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _pg_available() -> str | None:
    try:
        with create_engine(PG_ADMIN).connect() as conn:
            conn.execute(text("select 1"))
        return None
    except Exception as exc:  # any failure to reach the server means: skip, loudly
        return f"PostgreSQL not reachable at 127.0.0.1:5432 ({exc.__class__.__name__}) — PostgreSQL variants SKIPPED"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    reason = _pg_available()
    if reason:
        warnings.warn(reason, stacklevel=1)
        pytest.skip(reason)
    name = f"syncsettle_t_{uuid.uuid4().hex[:12]}"
    admin_engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


@pytest.fixture(scope="session")
def cli() -> Callable[..., Any]:
    """Run a ``syncsettle`` command in this process: ``cli("check", "--json")`` → click's result
    (``exit_code``, ``stdout``, ``stderr``); exceptions are not swallowed."""
    from typer.testing import CliRunner

    from syncsettle.entrypoints.cli import _load_commands, app

    _load_commands()
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    w = World(database_url)
    yield w
    w.platform.engine.dispose()
