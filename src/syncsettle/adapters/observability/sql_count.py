"""``syncsettle_sql_statements_total``: every SQL statement the process sends to its database.

Counted in SQLAlchemy's ``before_cursor_execute`` event, so it sees what goes over the wire: one
per ``execute`` and one per ``executemany`` batch (psycopg 3 sends a batch as a pipeline of the same
statement, still one statement here). Transaction control is not in it — psycopg opens a transaction
with an implicit ``BEGIN`` in front of the first statement and ``COMMIT`` is a connection call — so
``syncsettle_sql_commits_total`` counts the commits beside it. The benchmark reads both from
``/metrics`` before and after a stretch of visits (``statements_per_visit``). A counter increment
costs well under a microsecond, so it is always on, in production too.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import Counter
from sqlalchemy import Engine, event

# labelled (``db``), so no value — and, with several workers, no multiprocess file — exists before the
# first statement: the CLI imports this module before ``serve`` has prepared the metrics directory
_STATEMENTS = Counter("syncsettle_sql_statements", "SQL statements sent to the database (executes and batches)", ["db"])
_COMMITS = Counter("syncsettle_sql_commits", "Transactions committed on the database", ["db"])


class _Lazy:
    """``.inc()`` of one labelled child, created on first use."""

    def __init__(self, counter: Counter) -> None:
        self.counter = counter
        self.child: Any = None

    def inc(self) -> None:
        if self.child is None:
            folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
            if folder and not os.path.isdir(folder):
                return  # before ``serve`` has prepared the workers' metrics directory: not counted
            self.child = self.counter.labels("app")
        self.child.inc()

    def value(self) -> float:
        return float(self.counter.labels("app")._value.get())


STATEMENTS = _Lazy(_STATEMENTS)
COMMITS = _Lazy(_COMMITS)


def count_statements(engine: Engine) -> None:
    """Attach the two counters to ``engine`` (every connection of its pool)."""

    def _statement(*_: Any) -> None:
        STATEMENTS.inc()

    def _commit(*_: Any) -> None:
        COMMITS.inc()

    event.listen(engine, "before_cursor_execute", _statement)
    event.listen(engine, "commit", _commit)
