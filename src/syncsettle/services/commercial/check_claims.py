"""What ``syncsettle check`` verifies of the quick claims: every settled claim has exactly one payout
journal (commercial ledger) for its amount and no other claim has one; a payment out of a prefunded
insurer's reserve belongs to a settled claim and is for its amount; every claim's settlement
exists and is not reversed while the claim is pending; and the accumulator changes settled claims
recorded, which the product accumulators must include."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, and_, func, select

from syncsettle.adapters.db.schema import journals, postings, settlements
from syncsettle.adapters.db.schema_claims import commercial_claims


def claim_problems(conn: Connection) -> list[str]:
    problems: list[str] = []
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
    for claim_id, status, payable, amount, n, setl_status in conn.execute(stmt):
        booked = int(amount or 0)
        if status == "settled" and (booked != (payable or 0) or (payable and n != 1)):
            problems.append(f"claim {claim_id}: settled for {payable}, payout journal books {booked}")
        if status != "settled" and amount is not None:
            problems.append(f"claim {claim_id}: {status} but a payout of {booked} is booked")
        if setl_status is None:
            problems.append(f"claim {claim_id}: its settlement does not exist")
        elif status == "pending" and setl_status != "settled":
            problems.append(f"claim {claim_id}: pending on a {setl_status} settlement")
    orphans = select(journals.c.id).where(
        and_(journals.c.kind == "claim", ~journals.c.id.in_(select(commercial_claims.c.claim_id + ":com")))
    )
    problems += [f"journal {row[0]}: a claim payout without its claim" for row in conn.execute(orphans)]
    return problems + _paid_from_reserve(conn)


def _paid_from_reserve(conn: Connection) -> list[str]:
    """A claim paid out of its insurer's reserve (``<claim_id>:paid``) is a settled claim, for its payable."""
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
    return [
        f"journal {journal_id}: pays {amount} out of the reserve for a claim {status or 'that does not exist'}"
        f" of {payable}"
        for journal_id, amount, status, payable in conn.execute(stmt)
        if status != "settled" or int(amount) != payable
    ]


def claim_deltas(conn: Connection) -> Iterator[tuple[str, int, list[list[object]]]]:
    """(psn_no, year, [[product, responsibility, deductible, paid], ...]) of every settled claim."""
    stmt = select(commercial_claims.c.psn_no, commercial_claims.c.year, commercial_claims.c.accumulator_delta).where(
        commercial_claims.c.status == "settled"
    )
    for psn_no, year, delta in conn.execute(stmt):
        yield psn_no, int(year), list(delta or [])
