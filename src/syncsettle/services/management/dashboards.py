"""Read models of the console's dashboards (one read-only unit of work each), in fen and counts.

:func:`overview` is what the operator, a regulator (scoped to the insured regions it covers) and a
hospital (its own settlements) see; :func:`latency` the interface's latency percentiles and error
rate from the per-minute histograms the server processes persist.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.management import dashboards as repo
from syncsettle.adapters.db.management import latency as latency_repo
from syncsettle.adapters.db.management.dashboards import Scope
from syncsettle.adapters.observability.latency import quantile
from syncsettle.adapters.observability.metrics import SETTLE_INFNOS
from syncsettle.domain.slip_ids import slips_of
from syncsettle.services.platform import Platform


@dataclass(frozen=True, slots=True)
class Overview:
    """A scope's figures over a period; the ``daily_*`` lists are ``{day, key, amount}`` rows in fen."""

    since: date
    until: date
    totals: dict[str, int]
    daily_counts: list[dict[str, Any]]  # {day, settlements, reversals}
    daily_kinds: list[dict[str, Any]]  # key: payer kind (fund, product, personal_account, cash)
    daily_funds: list[dict[str, Any]]  # key: fund_pay_type
    daily_products: list[dict[str, Any]]  # key: product:<id>
    daily_regions: list[dict[str, Any]]  # key: insured region (medical fees)
    products: dict[str, str] = field(default_factory=dict)  # product:<id> → "name（insurer）"


def period(p: Platform, days: int) -> tuple[date, date]:
    """The last ``days`` business dates up to today (China time, from the platform clock)."""
    today = business_date(p.clock.now())
    return today - timedelta(days=days - 1), today


def overview(p: Platform, scope: Scope, since: date, until: date) -> Overview:
    with p.uow(readonly=True) as uow:
        c = uow.conn
        view = Overview(
            since, until, repo.totals(c, scope, since, until), repo.daily_counts(c, scope, since, until),
            repo.daily_by_payer(c, scope, since, until), repo.daily_by_payer(c, scope, since, until, "fund"),
            repo.daily_by_payer(c, scope, since, until, "product"), repo.daily_by_region(c, scope, since, until),
        )  # fmt: skip
    for row in view.daily_products:
        product_id = str(row["key"]).removeprefix("product:")
        rule = p.rules.products.get(product_id)
        view.products[row["key"]] = f"{rule.name}（{rule.insurer}）" if rule else product_id
    return view


def totals(p: Platform, scope: Scope, since: date, until: date) -> dict[str, int]:
    """Counts and amounts (fen) of the scope's settlements over the period, net of reversals."""
    with p.uow(readonly=True) as uow:
        return repo.totals(uow.conn, scope, since, until)


def summed(rows: list[dict[str, Any]]) -> dict[str, int]:
    """The ``daily_*`` rows summed over the period, by key."""
    out: dict[str, int] = defaultdict(int)
    for row in rows:
        out[str(row["key"])] += int(row["amount"])
    return dict(out)


@dataclass(frozen=True, slots=True)
class Latency:
    """Percentiles (ms) and error rate of settlements per minute, and over the whole window."""

    minutes: list[datetime] = field(default_factory=list)
    p50: list[float | None] = field(default_factory=list)
    p95: list[float | None] = field(default_factory=list)
    p99: list[float | None] = field(default_factory=list)
    error_rate: list[float] = field(default_factory=list)  # failed ÷ all, per minute
    overall: dict[str, float | None] = field(default_factory=dict)  # p50, p95, p99, error_rate, count


def recent_latency(p: Platform, now: datetime, window: timedelta,
                   operations: frozenset[str] = SETTLE_INFNOS) -> Latency:  # fmt: skip
    """The latency of the ``window`` up to ``now``; when nothing was served then (a quiet night, or
    the demo's history, settled on its own simulated days), the ``window`` up to the last minute
    that served a settlement, so the chart shows the latest traffic rather than nothing."""
    until = now + timedelta(minutes=1)
    with p.uow(readonly=True) as uow:
        last = latency_repo.latest_minute(uow.conn, until, sorted(operations))
    if last is not None:
        if last.tzinfo is None:  # SQLite hands back naive UTC
            last = last.replace(tzinfo=UTC)
        if last < now - window:
            until = last + timedelta(minutes=1)
    return latency(p, until - window - timedelta(minutes=1), until, operations)


def latency(p: Platform, since: datetime, until: datetime, operations: frozenset[str] = SETTLE_INFNOS) -> Latency:
    with p.uow(readonly=True) as uow:
        rows = latency_repo.buckets_by_minute(uow.conn, since, until, sorted(operations))
    per_minute: dict[datetime, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    failed: dict[datetime, int] = defaultdict(int)
    overall: dict[int, int] = defaultdict(int)
    for r in rows:
        n = int(r["count"])
        per_minute[r["minute"]][int(r["le_ms"])] += n
        overall[int(r["le_ms"])] += n
        if r["outcome"] != "ok":
            failed[r["minute"]] += n
    result = Latency()
    for minute in sorted(per_minute):
        counts = per_minute[minute]
        result.minutes.append(minute)
        result.p50.append(quantile(counts, 0.5))
        result.p95.append(quantile(counts, 0.95))
        result.p99.append(quantile(counts, 0.99))
        result.error_rate.append(failed[minute] / sum(counts.values()))
    total = sum(overall.values())
    result.overall.update(
        count=float(total), p50=quantile(overall, 0.5), p95=quantile(overall, 0.95), p99=quantile(overall, 0.99),
        error_rate=sum(failed.values()) / total if total else None,
    )  # fmt: skip
    return result


def settlements(p: Platform, scope: Scope, since: date, until: date, *, status: tuple[str, ...], limit: int = 20,
                before: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Settlement rows of the scope, newest first, with their slip ids (``slips``)."""
    with p.uow(readonly=True) as uow:
        rows = repo.settlement_page(uow.conn, scope, since, until, status=status, limit=limit, before=before)
    return [{**row, "slips": slips_of(row)} for row in rows]


def reconciliation_basis(p: Platform, hospital: str, since: date, until: date) -> list[dict[str, Any]]:
    with p.uow(readonly=True) as uow:
        return repo.daily_reconciliation_basis(uow.conn, hospital, since, until)
