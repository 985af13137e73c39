"""Repository of insurer prefunding: each insurer's reserve, exposure and net-debit cap, and the
reservations of bedside commercial legs. Never commits.

A leg of ``amount`` fen fits when ``exposure + amount <= reserve + net_debit_cap``. The test and the
booking are one conditional ``UPDATE``, so two concurrent legs can never both take the last headroom
(PostgreSQL locks the row for the update; SQLite transactions are ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from syncsettle.adapters.db.clearing.schema_clearing import (
    clearing_items,
    insurer_funding,
    insurer_reservations,
)


def funding(conn: Connection, insurer: str) -> dict[str, Any] | None:
    row = conn.execute(select(insurer_funding).where(insurer_funding.c.insurer == insurer)).mappings().first()
    return dict(row) if row else None


def prefunded(conn: Connection) -> set[str]:
    return {r[0] for r in conn.execute(select(insurer_funding.c.insurer))}


def configure(conn: Connection, insurer: str, net_debit_cap: int, now: datetime) -> None:
    """Make the insurer prefunded (reserve 0) or change its cap."""
    changed = conn.execute(
        insurer_funding.update()
        .where(insurer_funding.c.insurer == insurer)
        .values(net_debit_cap=net_debit_cap, updated_at=now)
    ).rowcount
    if not changed:
        conn.execute(
            insurer_funding.insert(),
            {"insurer": insurer, "reserve": 0, "exposure": 0, "net_debit_cap": net_debit_cap, "updated_at": now},
        )


def add_to_reserve(conn: Connection, insurer: str, amount: int, now: datetime) -> None:
    """Relative update of the reserve (a top-up adds, a payment out of the reserve subtracts)."""
    conn.execute(
        insurer_funding.update()
        .where(insurer_funding.c.insurer == insurer)
        .values(reserve=insurer_funding.c.reserve + amount, updated_at=now)
    )


def reserve_leg(conn: Connection, insurer_id: str, amount: int, now: datetime, ref: str) -> bool:
    """Whether a bedside commercial leg of ``amount`` fen fits the insurer's reserve and net-debit cap;
    when it fits, book it (exposure += amount, and a reservation row under ``ref``, the settlement's
    ``setl_id``, so clearing releases it when that settlement's window is settled).

    An insurer without a funding row is not prefunded: every leg fits and nothing is booked. A leg of
    zero fits and books nothing. Call it inside the settlement's transaction, before booking the leg.
    """
    if amount < 0:
        raise ValueError("a leg reserves a non-negative amount")
    if amount == 0:
        return True
    took = conn.execute(
        insurer_funding.update()
        .where(
            and_(
                insurer_funding.c.insurer == insurer_id,
                insurer_funding.c.exposure + amount <= insurer_funding.c.reserve + insurer_funding.c.net_debit_cap,
            )
        )
        .values(exposure=insurer_funding.c.exposure + amount, updated_at=now)
    ).rowcount
    if took:
        conn.execute(
            insurer_reservations.insert(),
            {"insurer": insurer_id, "ref": ref, "amount": amount, "reserved_at": now, "released_in": None},
        )
        return True
    return funding(conn, insurer_id) is None


def release_window(conn: Connection, window_id: str, now: datetime) -> int:
    """Release the reservations of the legs settled in a window that has just been paid: set-based,
    per insurer. Returns the fen released."""
    in_window = select(clearing_items.c.setl_id).where(clearing_items.c.window_id == window_id)
    open_here = and_(insurer_reservations.c.released_in.is_(None), insurer_reservations.c.ref.in_(in_window))
    per_insurer = (
        select(insurer_reservations.c.insurer, func.sum(insurer_reservations.c.amount))
        .where(open_here)
        .group_by(insurer_reservations.c.insurer)
    )
    released = 0
    for insurer, amount in conn.execute(per_insurer).all():  # one row per insurer, not per leg
        conn.execute(
            insurer_funding.update()
            .where(insurer_funding.c.insurer == insurer)
            .values(exposure=insurer_funding.c.exposure - int(amount), updated_at=now)
        )
        released += int(amount)
    conn.execute(insurer_reservations.update().where(open_here).values(released_in=window_id))
    return released


def open_reservations(conn: Connection) -> dict[str, int]:
    stmt = (
        select(insurer_reservations.c.insurer, func.sum(insurer_reservations.c.amount))
        .where(insurer_reservations.c.released_in.is_(None))
        .group_by(insurer_reservations.c.insurer)
    )
    return {i: int(a) for i, a in conn.execute(stmt)}


def positions(conn: Connection) -> list[dict[str, Any]]:
    """Every prefunded insurer's row (reserve, exposure, net-debit cap), by insurer."""
    return [dict(r) for r in conn.execute(select(insurer_funding).order_by(insurer_funding.c.insurer)).mappings()]


def pay_out_at_once(conn: Connection, insurer_id: str, ref: str, now: datetime) -> int:
    """Release the open reservation under ``ref`` because its amount is paid out of the reserve now,
    in the transaction that reserved it (a quick claim paid to the person: no clearing window pays
    it). Exposure and reserve both go down by the amount; the reservation is marked released in
    ``ref`` itself. Returns the fen paid (0 when nothing was reserved, e.g. not prefunded)."""
    open_here = and_(
        insurer_reservations.c.insurer == insurer_id,
        insurer_reservations.c.ref == ref,
        insurer_reservations.c.released_in.is_(None),
    )
    amount = int(conn.execute(select(func.coalesce(func.sum(insurer_reservations.c.amount), 0)).where(open_here))
                 .scalar_one())  # fmt: skip
    if amount:
        conn.execute(
            insurer_funding.update()
            .where(insurer_funding.c.insurer == insurer_id)
            .values(
                exposure=insurer_funding.c.exposure - amount, reserve=insurer_funding.c.reserve - amount, updated_at=now
            )
        )
        conn.execute(insurer_reservations.update().where(open_here).values(released_in=ref))
    return amount
