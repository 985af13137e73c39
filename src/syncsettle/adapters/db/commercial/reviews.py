"""Repository of the review queue: legs held for risk review (``commercial_claims`` with status
``held`` and their ``leg_holds``), batch-scan ``risk_flags``, and reviewers' ``review_decisions``.
Never commits.

Scopes: an insurer sees the legs of its own products and the flags on settlements one of its
products paid in; a regulator sees what concerns persons insured in its regions (a hospital-level
flag: hospitals in its regions); a person sees their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, and_, or_, select, update

from syncsettle.adapters.db.commercial.schema_claims import commercial_claims
from syncsettle.adapters.db.commercial.schema_commercial import product_filings
from syncsettle.adapters.db.commercial.schema_legs import leg_holds, review_decisions
from syncsettle.adapters.db.computing.schema_computing import risk_flags
from syncsettle.adapters.db.core.schema import hospitals, settlement_shares, visits

OPEN_FLAG = ("open", "more_info")  # a flag still waiting for a decision


def add_holds(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(leg_holds.insert(), list(rows))


def decide_held(conn: Connection, claim_id: str, values: dict[str, Any]) -> int:
    """Change a held leg (to ``pending`` once approved, ``rejected``, or still ``held`` with a new
    reason); 0 when it is no longer held — a held leg is decided once."""
    stmt = (
        update(commercial_claims)
        .where(and_(commercial_claims.c.claim_id == claim_id, commercial_claims.c.status == "held"))
        .values(**values)
    )
    return conn.execute(stmt).rowcount


def _legs() -> Select[Any]:
    return select(
        commercial_claims, leg_holds.c.findings, leg_holds.c.vola_amt, leg_holds.c.held_at,
        visits.c.insuplc_admdvs.label("region"), visits.c.fixmedins_code,
    ).select_from(
        commercial_claims.join(leg_holds, leg_holds.c.claim_id == commercial_claims.c.claim_id)
        .join(visits, visits.c.mdtrt_id == commercial_claims.c.mdtrt_id)
    )  # fmt: skip


def held_leg(conn: Connection, claim_id: str) -> dict[str, Any] | None:
    row = conn.execute(_legs().where(commercial_claims.c.claim_id == claim_id)).mappings().first()
    return dict(row) if row else None


def held_legs(
    conn: Connection, *, insurer: str | None = None, region_prefix: str | None = None, psn_no: str | None = None,
    open_only: bool = False, limit: int = 200,
) -> list[dict[str, Any]]:  # fmt: skip
    """Legs that were held for review (newest first), in the given scope."""
    stmt = _legs().order_by(leg_holds.c.held_at.desc(), commercial_claims.c.claim_id).limit(limit)
    if insurer is not None:
        stmt = stmt.where(commercial_claims.c.insurer_id == insurer)
    if region_prefix is not None:
        stmt = stmt.where(visits.c.insuplc_admdvs.like(f"{region_prefix}%"))
    if psn_no is not None:
        stmt = stmt.where(commercial_claims.c.psn_no == psn_no)
    if open_only:
        stmt = stmt.where(commercial_claims.c.status == "held")
    return [dict(r) for r in conn.execute(stmt).mappings()]


def products_of(conn: Connection, insurer: str) -> list[str]:
    """The product ids an insurer has filed (any state)."""
    stmt = select(product_filings.c.product_id).where(product_filings.c.insurer_id == insurer).distinct()
    return [r[0] for r in conn.execute(stmt)]


def _flags() -> Select[Any]:
    return select(
        risk_flags, visits.c.insuplc_admdvs.label("region"), hospitals.c.admdvs.label("hospital_region")
    ).select_from(
        risk_flags.outerjoin(visits, visits.c.mdtrt_id == risk_flags.c.mdtrt_id)
        .outerjoin(hospitals, hospitals.c.fixmedins_code == risk_flags.c.fixmedins_code)
    )  # fmt: skip


def flag(conn: Connection, flag_id: int) -> dict[str, Any] | None:
    row = conn.execute(_flags().where(risk_flags.c.id == flag_id)).mappings().first()
    return dict(row) if row else None


def flags(conn: Connection, *, products: Sequence[str] | None = None, region_prefix: str | None = None,
          psn_no: str | None = None, open_only: bool = False, limit: int = 200) -> list[dict[str, Any]]:  # fmt: skip
    """Batch-scan flags (newest first) in the given scope: on settlements one of ``products`` paid in;
    about persons insured under ``region_prefix`` (hospital-level flags: hospitals there); one person's."""
    stmt = _flags().order_by(risk_flags.c.flagged_at.desc(), risk_flags.c.id.desc()).limit(limit)
    if products is not None:
        paid_in = select(settlement_shares.c.setl_id).where(
            and_(settlement_shares.c.payer.in_([f"product:{p}" for p in products]), settlement_shares.c.amount > 0)
        )
        stmt = stmt.where(risk_flags.c.setl_id.in_(paid_in))
    if region_prefix is not None:
        stmt = stmt.where(
            or_(visits.c.insuplc_admdvs.like(f"{region_prefix}%"),
                and_(risk_flags.c.mdtrt_id.is_(None), hospitals.c.admdvs.like(f"{region_prefix}%")))
        )  # fmt: skip
    if psn_no is not None:
        stmt = stmt.where(risk_flags.c.psn_no == psn_no)
    if open_only:
        stmt = stmt.where(risk_flags.c.status.in_(OPEN_FLAG))
    return [dict(r) for r in conn.execute(stmt).mappings()]


def paying_products(conn: Connection, setl_id: str, products: Sequence[str]) -> list[str]:
    """Which of ``products`` paid a share of the settlement."""
    stmt = select(settlement_shares.c.payer).where(
        and_(settlement_shares.c.setl_id == setl_id, settlement_shares.c.payer.in_([f"product:{p}" for p in products]),
             settlement_shares.c.amount > 0)
    )  # fmt: skip
    return sorted(r[0].removeprefix("product:") for r in conn.execute(stmt))


def set_flag_status(conn: Connection, flag_id: int, status: str) -> int:
    """Decide an undecided flag; 0 when it was already decided."""
    stmt = (
        update(risk_flags)
        .where(and_(risk_flags.c.id == flag_id, risk_flags.c.status.in_(OPEN_FLAG)))
        .values(status=status)
    )
    return conn.execute(stmt).rowcount


def add_decision(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(review_decisions.insert(), row)


def decisions(conn: Connection, kind: str, item_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The decisions on each item, oldest first."""
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in item_ids}
    if not item_ids:
        return out
    stmt = (
        select(review_decisions)
        .where(and_(review_decisions.c.item_kind == kind, review_decisions.c.item_id.in_(list(item_ids))))
        .order_by(review_decisions.c.decided_at, review_decisions.c.id)
    )
    for row in conn.execute(stmt).mappings():
        out[row["item_id"]].append(dict(row))
    return out
