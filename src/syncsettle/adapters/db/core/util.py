"""Small dialect helpers shared by the repositories."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Select, Table
from sqlalchemy.dialects import postgresql, sqlite

from syncsettle.adapters.db.core.fast import FastInsert

AFTER_COMMIT = "syncsettle.after_commit"  # Connection.info: work to run once this transaction has committed


def after_commit(conn: Connection, work: Callable[[], None]) -> None:
    """Run ``work`` after the unit of work holding ``conn`` has committed (never on a rollback).
    For what a process may only learn from committed data, such as caches of rows that now exist."""
    conn.info.setdefault(AFTER_COMMIT, []).append(work)


def run_after_commit(conn: Connection) -> None:
    """Called by the unit of work once its commit has returned."""
    for work in conn.info.pop(AFTER_COMMIT, ()):
        work()


def forget_after_commit(conn: Connection) -> None:
    """Called by the unit of work when it rolls back or opens."""
    conn.info.pop(AFTER_COMMIT, None)


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (all giving the same columns), silently skipping those whose primary key already
    exists. A few rows (a settlement's accounts, a person's accumulators) are compiled once per
    table and set of columns and run on the driver (:mod:`.fast`); bulk inserts go through
    SQLAlchemy, which sends them as multi-row ``VALUES`` batches."""
    if not rows:
        return
    if len(rows) <= _FEW_ROWS:
        _ignoring(table).many(conn, rows)
    else:
        conn.execute(_insert_ignore(conn.dialect.name, table), list(rows))


_FEW_ROWS = 16


@cache
def _ignoring(table: Table) -> FastInsert:
    return FastInsert(table, ignore=True)


@cache
def _insert_ignore(dialect: str, table: Table) -> Insert:
    """Built once per table: constructing the statement costs as much CPU as executing it."""
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def stream_tuples(conn: Connection, stmt: Select[Any], batch: int) -> Iterator[Sequence[Any]]:
    """The rows of a SELECT as plain DBAPI tuples, ``batch`` at a time, inside the connection's
    transaction: a server-side (named) cursor on PostgreSQL, the ordinary cursor on SQLite. No
    result processing happens, so select only values the driver returns as wanted (integers,
    strings; dates and times as numbers) and bind only values both drivers adapt alike (str, int,
    date). For bulk reads where building a row object per row would cost more than the query."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    args: Any = tuple(params[name] for name in compiled.positiontup or ()) if compiled.positional else params
    raw = conn.connection.dbapi_connection
    assert raw is not None
    named = {"name": f"stream_{id(stmt):x}"} if conn.dialect.name == "postgresql" else {}
    cursor = raw.cursor(**named)
    try:
        cursor.execute(str(compiled), args)
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a bulk read creates millions of row tuples:
    each would otherwise count towards a collection that walks every live object again (this
    halves the time of reading a million claim facts). Rows hold no cycles, so nothing is lost."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
