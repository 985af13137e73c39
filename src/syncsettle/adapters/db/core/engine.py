"""Database engines: the embedded SQLite default (WAL) and PostgreSQL via ``SYNCSETTLE_DATABASE_URL``.

SQLite: WAL journal, foreign keys on, a generous busy timeout, and every transaction opened with
``BEGIN IMMEDIATE`` so writers queue for the lock up front instead of failing half-way (this is how
settlements of one person serialise on SQLite). PostgreSQL: psycopg 3 with a pool sized for the
service's concurrency; per-person serialisation uses row locks (``SELECT … FOR UPDATE``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError

from syncsettle.adapters.observability.sql_count import count_statements

DEFAULT_SQLITE_PATH = Path("var") / "syncsettle.db"


def database_url(explicit: str | None = None) -> str:
    """The URL to use: the explicit one, else ``SYNCSETTLE_DATABASE_URL``, else ``./var/syncsettle.db``."""
    url = explicit or os.environ.get("SYNCSETTLE_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


class MissingDatabase(Exception):
    """A SQLite database file that does not exist, where one was expected (a mistyped path)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def make_engine(url: str | None = None, *, pool_size: int = 20, must_exist: bool = False) -> Engine:
    """An engine for ``url`` (see :func:`database_url`). ``must_exist``: refuse a SQLite file that is
    not there (:class:`MissingDatabase`) instead of letting SQLite create an empty one — every command
    but ``db upgrade`` and the demo, so a mistyped path is an error, not a new empty database."""
    resolved = database_url(url)
    if resolved.startswith("sqlite"):
        path = resolved.removeprefix("sqlite:///")
        if path and path != ":memory:" and not path.startswith("file:"):
            if must_exist and not Path(path).exists():
                raise MissingDatabase(path)
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(resolved, connect_args={"check_same_thread": False, "timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        count_statements(engine)

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            readonly = conn.get_execution_options().get("syncsettle_readonly", False)
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    engine = create_engine(resolved, pool_size=pool_size, max_overflow=10)
    count_statements(engine)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_S = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use only when it sat idle for ``PING_AFTER_IDLE_S`` seconds.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one more round trip (and PostgreSQL
    backend CPU) for every unit of work, four per hospital visit, although a connection in steady use
    has just proved itself. A connection that waited in the pool (the server restarted, a firewall
    dropped it) is pinged as before; if the ping fails the pool discards it and connects anew
    (``DisconnectionError`` from a checkout listener), so no request sees the dead connection."""

    @event.listens_for(engine, "checkin")
    def _rested(_dbapi_connection: Any, record: Any) -> None:
        record.info["syncsettle_checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("syncsettle_checked_in")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()  # the ping opened a transaction; leave the connection idle
        except Exception as exc:  # any failure means this connection cannot be trusted
            raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc


def ping(engine: Engine) -> None:
    """One round trip to the database (``select 1``); raises whatever the driver raises when it cannot."""
    with engine.connect() as conn:
        conn.execute(text("select 1"))
