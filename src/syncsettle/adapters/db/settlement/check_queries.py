"""The queries of ``syncsettle check`` for the settlement centre: each returns the rows that break
one rule (or the rows a rule is checked against), never a message. The service turns them into
named checks (``services/settlement/check.py``), as beancount's ``ops/validation.py`` lists its
validations. Amounts are integer fen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from sqlalchemy import Connection, RowMapping, and_, case, func, select

from syncsettle.adapters.db.commercial.schema_commercial import product_filings
from syncsettle.adapters.db.core.schema import (
    basic_accumulators,
    disease_accumulators,
    insurance_rows,
    journals,
    postings,
    product_accumulators,
    settlement_shares,
    settlements,
)

DELTA_BATCH = 2000  # settlements streamed per fetch when replaying the accumulator deltas


class Unbalanced(NamedTuple):
    journal_id: str
    total: int
    lines: int


class Orphan(NamedTuple):
    journal_id: str
    posting_id: int


class SharesOff(NamedTuple):
    setl_id: str
    total: int
    shares: int


class BookedOff(NamedTuple):
    setl_id: str
    medical: int  # fund + personal account (own and family), as the settlement says
    commercial: int
    booked_medical: int
    booked_commercial: int


class Delta(NamedTuple):
    psn_no: str
    insutype: str
    year: int
    delta: dict[str, Any]  # the settlement's recorded accumulator change (basic, products, diseases)


def unbalanced_journals(conn: Connection) -> list[Unbalanced]:
    """Journals whose postings do not sum to zero, or that have fewer than two lines."""
    per_journal = (
        select(postings.c.journal_id, func.sum(postings.c.amount).label("total"), func.count().label("n"))
        .group_by(postings.c.journal_id)
        .subquery()
    )
    rows = conn.execute(select(per_journal).where((per_journal.c.total != 0) | (per_journal.c.n < 2)))
    return [Unbalanced(r[0], int(r[1] or 0), int(r[2])) for r in rows]


def orphan_postings(conn: Connection) -> list[Orphan]:
    """Postings whose journal does not exist."""
    rows = conn.execute(
        select(postings.c.journal_id, postings.c.id)
        .select_from(postings.outerjoin(journals, journals.c.id == postings.c.journal_id))
        .where(journals.c.id.is_(None))
    )
    return [Orphan(r[0], r[1]) for r in rows]


def cross_ledger_journals(conn: Connection) -> list[str]:
    """Journals with a posting outside the journal's own ledger."""
    rows = conn.execute(
        select(postings.c.journal_id)
        .join(journals, journals.c.id == postings.c.journal_id)
        .where(postings.c.ledger != journals.c.ledger)
        .distinct()
    )
    return [r[0] for r in rows]


def ledger_totals(conn: Connection) -> dict[str, int]:
    """Each ledger's sum of postings (zero when it balances)."""
    rows = conn.execute(select(postings.c.ledger, func.sum(postings.c.amount)).group_by(postings.c.ledger))
    return {ledger: int(total or 0) for ledger, total in rows}


def shares_off(conn: Connection) -> list[SharesOff]:
    """Settlements whose payer shares do not add up to their total (none at all counts as 0)."""
    shares = (
        select(settlement_shares.c.setl_id, func.sum(settlement_shares.c.amount).label("total"))
        .group_by(settlement_shares.c.setl_id)
        .subquery()
    )
    rows = conn.execute(
        select(settlements.c.setl_id, settlements.c.medfee_sumamt, shares.c.total)
        .select_from(settlements.outerjoin(shares, shares.c.setl_id == settlements.c.setl_id))
        .where(func.coalesce(shares.c.total, 0) != settlements.c.medfee_sumamt)
    )
    return [SharesOff(r[0], int(r[1]), int(r[2] or 0)) for r in rows]


def _receivable(ledger: str) -> Any:
    """What a settlement's journals put on hospital receivables of one ledger: the debits of the
    settlement's own journal, or the credits of a reversal's correcting journal."""
    in_ledger = journals.c.ledger == ledger
    debit = case((and_(in_ledger, postings.c.amount > 0), postings.c.amount), else_=0)
    credit = case((and_(in_ledger, postings.c.amount < 0, journals.c.kind == "reversal"), postings.c.amount), else_=0)
    return func.sum(debit + credit)


def booked_off(conn: Connection) -> list[BookedOff]:
    """Settlements whose journals book other medical or commercial amounts than the settlement says."""
    booked = (
        select(journals.c.setl_id, _receivable("medical").label("med"), _receivable("commercial").label("com"))
        .join(postings, postings.c.journal_id == journals.c.id)
        .where(postings.c.account.like("%:hospital:%"))
        .group_by(journals.c.setl_id)
        .subquery()
    )  # fmt: skip
    medical = settlements.c.fund_pay_sumamt + settlements.c.acct_pay + settlements.c.acct_mulaid_pay
    rows = conn.execute(
        select(settlements.c.setl_id, medical, settlements.c.commercial_sumamt, booked.c.med, booked.c.com)
        .select_from(settlements.outerjoin(booked, booked.c.setl_id == settlements.c.setl_id))
        .where((func.coalesce(booked.c.med, 0) != medical)
               | (func.coalesce(booked.c.com, 0) != settlements.c.commercial_sumamt))
    )  # fmt: skip
    return [BookedOff(r[0], int(r[1]), int(r[2]), int(r[3] or 0), int(r[4] or 0)) for r in rows]


def settlement_deltas(conn: Connection) -> Iterator[Delta]:
    """Every settlement's (and reversal's) accumulator change, streamed."""
    result = conn.execution_options(yield_per=DELTA_BATCH).execute(
        select(settlements.c.psn_no, settlements.c.insutype, settlements.c.year, settlements.c.accumulator_delta)
    )
    for psn_no, insutype, year, delta in result:
        yield Delta(psn_no, insutype, year, delta)


def basic_accumulator_rows(conn: Connection) -> Iterator[RowMapping]:
    yield from conn.execute(select(basic_accumulators)).mappings()


def product_accumulator_rows(conn: Connection) -> Iterator[RowMapping]:
    yield from conn.execute(select(product_accumulators)).mappings()


def disease_accumulator_rows(conn: Connection) -> Iterator[RowMapping]:
    yield from conn.execute(select(disease_accumulators)).mappings()


def insured_regions(conn: Connection) -> dict[tuple[str, str], str]:
    """(psn_no, insutype) → the insurance row's region."""
    rows = conn.execute(select(insurance_rows.c.psn_no, insurance_rows.c.insutype, insurance_rows.c.insuplc_admdvs))
    return {(r.psn_no, r.insutype): r.insuplc_admdvs for r in rows}


def filings_of(conn: Connection, product_ids: list[str]) -> list[dict[str, Any]]:
    """Every filing of these products (each carries its rule file)."""
    rows = conn.execute(select(product_filings).where(product_filings.c.product_id.in_(product_ids))).mappings()
    return [dict(r) for r in rows]
