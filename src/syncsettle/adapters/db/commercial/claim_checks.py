"""The queries of ``syncsettle check`` for the quick claims: rows to check, never messages (the rules
are in ``services/commercial/check_claims.py``). Amounts are integer fen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import Connection, and_, func, select

from syncsettle.adapters.db.commercial.schema_claims import commercial_claims
from syncsettle.adapters.db.core.schema import journals, postings, settlements


class ClaimPayout(NamedTuple):
    claim_id: str
    status: str
    payable: int | None
    booked: int | None  # what its payout journal pays the patient (None: no such journal)
    lines: int | None
    setl_status: str | None  # the settlement's status (None: it does not exist)


class ReservePayment(NamedTuple):
    journal_id: str
    amount: int
    status: str | None  # the claim's status (None: no such claim)
    payable: int | None


def claim_payouts(conn: Connection) -> list[ClaimPayout]:
    """Every claim with its payout journal's amount and its settlement's status."""
    paid = (
        select(journals.c.id, func.sum(postings.c.amount).label("amount"), func.count().label("n"))
        .join(postings, postings.c.journal_id == journals.c.id)
        .where(and_(journals.c.kind == "claim", postings.c.account.like("com:patient:%")))
        .group_by(journals.c.id)
        .subquery()
    )
    stmt = select(commercial_claims.c.claim_id, commercial_claims.c.status, commercial_claims.c.payable,
                  paid.c.amount, paid.c.n, settlements.c.status.label("setl_status")).select_from(
        commercial_claims.outerjoin(paid, paid.c.id == commercial_claims.c.claim_id + ":com")
        .outerjoin(settlements, settlements.c.setl_id == commercial_claims.c.setl_id)
    )  # fmt: skip
    return [ClaimPayout(*row) for row in conn.execute(stmt)]


def payouts_without_claim(conn: Connection) -> list[str]:
    """Claim payout journals whose claim does not exist."""
    orphans = select(journals.c.id).where(
        and_(journals.c.kind == "claim", ~journals.c.id.in_(select(commercial_claims.c.claim_id + ":com")))
    )
    return [row[0] for row in conn.execute(orphans)]


def reserve_payments(conn: Connection) -> list[ReservePayment]:
    """Every payment out of an insurer's reserve (``<claim_id>:paid``) with its claim's status and payable."""
    paid = (
        select(journals.c.id, func.sum(postings.c.amount).label("amount"))
        .join(postings, postings.c.journal_id == journals.c.id)
        .where(and_(journals.c.kind == "claim_payment", postings.c.account.like("com:insurer:%:payable")))
        .group_by(journals.c.id)
        .subquery()
    )
    stmt = select(paid.c.id, paid.c.amount, commercial_claims.c.status, commercial_claims.c.payable).select_from(
        paid.outerjoin(commercial_claims, commercial_claims.c.claim_id + ":paid" == paid.c.id)
    )
    return [ReservePayment(j, int(a), s, p) for j, a, s, p in conn.execute(stmt)]


def settled_claim_deltas(conn: Connection) -> Iterator[tuple[str, int, list[list[object]]]]:
    """(psn_no, year, [[product, responsibility, deductible, paid], ...]) of every settled claim."""
    stmt = select(commercial_claims.c.psn_no, commercial_claims.c.year, commercial_claims.c.accumulator_delta).where(
        commercial_claims.c.status == "settled"
    )
    for psn_no, year, delta in conn.execute(stmt):
        yield psn_no, int(year), list(delta or [])
