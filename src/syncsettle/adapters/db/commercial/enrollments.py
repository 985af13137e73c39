"""Repository of enrollments as the commercial centre keeps them, and the medical-insurance history
the enrollment flow reads *inside* the domain (diagnoses of settled visits, commercial payments per
year, at the bedside or as quick claims). Reads and writes; never commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from syncsettle.adapters.db.commercial.schema_claims import commercial_claims
from syncsettle.adapters.db.commercial.schema_commercial import product_filings
from syncsettle.adapters.db.core.schema import enrollments, persons, settlement_shares, settlements, visits


def get(conn: Connection, enrollment_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(enrollments).where(enrollments.c.id == enrollment_id)).mappings().first()
    return dict(row) if row else None


def cancel(conn: Connection, enrollment_id: int, **values: Any) -> int:
    """Mark an active enrollment cancelled (with ``values``); 0 when it no longer is active, so two
    concurrent cancellations refund once."""
    stmt = (
        enrollments.update()
        .where(and_(enrollments.c.id == enrollment_id, enrollments.c.status == "active"))
        .values(status="cancelled", **values)
    )
    return int(conn.execute(stmt).rowcount)


def lock_persons(conn: Connection, psn_nos: list[str]) -> None:
    """Serialise enrollments of the same persons (PostgreSQL row locks, in a fixed order; SQLite
    transactions already hold the write lock). ``FOR NO KEY UPDATE`` does not block the key-share
    locks that inserts referring to the person take."""
    if conn.dialect.name == "postgresql":
        stmt = select(persons.c.psn_no).where(persons.c.psn_no.in_(sorted(psn_nos))).order_by(persons.c.psn_no)
        conn.execute(stmt.with_for_update(key_share=True)).all()


def of_person(conn: Connection, psn_no: str) -> list[dict[str, Any]]:
    """Enrollments covering ``psn_no`` or paid by them (family members they enrolled)."""
    stmt = (
        select(enrollments)
        .where(or_(enrollments.c.psn_no == psn_no, enrollments.c.holder_psn_no == psn_no))
        .order_by(enrollments.c.id)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def of_insurer(conn: Connection, insurer_id: str, product_id: str | None = None, *, limit: int | None = None,
               offset: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    """The insurer's enrollments by id (a page of them with ``limit``/``offset``)."""
    stmt = select(enrollments).where(enrollments.c.insurer_id == insurer_id).order_by(enrollments.c.id)
    if product_id is not None:
        stmt = stmt.where(enrollments.c.product_id == product_id)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def overlapping(conn: Connection, psn_no: str, product_id: str, begin: date, end: date) -> bool:
    stmt = select(enrollments.c.id).where(
        and_(
            enrollments.c.psn_no == psn_no,
            enrollments.c.product_id == product_id,
            enrollments.c.status == "active",
            enrollments.c.begndate <= end,
            enrollments.c.enddate >= begin,
        )
    )
    return conn.execute(stmt.limit(1)).first() is not None


def series(conn: Connection, psn_no: str) -> list[dict[str, Any]]:
    """The person's enrollments with the product series their filing declared (``line`` is NULL for
    enrollments recorded administratively; the caller derives it from the product id)."""
    stmt = (
        select(enrollments.c.product_id, enrollments.c.begndate, enrollments.c.enddate, enrollments.c.status,
               product_filings.c.line)
        .select_from(enrollments.outerjoin(product_filings, product_filings.c.id == enrollments.c.filing_id))
        .where(enrollments.c.psn_no == psn_no)
    )  # fmt: skip
    return [dict(r) for r in conn.execute(stmt).mappings()]


def product_payments(
    conn: Connection, psn_no: str, product_ids: list[str], since: date | None = None, until: date | None = None
) -> dict[int, int]:
    """Fen paid by each of ``product_ids`` for ``psn_no``, by the visit's year (``since``/``until``
    bound the visit date): bedside shares (reversals net out) and quick-claim payouts (settled
    ``commercial_claims``: a leg that could not settle at the bedside and was paid later)."""
    if not product_ids:
        return {}
    bedside = (
        select(settlements.c.year, func.sum(settlement_shares.c.amount))
        .join(settlement_shares, settlement_shares.c.setl_id == settlements.c.setl_id)
        .where(settlements.c.psn_no == psn_no, settlement_shares.c.payer.in_([f"product:{p}" for p in product_ids]))
        .group_by(settlements.c.year)
    )
    quick = (
        select(commercial_claims.c.year, func.sum(commercial_claims.c.payable))
        .where(commercial_claims.c.psn_no == psn_no, commercial_claims.c.product_id.in_(product_ids),
               commercial_claims.c.status == "settled")
        .group_by(commercial_claims.c.year)
    )  # fmt: skip
    if since is not None:
        bedside = bedside.where(settlements.c.setl_date >= since)
        quick = quick.where(commercial_claims.c.setl_date >= since)
    if until is not None:
        bedside = bedside.where(settlements.c.setl_date <= until)
        quick = quick.where(commercial_claims.c.setl_date <= until)
    paid: dict[int, int] = {}
    for stmt in (bedside, quick):
        for year, total in conn.execute(stmt):
            paid[int(year)] = paid.get(int(year), 0) + int(total or 0)
    return paid


def diagnosis_history(conn: Connection, psn_no: str, since: date) -> list[tuple[date, str]]:
    """``(settlement date, ICD-10 code)`` of the person's settled, unreversed visits since ``since``."""
    stmt = (
        select(settlements.c.setl_date, visits.c.diagnoses)
        .join(visits, visits.c.mdtrt_id == settlements.c.mdtrt_id)
        .where(
            settlements.c.psn_no == psn_no,
            settlements.c.status == "settled",
            settlements.c.reversed_by.is_(None),
            settlements.c.setl_date >= since,
        )
    )
    return [(day, str(code)) for day, codes in conn.execute(stmt) for code in (codes or [])]
