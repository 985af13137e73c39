"""``syncsettle check``: verify the whole database.

- every journal's postings sum to zero, number at least two and stay in the journal's ledger;
- no posting without its journal; each ledger as a whole sums to zero;
- every settlement has its shares and they add up to its total; every settlement's medical and
  commercial journals carry exactly its fund + personal-account (own and family) and commercial amounts;
- every accumulator equals what the settlements, reversals and settled quick claims imply (the sum
  of their recorded deltas; 门慢 per-disease figures too), and no accumulator is negative;
- every settled quick claim has its one payout journal, and no other claim has one (``check_claims``);
- no accumulator above its cap: basic annual caps per person, insurance type and year, product caps
  per person, product and year (:mod:`.check_caps`).
- clearing: windows, positions, instructions, transfer journals and prefunding
  (:mod:`syncsettle.services.clearing.check`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, case, func, select

from syncsettle.adapters.db.schema import (
    basic_accumulators,
    disease_accumulators,
    journals,
    postings,
    product_accumulators,
    settlement_shares,
    settlements,
)
from syncsettle.adapters.db.settlements import BASIC_FIELDS
from syncsettle.services.clearing.check import problems as clearing_problems
from syncsettle.services.commercial.check_claims import claim_deltas, claim_problems
from syncsettle.services.platform import Platform
from syncsettle.services.settlement.check_caps import cap_problems

Progress = Callable[[int], None]


def _receivable(ledger: str) -> Any:
    """What a settlement's journals put on hospital receivables of one ledger: the debits of the
    settlement's own journal, or the credits of a reversal's correcting journal."""
    in_ledger = journals.c.ledger == ledger
    debit = case((and_(in_ledger, postings.c.amount > 0), postings.c.amount), else_=0)
    credit = case((and_(in_ledger, postings.c.amount < 0, journals.c.kind == "reversal"), postings.c.amount), else_=0)
    return func.sum(debit + credit)


def check(p: Platform, progress: Progress | None = None) -> dict[str, Any]:
    problems: list[str] = []
    with p.uow() as uow:
        conn = uow.conn
        per_journal = (
            select(postings.c.journal_id, func.sum(postings.c.amount).label("total"), func.count().label("n"))
            .group_by(postings.c.journal_id)
            .subquery()
        )
        for bad in conn.execute(select(per_journal).where((per_journal.c.total != 0) | (per_journal.c.n < 2))):
            problems.append(f"journal {bad[0]}: postings sum to {bad[1]} over {bad[2]} lines")
        for orphan in conn.execute(
            select(postings.c.journal_id, postings.c.id)
            .select_from(postings.outerjoin(journals, journals.c.id == postings.c.journal_id))
            .where(journals.c.id.is_(None))
        ):
            problems.append(f"posting {orphan[1]} has no journal {orphan[0]}")
        for row in conn.execute(
            select(postings.c.journal_id)
            .join(journals, journals.c.id == postings.c.journal_id)
            .where(postings.c.ledger != journals.c.ledger)
            .distinct()
        ):
            problems.append(f"journal {row[0]} touches both ledgers")
        for ledger, total in conn.execute(
            select(postings.c.ledger, func.sum(postings.c.amount)).group_by(postings.c.ledger)
        ):
            if total != 0:
                problems.append(f"ledger {ledger} sums to {total}")

        shares = (
            select(settlement_shares.c.setl_id, func.sum(settlement_shares.c.amount).label("total"))
            .group_by(settlement_shares.c.setl_id)
            .subquery()
        )
        for short in conn.execute(
            select(settlements.c.setl_id, settlements.c.medfee_sumamt, shares.c.total)
            .select_from(settlements.outerjoin(shares, shares.c.setl_id == settlements.c.setl_id))
            .where(func.coalesce(shares.c.total, 0) != settlements.c.medfee_sumamt)
        ):
            problems.append(f"settlement {short[0]}: shares add up to {short[2] or 0}, total is {short[1]}")

        booked = (
            select(journals.c.setl_id, _receivable("medical").label("med"), _receivable("commercial").label("com"))
            .join(postings, postings.c.journal_id == journals.c.id)
            .where(postings.c.account.like("%:hospital:%"))
            .group_by(journals.c.setl_id)
            .subquery()
        )  # fmt: skip
        medical = settlements.c.fund_pay_sumamt + settlements.c.acct_pay + settlements.c.acct_mulaid_pay
        for off in conn.execute(
            select(settlements.c.setl_id, medical, settlements.c.commercial_sumamt, booked.c.med, booked.c.com)
            .select_from(settlements.outerjoin(booked, booked.c.setl_id == settlements.c.setl_id))
            .where((func.coalesce(booked.c.med, 0) != medical)
                   | (func.coalesce(booked.c.com, 0) != settlements.c.commercial_sumamt))
        ):  # fmt: skip
            problems.append(
                f"settlement {off[0]}: journals book {off[3] or 0}/{off[4] or 0}, settlement says {off[1]}/{off[2]}"
            )

        implied_basic: dict[tuple[str, str, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(BASIC_FIELDS, 0))
        implied_products: dict[tuple[str, str, int, str], list[int]] = defaultdict(lambda: [0, 0])
        implied_diseases: dict[tuple[str, str, int, str], int] = defaultdict(int)
        count = 0
        result = conn.execution_options(yield_per=2000).execute(
            select(settlements.c.psn_no, settlements.c.insutype, settlements.c.year, settlements.c.accumulator_delta)
        )
        for psn_no, insutype, year, delta in result:
            count += 1
            acc = implied_basic[(psn_no, insutype, year)]
            for key, value in delta["basic"].items():
                acc[key] += value
            for product_id, resp_id, d, paid in delta["products"]:
                pair = implied_products[(psn_no, product_id, year, resp_id)]
                pair[0] += d
                pair[1] += paid
            for code, paid in (delta.get("diseases") or {}).items():
                implied_diseases[(psn_no, insutype, year, code)] += paid
            if progress and count % 2000 == 0:
                progress(2000)
        if progress:
            progress(count % 2000)
        problems += claim_problems(conn)
        for psn_no, year, claim_delta in claim_deltas(conn):
            for product_id, resp_id, d, paid in claim_delta:
                pair = implied_products[(psn_no, str(product_id), year, str(resp_id))]
                pair[0] += int(str(d))
                pair[1] += int(str(paid))
        seen: set[tuple[str, str, int]] = set()
        for brow in conn.execute(select(basic_accumulators)).mappings():
            key = (brow["psn_no"], brow["insutype"], brow["year"])
            seen.add(key)
            expected = implied_basic.get(key, dict.fromkeys(BASIC_FIELDS, 0))
            for field in BASIC_FIELDS:
                if brow[field] != expected[field]:
                    problems.append(f"accumulator {key} {field} = {brow[field]}, settlements imply {expected[field]}")
                if brow[field] < 0:
                    problems.append(f"accumulator {key} {field} is negative")
        for key, expected in implied_basic.items():
            if key not in seen and any(expected.values()):
                problems.append(f"accumulator {key} missing; settlements imply {expected}")
        seen_p: set[tuple[str, str, int, str]] = set()
        for prow in conn.execute(select(product_accumulators)).mappings():
            key_p = (prow["psn_no"], prow["product_id"], prow["year"], prow["resp_id"])
            seen_p.add(key_p)
            want = implied_products.get(key_p, [0, 0])
            if [prow["deductible_used"], prow["paid"]] != want:
                problems.append(
                    f"product accumulator {key_p} = {prow['deductible_used']}/{prow['paid']}, implied {want}"
                )
        for key_p, want in implied_products.items():
            if key_p not in seen_p and any(want):
                problems.append(f"product accumulator {key_p} missing; settlements imply {want}")
        found_d = {(r["psn_no"], r["insutype"], r["year"], r["opsp_dise_code"]): int(r["fund_paid"])
                   for r in conn.execute(select(disease_accumulators)).mappings()}  # fmt: skip
        for key_d in sorted(set(found_d) | set(implied_diseases)):
            paid, implied = found_d.get(key_d, 0), implied_diseases.get(key_d, 0)
            if paid != implied or paid < 0:
                problems.append(f"门慢 accumulator {key_d} = {paid}, settlements imply {implied}")
        problems += cap_problems(p, conn)
        problems += clearing_problems(conn)
    return {"ok": not problems, "settlements": count, "problems": problems}
