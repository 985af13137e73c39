"""Operations data the console charts: per-minute latency histograms of the hospital interface.

Each server process counts its requests in memory (``adapters/observability/latency.py``) and adds
them here every few seconds in one transaction, by incrementing the row of (minute, operation,
route, outcome, bucket) — never one commit per request. Percentiles over any period are then a
``SUM(count) GROUP BY le_ms`` over the minutes of the period.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table

from syncsettle.adapters.db.core.schema import TS, metadata

latency_minutes = Table(
    "latency_minutes",
    metadata,
    Column("minute", TS, primary_key=True),  # UTC, truncated to the minute (platform clock)
    Column("operation", String(12), primary_key=True),  # national infno: 2207, 2304, 2201, ...
    Column("route", String(80), primary_key=True),  # settlement route(s): basic, embedded, embedded+detail; "-"
    Column("outcome", String(12), primary_key=True),  # "ok" or the stable error code (SS-xxxx)
    Column("le_ms", Integer, primary_key=True),  # the bucket's upper bound in ms (INF_MS for the last)
    Column("count", BigInteger, nullable=False),
    Column("sum_us", BigInteger, nullable=False),  # total latency of the bucket's requests, microseconds
)
