"""Repositories of settlements, their shares, year-to-date accumulators, idempotency records and the
outbox. Accumulator reads for a settlement lock the person's rows (``FOR UPDATE`` on PostgreSQL;
SQLite transactions are already ``BEGIN IMMEDIATE``). They never commit.

Two locks, always taken in this order: the basic accumulators of (person, insurance type, year)
(:func:`lock_basic`), then the product caps of (person, product, year) (:func:`lock_products`, by
sorted key). A product's accumulators belong to the person, not to one insurance row, so the basic
lock alone does not cover them: two settlements or claims of one person under 310 and 390 would
otherwise both read a product's year-to-date payments and both spend the same remaining cap."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, text, update
from sqlalchemy.exc import IntegrityError

from syncsettle.adapters.db.core.fast import Fast, FastInsert
from syncsettle.adapters.db.core.schema import (
    basic_accumulators,
    idempotency,
    outbox,
    product_accumulators,
    settlement_shares,
    settlements,
)
from syncsettle.adapters.db.core.util import insert_ignore

BASIC_FIELDS = (
    "inp_deductible_used",
    "inp_fund_paid",
    "out_deductible_used",
    "out_fund_paid",
    "admissions",
    "subsidy_base",
    "subsidy_paid",
    "cvlserv_paid",
    "maf_paid",
    "assistance_base",
    "chronic_deductible_used",
    "referrals",
)


_BASIC_KEY = (
    basic_accumulators.c.psn_no == bindparam("psn_no"),
    basic_accumulators.c.insutype == bindparam("insutype"),
    basic_accumulators.c.year == bindparam("year"),
)
_BASIC_SELECT = select(*(basic_accumulators.c[f] for f in BASIC_FIELDS)).where(*_BASIC_KEY)
_BASIC = Fast(_BASIC_SELECT)
# SQLite renders no FOR UPDATE: its transaction is BEGIN IMMEDIATE
_BASIC_LOCKED = Fast(_BASIC_SELECT.with_for_update())
_ADD_TO_BASIC = Fast(  # an UPDATE's parameters may not be named after its columns: k_…, add_…
    update(basic_accumulators)
    .where(
        basic_accumulators.c.psn_no == bindparam("k_psn_no"),
        basic_accumulators.c.insutype == bindparam("k_insutype"),
        basic_accumulators.c.year == bindparam("k_year"),
    )
    .values({f: basic_accumulators.c[f] + bindparam(f"add_{f}") for f in BASIC_FIELDS})
)


def lock_basic(conn: Connection, psn_no: str, insutype: str, year: int) -> dict[str, int]:
    """The person's basic accumulators for the year, locked for this transaction (created at zero).
    One statement when the row exists (every settlement but the person's first of the year)."""
    key = {"psn_no": psn_no, "insutype": insutype, "year": year}
    found = _BASIC_LOCKED.rows(conn, key)
    if not found:
        insert_ignore(conn, basic_accumulators, [{**key, **dict.fromkeys(BASIC_FIELDS, 0)}])
        found = _BASIC_LOCKED.rows(conn, key)
        assert len(found) == 1
    return {f: int(v) for f, v in zip(BASIC_FIELDS, found[0], strict=True)}


def read_basic(conn: Connection, psn_no: str, insutype: str, year: int) -> dict[str, int]:
    found = _BASIC.rows(conn, {"psn_no": psn_no, "insutype": insutype, "year": year})
    return {f: int(v) for f, v in zip(BASIC_FIELDS, found[0], strict=True)} if found else dict.fromkeys(BASIC_FIELDS, 0)


def add_to_basic(conn: Connection, psn_no: str, insutype: str, year: int, delta: dict[str, int]) -> None:
    """Add ``delta`` (field → fen or count) to the row, in SQL so the update is relative (one
    prebuilt statement: the fields without a change add zero)."""
    if not any(delta.values()):
        return
    adds = {f"add_{f}": delta.get(f, 0) for f in BASIC_FIELDS}
    _ADD_TO_BASIC.run(conn, {"k_psn_no": psn_no, "k_insutype": insutype, "k_year": year, **adds})


_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:k)")


def product_lock_key(psn_no: str, product_id: str, year: int) -> int:
    """The signed 64-bit advisory-lock key of (person, product, year): the first 8 bytes of a SHA-256
    of the triple (a collision only makes two unrelated persons wait for each other, never unsafe)."""
    digest = hashlib.sha256(f"product-cap\x1f{psn_no}\x1f{product_id}\x1f{year}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_products(conn: Connection, psn_no: str, year: int, product_ids: Iterable[str]) -> None:
    """Hold, until this transaction ends, the cap of each of ``product_ids`` for the person's year:
    whoever reads a product's accumulators to spend (or give back) its cap takes this first, after
    the basic lock. On PostgreSQL a transaction-scoped advisory lock per (person, product, year), in
    ascending key order so two transactions never wait on each other crosswise; a row lock would not
    do, since the accumulator rows of a product's first payment of the year do not exist yet. On
    SQLite the transaction is ``BEGIN IMMEDIATE``: it already excludes every other writer."""
    if conn.dialect.name != "postgresql":
        return
    for key in sorted({product_lock_key(psn_no, p, year) for p in product_ids}):
        conn.execute(_ADVISORY_LOCK, {"k": key})


def read_products(
    conn: Connection, psn_no: str, year: int, product_ids: list[str]
) -> dict[str, dict[str, tuple[int, int]]]:
    """product → responsibility → (deductible_used, paid)."""
    if not product_ids:
        return {}
    stmt = select(product_accumulators).where(
        and_(
            product_accumulators.c.psn_no == psn_no,
            product_accumulators.c.year == year,
            product_accumulators.c.product_id.in_(product_ids),
        )
    )
    # no row lock here: a caller that spends a cap holds lock_products for these products first
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for row in conn.execute(stmt).mappings():
        out.setdefault(row["product_id"], {})[row["resp_id"]] = (int(row["deductible_used"]), int(row["paid"]))
    return out


def add_to_products(conn: Connection, psn_no: str, year: int, deltas: list[tuple[str, str, int, int]]) -> None:
    """Add (product, responsibility, deductible delta, paid delta) to the person's rows."""
    rows = [
        {"psn_no": psn_no, "product_id": p, "year": year, "resp_id": r, "deductible_used": 0, "paid": 0}
        for p, r, d, paid in deltas
        if d or paid
    ]
    insert_ignore(conn, product_accumulators, rows)
    for p, r, d, paid in deltas:
        if not (d or paid):
            continue
        conn.execute(
            update(product_accumulators)
            .where(
                and_(
                    product_accumulators.c.psn_no == psn_no,
                    product_accumulators.c.product_id == p,
                    product_accumulators.c.year == year,
                    product_accumulators.c.resp_id == r,
                )
            )
            .values(
                deductible_used=product_accumulators.c.deductible_used + d,
                paid=product_accumulators.c.paid + paid,
            )
        )


_ADD_SETTLEMENT = FastInsert(settlements)
_ADD_SHARES = FastInsert(settlement_shares)
_REMEMBER = FastInsert(idempotency)
_EMIT = FastInsert(outbox)


def add_settlement(conn: Connection, row: dict[str, Any], shares: list[dict[str, Any]]) -> None:
    _ADD_SETTLEMENT.one(conn, row)
    _ADD_SHARES.many(conn, shares)


def settlement(conn: Connection, setl_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(settlements).where(settlements.c.setl_id == setl_id)).mappings().first()
    return dict(row) if row else None


def of_person(
    conn: Connection, psn_no: str, begin: date | None = None, end: date | None = None
) -> list[dict[str, Any]]:
    """A person's settlements (not the reversal rows) with ``setl_date`` in ``[begin, end]``, oldest first."""
    query = select(settlements).where(settlements.c.psn_no == psn_no, settlements.c.refd_setl_flag == "0")
    if begin is not None:
        query = query.where(settlements.c.setl_date >= begin)
    if end is not None:
        query = query.where(settlements.c.setl_date <= end)
    rows = conn.execute(query.order_by(settlements.c.setl_time, settlements.c.setl_id)).mappings()
    return [dict(r) for r in rows]


def shares_of(conn: Connection, setl_id: str) -> list[dict[str, Any]]:
    """A settlement's payer shares (payer, kind, amount in fen)."""
    rows = conn.execute(select(settlement_shares).where(settlement_shares.c.setl_id == setl_id)).mappings()
    return [dict(r) for r in rows]


def set_reversed_by(conn: Connection, setl_id: str, rev_id: str) -> None:
    """Point the original settlement at its reversal row (once that row exists)."""
    conn.execute(settlements.update().where(settlements.c.setl_id == setl_id).values(reversed_by=rev_id))


def mark_reversed(conn: Connection, setl_id: str, reversed_by: str) -> int:
    return conn.execute(
        settlements.update()
        .where(and_(settlements.c.setl_id == setl_id, settlements.c.status == "settled"))
        .values(status="reversed", reversed_by=reversed_by)
    ).rowcount


# the constraints a request's msgid is unique by: the settlement's (or reversal's) row and the answer kept for replay
_MSGID_CONSTRAINTS = frozenset({"uq_settlements_msgid", "pk_idempotency"})
_MSGID_COLUMNS = ("settlements.msgid", "idempotency.msgid")


def msgid_taken(exc: IntegrityError) -> bool:
    """Whether ``exc`` is a msgid uniqueness violation — a concurrent request with the same msgid
    committed first, so a retry replays its answer — and not any other constraint (that is a defect
    or bad data, and retrying it would only fail the same way). PostgreSQL names the constraint
    (psycopg's ``diag``); SQLite names the column in its message."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:
        return getattr(orig, "sqlstate", None) == "23505" and diag.constraint_name in _MSGID_CONSTRAINTS
    message = str(orig)
    return (
        message.startswith("UNIQUE constraint failed: ")
        and message.removeprefix("UNIQUE constraint failed: ") in _MSGID_COLUMNS
    )


_REMEMBERED = Fast(select(idempotency).where(idempotency.c.msgid == bindparam("msgid")))


def remembered(conn: Connection, msgid: str) -> dict[str, Any] | None:
    return _REMEMBERED.first(conn, {"msgid": msgid})


def remember(conn: Connection, row: dict[str, Any]) -> None:
    _REMEMBER.one(conn, row)


def emit(conn: Connection, row: dict[str, Any]) -> None:
    _EMIT.one(conn, row)
