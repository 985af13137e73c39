"""One use case, one transaction: the unit of work owns the connection and is the only thing that commits.

Repositories receive the connection and never commit. Leaving the ``with`` block without
:meth:`commit` rolls everything back, so a failure half-way leaves nothing behind — except what
must survive it: something the transaction did that cannot be undone (data sent to another party)
registers :func:`after_rollback` work, which then runs in a transaction of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Connection, Engine

from syncsettle.adapters.clock import Clock

AFTER_ROLLBACK = "syncsettle.after_rollback"  # key in Connection.info (kept with the pooled connection)
log = logging.getLogger("syncsettle.uow")


def after_rollback(conn: Connection, work: Callable[[Connection], None]) -> None:
    """Run ``work`` in a new transaction on this connection if the current one does not commit."""
    conn.info.setdefault(AFTER_ROLLBACK, []).append(work)


class UnitOfWork:
    def __init__(self, engine: Engine, clock: Clock, *, readonly: bool = False) -> None:
        self.engine = engine
        self.clock = clock
        self.readonly = readonly
        self._conn: Connection | None = None
        self._done = False

    @property
    def conn(self) -> Connection:
        assert self._conn is not None, "use the unit of work in a with block"
        return self._conn

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def __enter__(self) -> UnitOfWork:
        conn = self.engine.connect()
        if self.readonly:  # SQLite: a deferred BEGIN, so readers never queue for the write lock
            conn = conn.execution_options(syncsettle_readonly=True)
        self._conn = conn
        conn.info.pop(AFTER_ROLLBACK, None)
        conn.begin()
        self._done = False
        return self

    def commit(self) -> None:
        self.conn.commit()
        self.conn.info.pop(AFTER_ROLLBACK, None)
        self._done = True

    def rollback(self) -> None:
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
                self.conn.rollback()
                self._survivors()
        finally:
            self.conn.close()
            self._conn = None
