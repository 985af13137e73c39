"""Every aggregate that leaves the medical-insurance domain goes through :func:`release`.

1. Minimum cell size: a cell with fewer than ``min_cell`` contributors (distinct persons) is
   suppressed (its metrics are ``None``). ``min_cell`` is never below the platform's
   :data:`MIN_CELL`, whoever calls (API, console, CLI, a job): a caller may only raise it.
2. Differencing: each released cell is remembered per insurer and dataset with its population
   (a conjunction of dimension → value set, ``"*"`` = all). A new cell whose population nests in
   (or contains) an earlier one and differs from it by 1 … ``min_cell − 1`` contributors is
   suppressed too, so two overlapping queries cannot be subtracted to expose a small group.
3. Noise (optional): with ``epsilon``, each metric gets discrete Laplace noise from OpenDP with
   scale = sensitivity × number of metrics / epsilon (the metrics compose sequentially; the cells
   of one release are disjoint populations and compose in parallel). The epsilon is first taken
   from the budget the regulator granted the owner for the dataset (``privacy_budgets``: live,
   not expired, enough left) in the same transaction; a release that would exceed it is refused
   with a Chinese message saying why, and nothing is released. The noisy metrics are then
   post-processed to non-negative, consistent integers
   (:func:`syncsettle.domain.actuarial.postprocess.post_process`, docs/privacy.md).
4. Audit: every release is an ``export`` entry of the audit log (management centre), in the
   release's own transaction: who, in which role, why, the dataset, cells released and suppressed,
   the epsilon spent and what remains of the budget. The same :class:`ReleaseAudit` also goes to
   the optional ``audit`` port (a
   caller that wants to show or collect it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.computing import privacy_budgets as budget_repo
from syncsettle.domain.actuarial.postprocess import Consistency, post_process
from syncsettle.domain.commercial.vocabulary import Purpose
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management.audit import Action, Use, record

MICRO = 1_000_000
MIN_CELL = 10  # distinct persons: the smallest population an aggregate cell may describe, on every path


@dataclass(frozen=True)
class Cell:
    """One aggregate cell: its population (dimension → values or ``"*"``), how many distinct persons
    it covers, and its integer metrics with each one's sensitivity (the most one person can move it)."""

    population: Mapping[str, Any]
    contributors: int
    metrics: Mapping[str, int]
    sensitivity: Mapping[str, int] = field(default_factory=dict)
    consistency: Consistency = field(default_factory=Consistency)


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
    epsilon_remaining: str | None = None  # what is left of the budget after this spend (none: no noise)


AuditPort = Callable[[ReleaseAudit], None]


def to_audit_log(conn: Connection, entry: ReleaseAudit) -> None:
    """Record a release in the audit log (``export``, purpose ``analytics``, in the caller's
    transaction); the requester's own words for why go first in the reason."""
    actor = Principal(Role(entry.role), entry.tenant or entry.insurer, entry.who, entry.credential_id or "release")
    reason = (f"{entry.purpose}: dataset={entry.dataset} cells_released={entry.cells_released} "
              f"cells_suppressed={entry.cells_suppressed} epsilon={entry.epsilon_spent}")  # fmt: skip
    if entry.epsilon_remaining is not None:
        reason += f" remaining={entry.epsilon_remaining}"
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


def set_budget(conn: Connection, insurer: str, dataset: str, epsilon: Fraction, *, granted_by: str = "system",
               granted_at: datetime | None = None, expires_on: date | None = None) -> None:  # fmt: skip
    """Create or reset the total budget of an owner and dataset (what is spent stays spent); the
    regulator's use case is :func:`syncsettle.services.computing.budgets.grant`."""
    budget_repo.grant(conn, insurer, dataset, int(epsilon * MICRO), expires_on=expires_on, granted_by=granted_by,
                      granted_at=granted_at)  # fmt: skip


def status(row: Mapping[str, Any], today: date) -> str:
    """``revoked`` | ``expired`` (past ``expires_on``) | ``exhausted`` (nothing left) | ``active``."""
    if row["revoked_at"] is not None:
        return "revoked"
    if row["expires_on"] is not None and row["expires_on"] < today:
        return "expired"
    return "exhausted" if row["spent_micro"] >= row["total_micro"] else "active"


def view(row: Mapping[str, Any], today: date) -> dict[str, Any]:
    """A budget as shown: epsilon as exact decimal strings (micro-epsilon resolution); ``remaining``
    is what may still be spent (0 once revoked or expired)."""
    state = status(row, today)
    left = max(0, row["total_micro"] - row["spent_micro"]) if state == "active" else 0
    return {
        "requester": row["insurer"], "dataset": row["dataset"], "total": epsilon_text(row["total_micro"]),
        "spent": epsilon_text(row["spent_micro"]), "remaining": epsilon_text(left), "status": state,
        "expires_on": row["expires_on"].isoformat() if row["expires_on"] else None,
        "granted_by": row["granted_by"], "granted_at": row["granted_at"].isoformat() if row["granted_at"] else None,
        "revoked_at": row["revoked_at"].isoformat() if row["revoked_at"] else None,
    }  # fmt: skip


def budgets(conn: Connection, insurer: str, today: date) -> list[dict[str, Any]]:
    """The budget owner's privacy budgets (:func:`view`) on business date ``today``, by dataset (a
    dataset without a row has no noise budget)."""
    return [view(r, today) for r in budget_repo.rows(conn, insurer)]


def epsilon_text(micro: int) -> str:
    return f"{micro // MICRO}.{micro % MICRO:06d}".rstrip("0").rstrip(".") if micro % MICRO else str(micro // MICRO)


def _spend(conn: Connection, insurer: str, dataset: str, epsilon: Fraction, now: datetime) -> str:
    """Take ``epsilon`` from the owner's budget for ``dataset``; returns what remains. Refused (SS-1601)
    with the reason in Chinese: no budget granted, revoked, expired, or not enough left."""
    micro = int(epsilon * MICRO)
    if micro <= 0:
        raise ServiceError(Code.FIELD, "隐私预算 epsilon 必须大于 0", "epsilon")
    today = business_date(now)
    if budget_repo.spend(conn, insurer, dataset, micro, today):
        row = budget_repo.row(conn, insurer, dataset)
        assert row is not None
        return epsilon_text(row["total_micro"] - row["spent_micro"])
    row = budget_repo.row(conn, insurer, dataset)
    asked = epsilon_text(micro)
    if row is None:
        why = f"医保部门尚未给 {insurer} 分配数据集 {dataset} 的隐私预算，不能发布加噪结果"
    elif row["revoked_at"] is not None:
        why = f"{insurer} 在数据集 {dataset} 上的隐私预算已被医保部门撤销"
    elif row["expires_on"] is not None and row["expires_on"] < today:
        why = f"{insurer} 在数据集 {dataset} 上的隐私预算已于 {row['expires_on']} 到期"
    else:
        left = epsilon_text(max(0, row["total_micro"] - row["spent_micro"]))
        why = f"隐私预算不足：{insurer} 在数据集 {dataset} 上剩余 ε={left}，本次需要 ε={asked}"
    advice = "本次未发布任何数据。请向医保部门申请隐私预算，或不填 epsilon 查询不加噪声的汇总"
    raise ServiceError(Code.BUDGET, f"{why}；{advice}",
                       "epsilon")  # fmt: skip


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
    earlier = budget_repo.released(conn, insurer, dataset)
    min_cell = max(MIN_CELL, min_cell)
    remaining = _spend(conn, insurer, dataset, epsilon, now) if epsilon is not None else None
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
            scales = {k: Fraction(max(1, cell.sensitivity.get(k, 1))) / share for k in metrics}
            metrics = {k: _noise(v, cell.sensitivity.get(k, 1), share) for k, v in metrics.items()}
            metrics = post_process(metrics, scales, cell.consistency)
        out.append({"population": population, "suppressed": False, "metrics": metrics})
        remembered.append({"insurer": insurer, "dataset": dataset, "cell": population,
                           "contributors": cell.contributors, "released_at": now})  # fmt: skip
        earlier.append((population, cell.contributors))
    if remembered:
        budget_repo.remember_released(conn, remembered)
    entry = ReleaseAudit(
        who, role, insurer, purpose, dataset, len(remembered), suppressed, str(epsilon) if epsilon is not None else "0",
        now, tenant, credential_id, tuple(sorted({m for cell in cells for m in cell.metrics})), remaining,
    )  # fmt: skip
    to_audit_log(conn, entry)
    if audit is not None:
        audit(entry)
    return out


def audit_to_json(record: ReleaseAudit) -> str:
    """One line of JSON (for a log, or the CLI's own audit port until the audit log is wired)."""
    return json.dumps({**record.__dict__, "released_at": record.released_at.isoformat()}, ensure_ascii=False)
