"""Repository of the revolving funds (周转金) of cross-region settlement: funds, ledger entries,
monthly settlements, and what the cross-region settlements owe. Never commits.

A *cross-region settlement* of a pair is a settlement or reversal whose visit was insured in the
pair's insured region (``visits.insuplc_admdvs``) and treated in its treatment region
(``visits.mdtrtarea_admvs``, the hospital's region). What the treatment region pays its hospital
for it is the sum of its medical shares: every ``settlement_shares`` row but the patient's cash and
the commercial legs (a reversal's are negative). Settlements whose medical shares sum to zero owe
nothing and are never drawn. Draws are set-based (``INSERT … SELECT``); nothing loops over
settlements in Python.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, String, and_, exists, func, literal, select

from syncsettle.adapters.db.clearing.schema_clearing import revolving_entries, revolving_funds, revolving_periods
from syncsettle.adapters.db.core.schema import postings, settlement_shares, settlements, visits
from syncsettle.adapters.db.settlement import ledger as ledger_repo
from syncsettle.domain.clearing.revolving import Kind, fund_account, journal

e_ = revolving_entries.c
f_ = revolving_funds.c
NOT_MEDICAL = ("cash", "product")


def payments_select(insured: str, treatment: str, day_from: date | None = None, day_to: date | None = None) -> Any:
    """(setl_id, setl_date, amount) of the pair's cross-region settlements with a non-zero medical
    amount (fen, negative for a reversal), business dates within ``[day_from, day_to]`` if given."""
    sh = settlement_shares.c
    amount = func.sum(sh.amount)
    where = [
        visits.c.insuplc_admdvs == insured,
        visits.c.mdtrtarea_admvs == treatment,
        sh.payer_kind.notin_(NOT_MEDICAL),
    ]
    if day_from is not None:
        where.append(settlements.c.setl_date >= day_from)
    if day_to is not None:
        where.append(settlements.c.setl_date <= day_to)
    return (
        select(settlements.c.setl_id, settlements.c.setl_date, amount.label("amount"))
        .select_from(
            settlements.join(visits, visits.c.mdtrt_id == settlements.c.mdtrt_id).join(
                settlement_shares, sh.setl_id == settlements.c.setl_id
            )
        )
        .where(*where)
        .group_by(settlements.c.setl_id, settlements.c.setl_date)
        .having(amount != 0)
    )


def owed(conn: Connection, insured: str, treatment: str, day_from: date, day_to: date) -> dict[str, int]:
    """setl_id → what the treatment region paid its hospital for it (fen), over the dates."""
    return {r[0]: int(r[2]) for r in conn.execute(payments_select(insured, treatment, day_from, day_to))}


def owed_by_month(conn: Connection, insured: str, treatment: str, day_from: date, day_to: date) -> dict[date, int]:
    """First day of each month → the pair's cross-region payments (net fen) settled in it."""
    rows = conn.execute(payments_select(insured, treatment, day_from, day_to)).all()
    out: dict[date, int] = {}
    for _, day, amount in rows:
        month = day.replace(day=1)
        out[month] = out.get(month, 0) + int(amount)
    return out


def fund(conn: Connection, insured: str, treatment: str, *, lock: bool = False) -> dict[str, Any] | None:
    stmt = select(revolving_funds).where(f_.insured_region == insured, f_.treatment_region == treatment)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def funds(conn: Connection) -> list[dict[str, Any]]:
    stmt = select(revolving_funds).order_by(f_.insured_region, f_.treatment_region)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def open_fund(conn: Connection, insured: str, treatment: str, level: int, today: date, now: datetime) -> None:
    conn.execute(
        revolving_funds.insert(),
        {"insured_region": insured, "treatment_region": treatment, "balance": 0, "level": level,
         "opened_on": today, "opened_at": now, "updated_at": now},
    )  # fmt: skip


def book(conn: Connection, insured: str, treatment: str, kind: Kind, ref: str, amount: int, value_date: date,
         now: datetime, actor: str) -> None:  # fmt: skip
    """One entry, its ledger journal, and the fund's balance moved by it (relative update)."""
    if amount:
        memo = f"周转金 {kind.value} {insured}→{treatment} {ref}"
        ledger_repo.book(conn, journal(f"RV:{insured}:{treatment}:{kind.value}:{ref}", kind, insured, treatment,
                                       amount, memo), now)  # fmt: skip
    conn.execute(
        revolving_entries.insert(),
        {"insured_region": insured, "treatment_region": treatment, "kind": kind.value, "ref": ref, "amount": amount,
         "value_date": value_date, "booked_at": now, "actor": actor},
    )  # fmt: skip
    conn.execute(
        revolving_funds.update()
        .where(f_.insured_region == insured, f_.treatment_region == treatment)
        .values(balance=f_.balance + amount, updated_at=now)
    )


def set_level(conn: Connection, insured: str, treatment: str, level: int, now: datetime) -> None:
    conn.execute(
        revolving_funds.update()
        .where(f_.insured_region == insured, f_.treatment_region == treatment)
        .values(level=level, updated_at=now)
    )


def _undrawn(insured: str, treatment: str, day_from: date, day_to: date) -> Any:
    payments = payments_select(insured, treatment, day_from, day_to).subquery()
    drawn = exists().where(
        e_.insured_region == insured, e_.treatment_region == treatment, e_.kind == Kind.DRAW.value,
        e_.ref == payments.c.setl_id,
    )  # fmt: skip
    return payments, ~drawn


def draw(conn: Connection, insured: str, treatment: str, day_from: date, day_to: date, now: datetime,
         actor: str) -> tuple[int, int]:  # fmt: skip
    """Draw, in one ``INSERT … SELECT``, every cross-region settlement of the pair of
    ``[day_from, day_to]`` not drawn yet (``day_from``: the fund's opening; what came before was paid
    without it). A draw is minus the settlement's medical amount, valued on its business date; the
    fund's balance moves by their sum. Returns (how many, their sum in fen)."""
    payments, undrawn = _undrawn(insured, treatment, day_from, day_to)
    pending = select(func.count(), func.coalesce(func.sum(payments.c.amount), 0)).where(undrawn)
    count, total = conn.execute(pending).one()
    if not count:
        return 0, 0
    chosen = select(
        literal(insured, String), literal(treatment, String), literal(Kind.DRAW.value, String), payments.c.setl_id,
        -payments.c.amount, payments.c.setl_date, literal(now, revolving_entries.c.booked_at.type),
        literal(actor, String),
    ).where(undrawn)  # fmt: skip
    columns = ["insured_region", "treatment_region", "kind", "ref", "amount", "value_date", "booked_at", "actor"]
    conn.execute(revolving_entries.insert().from_select(columns, chosen))
    if total:  # one journal for the batch: the ledger mirrors the fund, the entries name the settlements
        batch = f"RV:{insured}:{treatment}:draw:{uuid.uuid4().hex[:24].upper()}"
        memo = f"周转金支付异地结算 {count} 笔 {insured}→{treatment} 至 {day_to}"
        ledger_repo.book(conn, journal(batch, Kind.DRAW, insured, treatment, -int(total), memo), now)
    conn.execute(
        revolving_funds.update()
        .where(f_.insured_region == insured, f_.treatment_region == treatment)
        .values(balance=f_.balance - int(total), updated_at=now)
    )
    return int(count), -int(total)


def pending(conn: Connection, insured: str, treatment: str, day_from: date, day_to: date) -> tuple[int, int]:
    """(how many cross-region settlements of ``[day_from, day_to]`` are not drawn yet, what they owe in fen)."""
    payments, undrawn = _undrawn(insured, treatment, day_from, day_to)
    count, total = conn.execute(
        select(func.count(), func.coalesce(func.sum(payments.c.amount), 0)).where(undrawn)
    ).one()
    return int(count), int(total)


def drawn(conn: Connection, insured: str, treatment: str, day_from: date, day_to: date) -> dict[str, int]:
    """setl_id → the draw booked for it (signed fen), valued within the dates."""
    stmt = select(e_.ref, e_.amount).where(
        e_.insured_region == insured, e_.treatment_region == treatment, e_.kind == Kind.DRAW.value,
        e_.value_date >= day_from, e_.value_date <= day_to,
    )  # fmt: skip
    return {ref: int(amount) for ref, amount in conn.execute(stmt)}


def balance_through(conn: Connection, insured: str, treatment: str, day: date) -> int:
    """The sum of the pair's entries valued on or before ``day``."""
    stmt = select(func.coalesce(func.sum(e_.amount), 0)).where(
        e_.insured_region == insured, e_.treatment_region == treatment, e_.value_date <= day
    )
    return int(conn.execute(stmt).scalar_one())


def paid_by_month(conn: Connection, insured: str, treatment: str, day_from: date, day_to: date) -> dict[date, int]:
    """First day of each month → minus the sum of the pair's draws valued in it (the net payments)."""
    stmt = select(e_.value_date, e_.amount).where(
        e_.insured_region == insured, e_.treatment_region == treatment, e_.kind == Kind.DRAW.value,
        e_.value_date >= day_from, e_.value_date <= day_to,
    )  # fmt: skip
    out: dict[date, int] = {}
    for day, amount in conn.execute(stmt):
        month = day.replace(day=1)
        out[month] = out.get(month, 0) - int(amount)
    return out


def entries(conn: Connection, insured: str, treatment: str, limit: int = 100) -> list[dict[str, Any]]:
    """The pair's latest entries, newest first."""
    stmt = (
        select(revolving_entries)
        .where(e_.insured_region == insured, e_.treatment_region == treatment)
        .order_by(e_.value_date.desc(), e_.id.desc())
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def period(conn: Connection, insured: str, treatment: str, month: date) -> dict[str, Any] | None:
    p = revolving_periods.c
    row = (
        conn.execute(
            select(revolving_periods).where(
                p.insured_region == insured, p.treatment_region == treatment, p.month == month
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def latest_period(conn: Connection, insured: str, treatment: str) -> dict[str, Any] | None:
    p = revolving_periods.c
    stmt = (
        select(revolving_periods)
        .where(p.insured_region == insured, p.treatment_region == treatment)
        .order_by(p.month.desc())
        .limit(1)
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def add_period(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(revolving_periods.insert(), row)


def periods(conn: Connection) -> list[dict[str, Any]]:
    p = revolving_periods.c
    stmt = select(revolving_periods).order_by(p.insured_region, p.treatment_region, p.month)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def ledger_balances(conn: Connection) -> dict[tuple[str, str], int]:
    """(insured, treatment) → the sum of its entries."""
    stmt = select(e_.insured_region, e_.treatment_region, func.sum(e_.amount)).group_by(
        e_.insured_region, e_.treatment_region
    )
    return {(i, t): int(s) for i, t, s in conn.execute(stmt)}


def wrong_draws(conn: Connection, insured: str, treatment: str) -> list[tuple[str, int, int | None]]:
    """Draws of the pair that are not minus a cross-region settlement's medical amount:
    (setl_id, the draw, what the settlement owes or None when it owes nothing / is not the pair's)."""
    payments = payments_select(insured, treatment).subquery()
    stmt = (
        select(e_.ref, e_.amount, payments.c.amount)
        .select_from(revolving_entries.outerjoin(payments, payments.c.setl_id == e_.ref))
        .where(
            e_.insured_region == insured,
            e_.treatment_region == treatment,
            e_.kind == Kind.DRAW.value,
            and_(payments.c.amount.is_(None)) | (payments.c.amount != -e_.amount),
        )
    )
    return [(r[0], int(r[1]), None if r[2] is None else int(r[2])) for r in conn.execute(stmt)]


def ledger_balance(conn: Connection, insured: str, treatment: str) -> int:
    """The medical ledger's balance of the pair's fund account."""
    code = fund_account(insured, treatment).code
    return int(conn.execute(select(func.coalesce(func.sum(postings.c.amount), 0)).where(postings.c.account == code))
               .scalar_one())  # fmt: skip
