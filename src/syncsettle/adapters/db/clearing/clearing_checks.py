"""The queries of ``syncsettle check`` for clearing: rows to check, never messages (the rules are in
``services/clearing/check.py``). Amounts are integer fen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select

from syncsettle.adapters.db.clearing import clearing as repo
from syncsettle.adapters.db.clearing.schema_clearing import clearing_items, clearing_windows, insurer_funding
from syncsettle.adapters.db.core.schema import accounts, journals, postings, settlements


def settlements_in_several_windows(conn: Connection) -> list[tuple[str, int]]:
    """(setl_id, how many windows) of every settlement assigned to more than one window."""
    rows = conn.execute(
        select(clearing_items.c.setl_id, func.count()).group_by(clearing_items.c.setl_id).having(func.count() > 1)
    )
    return [(setl_id, int(n)) for setl_id, n in rows]


def dangling_items(conn: Connection) -> list[str]:
    """Window items naming no settlement or no window."""
    dangling = (
        select(clearing_items.c.setl_id)
        .select_from(
            clearing_items.outerjoin(settlements, settlements.c.setl_id == clearing_items.c.setl_id).outerjoin(
                clearing_windows, clearing_windows.c.window_id == clearing_items.c.window_id
            )
        )
        .where(settlements.c.setl_id.is_(None) | clearing_windows.c.window_id.is_(None))
    )
    return [setl_id for (setl_id,) in conn.execute(dangling)]


def item_counts(conn: Connection) -> dict[str, int]:
    """window_id → how many items it holds."""
    rows = conn.execute(select(clearing_items.c.window_id, func.count()).group_by(clearing_items.c.window_id))
    return {wid: int(n) for wid, n in rows}


def windows(conn: Connection) -> list[dict[str, Any]]:
    return [dict(w) for w in conn.execute(select(clearing_windows)).mappings()]


def recomputed_positions(conn: Connection, window_id: str, region: str) -> dict[tuple[str, str], int]:
    """(payer, hospital) → net, recomputed from the window's items' shares."""
    return {(r[1], r[2]): int(r[6]) for r in conn.execute(repo.positions_select(window_id, region))}


def existing_journals(conn: Connection, ids: Iterable[str]) -> set[str]:
    """Those of ``ids`` that are booked journals."""
    return {j for (j,) in conn.execute(select(journals.c.id).where(journals.c.id.in_(list(ids))))}


def insurer_funding_rows(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(insurer_funding)).mappings()]


def account_balance(conn: Connection, code: str) -> int:
    """The sum of one account's postings."""
    total = conn.execute(select(func.coalesce(func.sum(postings.c.amount), 0)).where(postings.c.account == code))
    return int(total.scalar() or 0)


def account_ledgers(conn: Connection) -> list[tuple[str, str]]:
    """(code, ledger) of every account."""
    return [(code, name) for code, name in conn.execute(select(accounts.c.code, accounts.c.ledger))]
