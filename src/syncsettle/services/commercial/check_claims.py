"""What ``syncsettle check`` verifies of the quick claims: every settled claim has exactly one payout
journal (commercial ledger) for its amount and no other claim has one; a payment out of a prefunded
insurer's reserve belongs to a settled claim and is for its amount; every claim's settlement
exists and is not reversed while the claim is pending; and the accumulator changes settled claims
recorded, which the product accumulators must include. The queries are ``adapters/db/commercial/claim_checks.py``."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection

from syncsettle.adapters.db.commercial import claim_checks as q


def claim_problems(conn: Connection) -> list[str]:
    problems: list[str] = []
    for c in q.claim_payouts(conn):
        booked = int(c.booked or 0)
        if c.status == "settled" and (booked != (c.payable or 0) or (c.payable and c.lines != 1)):
            problems.append(f"claim {c.claim_id}: settled for {c.payable}, payout journal books {booked}")
        if c.status != "settled" and c.booked is not None:
            problems.append(f"claim {c.claim_id}: {c.status} but a payout of {booked} is booked")
        if c.setl_status is None:
            problems.append(f"claim {c.claim_id}: its settlement does not exist")
        elif c.status == "pending" and c.setl_status != "settled":
            problems.append(f"claim {c.claim_id}: pending on a {c.setl_status} settlement")
    problems += [f"journal {j}: a claim payout without its claim" for j in q.payouts_without_claim(conn)]
    return problems + _paid_from_reserve(conn)


def _paid_from_reserve(conn: Connection) -> list[str]:
    """A claim paid out of its insurer's reserve (``<claim_id>:paid``) is a settled claim, for its payable."""
    return [
        f"journal {r.journal_id}: pays {r.amount} out of the reserve for a claim {r.status or 'that does not exist'}"
        f" of {r.payable}"
        for r in q.reserve_payments(conn)
        if r.status != "settled" or r.amount != r.payable
    ]


def claim_deltas(conn: Connection) -> Iterator[tuple[str, int, list[list[object]]]]:
    """(psn_no, year, [[product, responsibility, deductible, paid], ...]) of every settled claim."""
    return q.settled_claim_deltas(conn)
