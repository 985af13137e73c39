"""Per-minute latency histograms of the hospital interface, counted in memory and added to the
``latency_minutes`` table by a flush every few seconds (one transaction per flush, never one per
request). Each server process has its own recorder; rows are incremented, so any number of workers
can flush into the same minute.

Buckets are upper bounds in milliseconds (:data:`BUCKETS_MS`, the last one :data:`INF_MS`); the
Prometheus histograms use the same bounds in seconds, so the console and ``/metrics`` agree.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from syncsettle.adapters.db.management import latency as repo

BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
INF_MS = 2_147_483_647
"""The bound of the last bucket (+Inf), the largest 32-bit integer so the column stays an Integer."""


@dataclass(frozen=True, slots=True)
class Key:
    minute: datetime
    operation: str
    route: str
    outcome: str
    le_ms: int


def bucket_of(milliseconds: float) -> int:
    """The upper bound of the bucket a latency falls in (``le``: a latency equal to a bound is in it)."""
    i = bisect_left(BUCKETS_MS, milliseconds)
    return BUCKETS_MS[i] if i < len(BUCKETS_MS) else INF_MS


class LatencyRecorder:
    """Counts of one process, by (minute, operation, route, outcome, bucket), until :meth:`flush`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[Key, list[int]] = {}

    def observe(self, at: datetime, operation: str, route: str, outcome: str, seconds: float) -> None:
        key = Key(at.replace(second=0, microsecond=0), operation, route, outcome, bucket_of(seconds * 1000))
        micros = round(seconds * 1_000_000)
        with self._lock:
            cell = self._counts.setdefault(key, [0, 0])
            cell[0] += 1
            cell[1] += micros

    def pending(self) -> int:
        with self._lock:
            return sum(c for c, _ in self._counts.values())

    def _drain(self) -> dict[Key, list[int]]:
        with self._lock:
            taken, self._counts = self._counts, {}
        return taken

    def _restore(self, taken: dict[Key, list[int]]) -> None:
        with self._lock:
            for key, (count, micros) in taken.items():
                cell = self._counts.setdefault(key, [0, 0])
                cell[0] += count
                cell[1] += micros

    def flush(self, engine: Engine) -> int:
        """Add everything counted so far to the table in one transaction; returns the requests flushed.
        On a database error the counts are kept for the next flush."""
        taken = self._drain()
        if not taken:
            return 0
        rows = [
            {"minute": k.minute, "operation": k.operation, "route": k.route, "outcome": k.outcome, "le_ms": k.le_ms,
             "count": count, "sum_us": micros}
            for k, (count, micros) in sorted(taken.items(), key=lambda kv: _order(kv[0]))
        ]  # fmt: skip
        try:
            with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE, like every writing transaction
                repo.add(conn, rows)
        except Exception:
            self._restore(taken)
            raise
        return sum(count for count, _ in taken.values())


def _order(k: Key) -> tuple[datetime, str, str, str, int]:
    """A fixed order of the upserts, so concurrent flushes of two workers cannot deadlock."""
    return (k.minute, k.operation, k.route, k.outcome, k.le_ms)


class Flusher:
    """A daemon thread that flushes a recorder every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, flush: Callable[[], object], interval: float, on_error: Callable[[Exception], None]) -> None:
        self._flush, self._interval, self._on_error = flush, interval, on_error
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="syncsettle-latency-flush", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._once()

    def _once(self) -> None:
        try:
            self._flush()
        except Exception as exc:  # a metrics flush must never take the server down; it retries next time
            self._on_error(exc)

    def stop(self) -> None:
        """Stop the thread and flush what is left."""
        self._stop.set()
        self._thread.join(timeout=10)
        self._once()


def quantile(counts: dict[int, int], q: float) -> float | None:
    """The ``q``-quantile (0 < q < 1) in ms of a histogram ``{le_ms: count}``, interpolated linearly
    inside its bucket as Prometheus' ``histogram_quantile`` does; the +Inf bucket answers the largest
    finite bound. ``None`` for an empty histogram."""
    total = sum(counts.values())
    if total == 0:
        return None
    rank = q * total
    seen, lower = 0, 0
    for le in (*BUCKETS_MS, INF_MS):
        n = counts.get(le, 0)
        if n and seen + n >= rank:
            if le == INF_MS:
                return float(BUCKETS_MS[-1])
            return lower + (le - lower) * (rank - seen) / n
        seen += n
        lower = le if le != INF_MS else lower
    return float(BUCKETS_MS[-1])
