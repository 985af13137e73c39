"""Repository of settlement windows: schedules, windows, their items, positions and payment
instructions. Everything that touches settlements is one set-based statement (INSERT … SELECT,
GROUP BY); nothing loops over settlement rows in Python. Never commits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, String, and_, case, exists, func, literal, select, text

from syncsettle.adapters.db.clearing.schema_clearing import (
    clearing_items,
    clearing_payers,
    clearing_positions,
    clearing_schedules,
    clearing_windows,
    payment_instructions,
)
from syncsettle.adapters.db.core.schema import settlement_shares, settlements, visits
from syncsettle.adapters.db.core.util import insert_ignore
from syncsettle.domain.clearing.instructions import Instruction
from syncsettle.domain.clearing.transfers import PERSONAL_ACCOUNT_FUND
from syncsettle.domain.clearing.windows import Schedule


def schedule(conn: Connection, region: str) -> Schedule:
    """The region's schedule, else the ``*`` default row, else daily with the default close delay."""
    rows = {
        r["region"]: r
        for r in conn.execute(select(clearing_schedules).where(clearing_schedules.c.region.in_([region, "*"])))
        .mappings()
        .all()
    }
    row = rows.get(region) or rows.get("*")
    return Schedule(int(row["period_days"]), int(row["close_delay_s"])) if row else Schedule()


def set_schedule(conn: Connection, region: str, value: Schedule, now: datetime) -> None:
    values = {"period_days": value.period_days, "close_delay_s": value.close_delay_s, "updated_at": now}
    if conn.execute(clearing_schedules.update().where(clearing_schedules.c.region == region).values(values)).rowcount:
        return
    conn.execute(clearing_schedules.insert(), {"region": region, **values})


def window(conn: Connection, window_id: str, *, lock: bool = False) -> dict[str, Any] | None:
    stmt = select(clearing_windows).where(clearing_windows.c.window_id == window_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def window_covering(conn: Connection, region: str, day: date) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(clearing_windows).where(
                clearing_windows.c.region == region,
                clearing_windows.c.period_begin <= day,
                clearing_windows.c.period_end > day,
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def latest_end_before(conn: Connection, region: str, day: date) -> date | None:
    """The end of the region's latest window that begins on or before ``day``."""
    value = conn.execute(
        select(func.max(clearing_windows.c.period_end)).where(
            clearing_windows.c.region == region, clearing_windows.c.period_begin <= day
        )
    ).scalar()
    return value if isinstance(value, date) else None


def earlier_open(conn: Connection, region: str, begin: date) -> str | None:
    return conn.execute(
        select(clearing_windows.c.window_id).where(
            clearing_windows.c.region == region,
            clearing_windows.c.period_begin < begin,
            clearing_windows.c.status == "OPEN",
        )
    ).scalar()


def add_window(conn: Connection, row: dict[str, Any]) -> None:
    insert_ignore(conn, clearing_windows, [row])


def move(conn: Connection, window_id: str, current: str, target: str, **values: Any) -> bool:
    """Compare-and-set of the window's status: true when this transaction made the move."""
    done = conn.execute(
        clearing_windows.update()
        .where(clearing_windows.c.window_id == window_id, clearing_windows.c.status == current)
        .values(status=target, **values)
    )
    return done.rowcount == 1


def windows(conn: Connection, region: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    stmt = select(clearing_windows).order_by(clearing_windows.c.period_begin.desc(), clearing_windows.c.region)
    if region:
        stmt = stmt.where(clearing_windows.c.region == region)
    return [dict(r) for r in conn.execute(stmt.limit(limit)).mappings()]


def assign(conn: Connection, window_id: str, region: str, cutoff: datetime) -> int:
    """Assign to the window every unassigned settlement and reversal of persons insured in ``region``
    whose time is before ``cutoff``: one INSERT … SELECT. Returns how many."""
    unassigned = ~exists().where(clearing_items.c.setl_id == settlements.c.setl_id)
    chosen = (
        select(settlements.c.setl_id, literal(window_id, String))
        .select_from(settlements.join(visits, visits.c.mdtrt_id == settlements.c.mdtrt_id))
        .where(settlements.c.setl_time < cutoff, visits.c.insuplc_admdvs == region, unassigned)
    )
    if conn.dialect.name == "postgresql":
        # The items table may look empty to the planner (statistics taken before the first close, or
        # stale), which makes it pick a nested-loop anti-join that re-scans, per settlement, the very
        # rows this statement is inserting: quadratic. A hash anti-join is linear whatever the estimate.
        conn.execute(text("SET LOCAL enable_nestloop = off"))
    conn.execute(clearing_items.insert().from_select(["setl_id", "window_id"], chosen))
    if conn.dialect.name == "postgresql":
        # fresh statistics (a 30,000-row sample) so clearing plans the window's join by its real size
        conn.execute(text("ANALYZE clearing_items"))
    # counted, not rowcount: psycopg reports -1 for INSERT … SELECT
    return int(conn.execute(select(func.count()).where(clearing_items.c.window_id == window_id)).scalar() or 0)


def unassign(conn: Connection, window_id: str) -> int:
    return conn.execute(clearing_items.delete().where(clearing_items.c.window_id == window_id)).rowcount


def add_payers(conn: Connection, product_insurers: dict[str, str]) -> None:
    insert_ignore(
        conn, clearing_payers, [{"share_payer": f"product:{p}", "insurer": i} for p, i in product_insurers.items()]
    )


def unknown_products(conn: Connection, window_id: str) -> list[str]:
    """Product shares in the window whose insurer the platform does not know."""
    stmt = (
        select(settlement_shares.c.payer)
        .select_from(
            clearing_items.join(settlement_shares, settlement_shares.c.setl_id == clearing_items.c.setl_id).outerjoin(
                clearing_payers, clearing_payers.c.share_payer == settlement_shares.c.payer
            )
        )
        .where(
            clearing_items.c.window_id == window_id,
            settlement_shares.c.payer_kind == "product",
            clearing_payers.c.insurer.is_(None),
        )
        .distinct()
    )
    return sorted(r[0] for r in conn.execute(stmt))


def positions_select(window_id: str, region: str) -> Any:
    """Gross and net per clearing payer × hospital, from the shares of the window's items (cash
    excluded: it is paid at the hospital window and never passes through the platform)."""
    sh = settlement_shares.c
    payer = case(
        (sh.payer_kind == "fund", literal(f"fund:{region}:", String) + sh.payer),
        (sh.payer_kind == "personal_account", literal(f"fund:{region}:{PERSONAL_ACCOUNT_FUND}", String)),
        else_=literal("insurer:", String) + clearing_payers.c.insurer,
    )
    ledger = case((sh.payer_kind == "product", literal("commercial", String)), else_=literal("medical", String))
    original = settlements.c.reverses.is_(None)
    return (
        select(
            literal(window_id, String),
            payer,
            settlements.c.fixmedins_code,
            ledger,
            func.sum(case((original, sh.amount), else_=0)),
            func.sum(case((original, 0), else_=sh.amount)),
            func.sum(sh.amount),
            func.count(),
        )
        .select_from(
            clearing_items.join(settlements, settlements.c.setl_id == clearing_items.c.setl_id)
            .join(settlement_shares, sh.setl_id == clearing_items.c.setl_id)
            .outerjoin(clearing_payers, clearing_payers.c.share_payer == sh.payer)
        )
        .where(clearing_items.c.window_id == window_id, sh.payer_kind != "cash")
        .group_by(payer, settlements.c.fixmedins_code, ledger)
    )


POSITION_COLUMNS = ["window_id", "payer", "hospital", "ledger", "gross_settled", "gross_reversed", "net", "lines"]


def build_positions(conn: Connection, window_id: str, region: str) -> None:
    stmt = positions_select(window_id, region)
    conn.execute(clearing_positions.insert().from_select(POSITION_COLUMNS, stmt))


def build_instructions(conn: Connection, window_id: str) -> None:
    """One instruction per position with a non-zero net, numbered in (ledger, payer, hospital) order."""
    pos = clearing_positions.c
    seq = func.row_number().over(order_by=[pos.ledger, pos.payer, pos.hospital])
    stmt = select(pos.window_id, seq, pos.ledger, pos.payer, pos.hospital, pos.net, literal("issued", String)).where(
        pos.window_id == window_id, pos.net != 0
    )
    columns = ["window_id", "seq", "ledger", "payer", "hospital", "amount", "status"]
    conn.execute(payment_instructions.insert().from_select(columns, stmt))


def instruction_rows(conn: Connection, window_id: str) -> list[dict[str, Any]]:
    stmt = (
        select(payment_instructions)
        .where(payment_instructions.c.window_id == window_id)
        .order_by(payment_instructions.c.seq)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def instructions(conn: Connection, window_id: str) -> list[Instruction]:
    return [
        Instruction(r["window_id"], int(r["seq"]), r["ledger"], r["payer"], r["hospital"], int(r["amount"]))
        for r in instruction_rows(conn, window_id)
    ]


def positions(conn: Connection, window_id: str) -> list[dict[str, Any]]:
    stmt = (
        select(clearing_positions)
        .where(clearing_positions.c.window_id == window_id)
        .order_by(clearing_positions.c.ledger, clearing_positions.c.payer, clearing_positions.c.hospital)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def confirm_instruction(conn: Connection, window_id: str, seq: int, now: datetime, actor: str, bank_ref: str) -> bool:
    done = conn.execute(
        payment_instructions.update()
        .where(
            and_(
                payment_instructions.c.window_id == window_id,
                payment_instructions.c.seq == seq,
                payment_instructions.c.status == "issued",
            )
        )
        .values(status="confirmed", confirmed_at=now, confirmed_by=actor, bank_ref=bank_ref)
    )
    return done.rowcount == 1


def void_instructions(conn: Connection, window_id: str) -> int:
    return conn.execute(
        payment_instructions.update()
        .where(payment_instructions.c.window_id == window_id, payment_instructions.c.status == "issued")
        .values(status="void")
    ).rowcount


def count_by_status(conn: Connection, window_id: str) -> dict[str, int]:
    stmt = (
        select(payment_instructions.c.status, func.count())
        .where(payment_instructions.c.window_id == window_id)
        .group_by(payment_instructions.c.status)
    )
    return {status: int(n) for status, n in conn.execute(stmt)}
