"""One use case, one transaction: the unit of work owns the connection and is the only thing that commits.

Repositories receive the connection and never commit. Leaving the ``with`` block without
:meth:`commit` rolls everything back, so a failure half-way leaves nothing behind — except what
must survive it: something the transaction did that cannot be undone (data sent to another party)
registers :func:`after_rollback` work, which then runs in a transaction of its own.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from syncsettle.adapters.clock import Clock
from syncsettle.adapters.db.core.util import forget_after_commit, run_after_commit
from syncsettle.adapters.db.settlement.people import Hospitals

AFTER_ROLLBACK = "syncsettle.after_rollback"  # key in Connection.info (kept with the pooled connection)
log = logging.getLogger("syncsettle.uow")


def after_rollback(conn: Connection, work: Callable[[Connection], None]) -> None:
    """Run ``work`` in a new transaction on this connection if the current one does not commit."""
    conn.info.setdefault(AFTER_ROLLBACK, []).append(work)


class SqliteWriter:
    """The lock a writing unit of work takes on SQLite before ``BEGIN IMMEDIATE``: this process's
    threads queue on a re-entrant lock, and the processes on one database file queue on an ``flock``
    of ``<file>.writer`` (released by the kernel if a process dies).

    SQLite has one writer at a time. Without this, every thread of every server process that wants
    to write enters ``BEGIN IMMEDIATE`` and the losers sleep in SQLite's busy handler, which backs off
    up to 100 ms a try, so a writer often sleeps long after the lock came free (settle p99 0.3–2 s at
    32 terminals). Queued here, the next writer wakes as soon as the last one finishes. Writers that
    do not take it (a CLI job on the engine directly) still meet the busy handler, as before."""

    def __init__(self, database: str | None) -> None:
        self._threads = threading.RLock()
        self._depth = 0
        self._file = f"{database}.writer" if database and database != ":memory:" else None
        self._fd: int | None = None

    def acquire(self) -> None:
        """Wait (at most :data:`WRITER_WAIT_S`, SQLite's own busy timeout) for the lock; past that,
        "database is locked" as SQLite would say it (a settlement retries on it)."""
        deadline = time.monotonic() + WRITER_WAIT_S
        if not self._threads.acquire(timeout=WRITER_WAIT_S):
            raise _locked()
        self._depth += 1
        if self._depth > 1 or self._file is None:
            return
        try:
            if self._fd is None:
                self._fd = os.open(self._file, os.O_RDWR | os.O_CREAT, 0o600)
            pause = 0.0005
            while True:  # another process holds it: poll briefly (flock itself cannot time out)
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise _locked() from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.005)
        except BaseException:
            self._depth -= 1
            self._threads.release()
            raise

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


WRITER_WAIT_S = 60.0  # as the engine's busy_timeout


def _locked() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


_WRITERS: dict[str, SqliteWriter] = {}
_WRITERS_GUARD = threading.Lock()


def writer_lock(engine: Engine) -> SqliteWriter | None:
    """SQLite: this database's :class:`SqliteWriter` (one per file in a process); None for PostgreSQL,
    whose writers take row locks only where they touch the same rows."""
    if engine.dialect.name != "sqlite":
        return None
    key = str(engine.url)
    found = _WRITERS.get(key)
    if found is None:
        with _WRITERS_GUARD:
            found = _WRITERS.setdefault(key, SqliteWriter(engine.url.database))
    return found


class UnitOfWork:
    def __init__(self, engine: Engine, clock: Clock, *, readonly: bool = False) -> None:
        self.engine = engine
        self.clock = clock
        self.readonly = readonly
        self._conn: Connection | None = None
        self._done = False
        self._writer: SqliteWriter | None = None

    @property
    def conn(self) -> Connection:
        assert self._conn is not None, "use the unit of work in a with block"
        return self._conn

    @property
    def hospitals(self) -> Hospitals:
        """The hospitals repository on this unit of work's connection (typed records, never commits)."""
        return Hospitals(self.conn)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def __enter__(self) -> UnitOfWork:
        self._writer = writer_lock(self.engine) if not self.readonly else None
        if self._writer is not None:
            self._writer.acquire()
        try:
            return self._open()
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def _open(self) -> UnitOfWork:
        conn = self.engine.connect()
        if self.readonly:  # SQLite: a deferred BEGIN, so readers never queue for the write lock
            conn = conn.execution_options(syncsettle_readonly=True)
        self._conn = conn
        conn.info.pop(AFTER_ROLLBACK, None)
        forget_after_commit(conn)
        conn.begin()
        self._done = False
        return self

    def commit(self) -> None:
        self.conn.commit()
        self.conn.info.pop(AFTER_ROLLBACK, None)
        self._done = True
        run_after_commit(self.conn)

    def rollback(self) -> None:
        forget_after_commit(self.conn)
        self.conn.rollback()
        self._done = True
        self._survivors()

    def _survivors(self) -> None:
        """The work registered with :func:`after_rollback`, committed on its own."""
        pending: list[Callable[[Connection], None]] = self.conn.info.pop(AFTER_ROLLBACK, [])
        if not pending:
            return
        try:
            with self.conn.begin():
                for work in pending:
                    work(self.conn)
        except Exception:  # the original failure (if any) is the one the caller must see
            log.exception("work that had to survive a rollback could not be committed")

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if not self._done:
                forget_after_commit(self.conn)
                self.conn.rollback()
                self._survivors()
        finally:
            self.conn.close()
            self._conn = None
            self._release_writer()


@contextmanager
def single_read(engine: Engine) -> Iterator[Connection]:
    """A connection for ONE read statement, outside any transaction (autocommit).

    Why: a read-only unit of work costs a round trip to open its transaction (sent with the first
    statement) and one more for its ``ROLLBACK``; a single statement is atomic on its own, so the
    credential lookup that every hospital request starts with needs neither — half the round trips,
    and the row it reads is still the committed one of this moment (a rotated or revoked credential
    stops working at once). Only for one statement: two reads here would not see one snapshot."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        yield conn
