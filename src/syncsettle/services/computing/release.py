"""Every aggregate that leaves the medical-insurance domain goes through :func:`release`.

1. Minimum cell size: a cell with fewer than ``min_cell`` contributors (distinct persons) is
   suppressed (its metrics are ``None``).
2. Differencing: each released cell is remembered per insurer and dataset with its population
   (a conjunction of dimension → value set, ``"*"`` = all). A new cell whose population nests in
   (or contains) an earlier one and differs from it by 1 … ``min_cell − 1`` contributors is
   suppressed too, so two overlapping queries cannot be subtracted to expose a small group.
3. Noise (optional): with ``epsilon``, each metric gets discrete Laplace noise from OpenDP with
   scale = sensitivity × number of metrics / epsilon (the metrics compose sequentially; the cells
   of one release are disjoint populations and compose in parallel). The epsilon is first taken
   from the insurer's budget for the dataset in the same transaction; a release that would exceed
   it is refused and nothing is released.
4. Audit: every release is an ``export`` entry of the audit log (management centre), in the
   release's own transaction: who, in which role, why, the dataset, cells released and suppressed,
   the epsilon spent. The same :class:`ReleaseAudit` also goes to the optional ``audit`` port (a
   caller that wants to show or collect it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, and_, select, update

from syncsettle.adapters.db.schema_computing import privacy_budgets, released_cells
from syncsettle.adapters.db.util import insert_ignore
from syncsettle.domain.commercial.vocabulary import Purpose
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management.audit import Action, Use, record

MICRO = 1_000_000


@dataclass(frozen=True)
class Cell:
    """One aggregate cell: its population (dimension → values or ``"*"``), how many distinct persons
    it covers, and its integer metrics with each one's sensitivity (the most one person can move it)."""

    population: Mapping[str, Any]
    contributors: int
    metrics: Mapping[str, int]
    sensitivity: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ReleaseAudit:
    """What the audit log records of a release: who, in which role, why, what, how much privacy."""

    who: str
    role: str
    insurer: str
    purpose: str
    dataset: str
    cells_released: int
    cells_suppressed: int
    epsilon_spent: str
    released_at: datetime
    tenant: str = ""  # whom the requester acts for (default: the budget owner ``insurer``)
    credential_id: str = ""
    metrics: tuple[str, ...] = ()


AuditPort = Callable[[ReleaseAudit], None]


def to_audit_log(conn: Connection, entry: ReleaseAudit) -> None:
    """Record a release in the audit log (``export``, purpose ``analytics``, in the caller's
    transaction); the requester's own words for why go first in the reason."""
    actor = Principal(Role(entry.role), entry.tenant or entry.insurer, entry.who, entry.credential_id or "release")
    reason = (f"{entry.purpose}: dataset={entry.dataset} cells_released={entry.cells_released} "
              f"cells_suppressed={entry.cells_suppressed} epsilon={entry.epsilon_spent}")  # fmt: skip
    record(conn, entry.released_at, Use(actor, Action.EXPORT, Purpose.ANALYTICS.value, entry.insurer, [entry.dataset],
                                        entry.metrics, granularity="aggregate",
                                        outcome="released" if entry.cells_released else "suppressed",
                                        reason=reason))  # fmt: skip


def _values(v: Any) -> frozenset[str] | None:
    return None if v == "*" else frozenset(str(x) for x in (v if isinstance(v, list | tuple | set) else [v]))


def nested(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether population ``a`` lies within ``b`` (every dimension's values of ``a`` within ``b``'s)."""
    for dim in set(a) | set(b):
        va, vb = _values(a.get(dim, "*")), _values(b.get(dim, "*"))
        if vb is None:
            continue
        if va is None or not va <= vb:
            return False
    return True


def canonical(population: Mapping[str, Any]) -> dict[str, Any]:
    return {k: "*" if v == "*" else sorted(_values(v) or ()) for k, v in sorted(population.items())}


def set_budget(conn: Connection, insurer: str, dataset: str, epsilon: Fraction) -> None:
    """Create or reset the total budget of an insurer and dataset (what is spent stays spent)."""
    insert_ignore(conn, privacy_budgets, [{"insurer": insurer, "dataset": dataset, "total_micro": 0, "spent_micro": 0}])
    conn.execute(
        update(privacy_budgets)
        .where(and_(privacy_budgets.c.insurer == insurer, privacy_budgets.c.dataset == dataset))
        .values(total_micro=int(epsilon * MICRO))
    )


def budgets(conn: Connection, insurer: str) -> list[dict[str, Any]]:
    """The budget owner's privacy budgets: ``{dataset, total, spent, remaining}``, epsilon as exact
    decimal strings (micro-epsilon resolution; a dataset without a row has no noise budget)."""
    rows = conn.execute(
        select(privacy_budgets.c.dataset, privacy_budgets.c.total_micro, privacy_budgets.c.spent_micro)
        .where(privacy_budgets.c.insurer == insurer)
        .order_by(privacy_budgets.c.dataset)
    )
    return [
        {"dataset": r.dataset, "total": _epsilon(r.total_micro), "spent": _epsilon(r.spent_micro),
         "remaining": _epsilon(max(0, r.total_micro - r.spent_micro))}
        for r in rows
    ]  # fmt: skip


def _epsilon(micro: int) -> str:
    return f"{micro // MICRO}.{micro % MICRO:06d}".rstrip("0").rstrip(".") if micro % MICRO else str(micro // MICRO)


def _spend(conn: Connection, insurer: str, dataset: str, epsilon: Fraction) -> None:
    micro = int(epsilon * MICRO)
    if micro <= 0:
        raise ServiceError(Code.FIELD, "隐私预算 epsilon 必须大于 0", "epsilon")
    done = conn.execute(
        update(privacy_budgets)
        .where(
            and_(
                privacy_budgets.c.insurer == insurer,
                privacy_budgets.c.dataset == dataset,
                privacy_budgets.c.spent_micro + micro <= privacy_budgets.c.total_micro,
            )
        )
        .values(spent_micro=privacy_budgets.c.spent_micro + micro)
    ).rowcount
    if done != 1:
        raise ServiceError(Code.BUDGET, f"{insurer} 在数据集 {dataset} 上的隐私预算不足", "epsilon")


def _noise(value: int, sensitivity: int, epsilon: Fraction) -> int:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    scale = float(Fraction(max(1, sensitivity)) / epsilon)
    mechanism = dp.m.make_laplace(dp.atom_domain(T=int), dp.absolute_distance(T=int), scale=scale)
    noisy: int = mechanism(int(value))
    return noisy


def release(
    conn: Connection,
    *,
    now: datetime,
    who: str,
    role: str,
    insurer: str,
    purpose: str,
    dataset: str,
    cells: Sequence[Cell],
    min_cell: int,
    epsilon: Fraction | None,
    audit: AuditPort | None = None,
    tenant: str = "",
    credential_id: str = "",
) -> list[dict[str, Any]]:
    """Suppress, add noise, remember and audit; returns the cells as released."""
    earlier = [
        (row.cell, int(row.contributors))
        for row in conn.execute(
            select(released_cells.c.cell, released_cells.c.contributors).where(
                and_(released_cells.c.insurer == insurer, released_cells.c.dataset == dataset)
            )
        )
    ]
    if epsilon is not None:
        _spend(conn, insurer, dataset, epsilon)
    out, remembered, suppressed = [], [], 0
    for cell in cells:
        population = canonical(cell.population)
        small = cell.contributors < min_cell
        differs = any(
            0 < abs(cell.contributors - n) < min_cell and (nested(population, pop) or nested(pop, population))
            for pop, n in earlier
        )
        if small or differs:
            suppressed += 1
            out.append({"population": population, "suppressed": True, "metrics": dict.fromkeys(cell.metrics)})
            continue
        metrics = dict(cell.metrics)
        if epsilon is not None and metrics:
            share = epsilon / len(metrics)
            metrics = {k: _noise(v, cell.sensitivity.get(k, 1), share) for k, v in metrics.items()}
        out.append({"population": population, "suppressed": False, "metrics": metrics})
        remembered.append({"insurer": insurer, "dataset": dataset, "cell": population,
                           "contributors": cell.contributors, "released_at": now})  # fmt: skip
        earlier.append((population, cell.contributors))
    if remembered:
        conn.execute(released_cells.insert(), remembered)
    entry = ReleaseAudit(
        who, role, insurer, purpose, dataset, len(remembered), suppressed, str(epsilon) if epsilon is not None else "0",
        now, tenant, credential_id, tuple(sorted({m for cell in cells for m in cell.metrics})),
    )  # fmt: skip
    to_audit_log(conn, entry)
    if audit is not None:
        audit(entry)
    return out


def audit_to_json(record: ReleaseAudit) -> str:
    """One line of JSON (for a log, or the CLI's own audit port until the audit log is wired)."""
    return json.dumps({**record.__dict__, "released_at": record.released_at.isoformat()}, ensure_ascii=False)
