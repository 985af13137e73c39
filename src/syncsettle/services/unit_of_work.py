"""One use case, one transaction: the unit of work owns the connection and is the only thing that commits.

Repositories receive the connection and never commit. Leaving the ``with`` block without
:meth:`commit` rolls everything back, so a failure half-way leaves nothing behind.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine

from syncsettle.adapters.clock import Clock


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
        conn.begin()
        self._done = False
        return self

    def commit(self) -> None:
        self.conn.commit()
        self._done = True

    def rollback(self) -> None:
        self.conn.rollback()
        self._done = True

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if not self._done:
                self.conn.rollback()
        finally:
            self.conn.close()
            self._conn = None
