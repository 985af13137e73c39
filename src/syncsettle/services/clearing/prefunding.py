"""Insurer prefunding (预付备付金): configure an insurer's net-debit cap, top up its reserve, read its
position. The bedside check is :func:`syncsettle.adapters.db.clearing.prefunding.reserve_leg`, called inside
the settlement's own transaction.

Ledger (commercial): a top-up debits ``com:insurer:X:reserve`` and credits ``com:insurer:X:funding``;
a confirmed clearing transfer of a prefunded insurer moves the amount back out of the reserve (see
:mod:`syncsettle.domain.clearing.transfers`). So the ``reserve`` figure of ``insurer_funding`` always
equals the ledger balance of the reserve account (``syncsettle check`` verifies it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.clearing import prefunding as repo
from syncsettle.adapters.db.commercial import claims as claims_repo
from syncsettle.adapters.db.management import alerts as alerts_repo
from syncsettle.adapters.db.settlement import ledger as ledger_repo
from syncsettle.domain import ledger
from syncsettle.domain.commercial.pending import PendingReason
from syncsettle.domain.ledger import Journal, Posting
from syncsettle.money import format_yuan
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.ids import new_id
from syncsettle.services.platform import Platform


def on_top_up(conn: Connection, insurer: str, now: datetime, by: str) -> int:
    """After money came in: resolve the insurer's open ``prefund_exhausted`` alert and make its claims
    that waited for prefunding due now (the claims retry settles them, each exactly once). Returns how
    many. Clearing owns the top-up, so the alert's end is written here, in the top-up's transaction."""
    alerts_repo.resolve(conn, PendingReason.PREFUND_EXHAUSTED.value, insurer, now, by)
    return claims_repo.due_now(conn, insurer, PendingReason.PREFUND_EXHAUSTED.value, now)


def configure(p: Platform, insurer: str, net_debit_cap: int) -> dict[str, Any]:
    """Make ``insurer`` prefunded, allowed to owe up to ``net_debit_cap`` fen beyond its reserve."""
    if net_debit_cap < 0:
        raise ServiceError(Code.FIELD, "净借记上限不能为负", "net_debit_cap")
    with p.uow() as uow:
        repo.configure(uow.conn, insurer, net_debit_cap, p.clock.now())
        uow.commit()
    return position(p, insurer)


def top_up(p: Platform, insurer: str, amount: int) -> dict[str, Any]:
    """Add ``amount`` fen to the insurer's reserve and book it. Returns the new position.

    In the same transaction the insurer's ``prefund_exhausted`` alert is resolved and its claims that
    waited for prefunding become due: the claims retry settles them once this commits."""
    if amount <= 0:
        raise ServiceError(Code.FIELD, "充值金额须大于零", "amount")
    now = p.clock.now()
    with p.uow() as uow:
        if repo.funding(uow.conn, insurer) is None:
            raise ServiceError(Code.NOT_FOUND, f"保险公司 {insurer} 未开通预付备付金", "insurer")
        repo.add_to_reserve(uow.conn, insurer, amount, now)
        journal = Journal(
            new_id("TU"), "commercial", "top_up", None, f"备付金充值 {insurer}",
            (Posting(ledger.insurer_reserve(insurer), amount), Posting(ledger.insurer_funding(insurer), -amount)),
        )  # fmt: skip
        ledger_repo.book(uow.conn, journal, now)
        on_top_up(uow.conn, insurer, now, f"top-up {journal.id}")  # its waiting legs are due again
        uow.commit()
    return position(p, insurer)


def position(p: Platform, insurer: str) -> dict[str, Any]:
    with p.uow(readonly=True) as uow:
        row = repo.funding(uow.conn, insurer)
    if row is None:
        raise ServiceError(Code.NOT_FOUND, f"保险公司 {insurer} 未开通预付备付金", "insurer")
    return _shown(row)


def positions(p: Platform) -> list[dict[str, Any]]:
    """Every prefunded insurer's position (as :func:`position` shows one), by insurer."""
    with p.uow(readonly=True) as uow:
        rows = repo.positions(uow.conn)
    return [_shown(r) for r in rows]


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """Reserve, exposure (open reservations), net-debit cap and headroom = reserve + cap − exposure, in yuan."""
    headroom = int(row["reserve"]) + int(row["net_debit_cap"]) - int(row["exposure"])
    return {
        "insurer": row["insurer"],
        "reserve": format_yuan(int(row["reserve"])),
        "exposure": format_yuan(int(row["exposure"])),
        "net_debit_cap": format_yuan(int(row["net_debit_cap"])),
        "headroom": format_yuan(headroom),
    }
