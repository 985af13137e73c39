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
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.settlement import check_queries as q
from syncsettle.adapters.db.settlement.settlements import BASIC_FIELDS
from syncsettle.services.clearing.check import problems as clearing_problems
from syncsettle.services.commercial.check_claims import claim_deltas, claim_problems
from syncsettle.services.platform import Platform
from syncsettle.services.settlement.check_caps import cap_problems

Progress = Callable[[int], None]
BasicKey = tuple[str, str, int]  # (psn_no, insutype, year)
ProductKey = tuple[str, str, int, str]  # (psn_no, product_id, year, resp_id)
DiseaseKey = tuple[str, str, int, str]  # (psn_no, insutype, year, opsp_dise_code)


@dataclass
class Run:
    """One run of the checks: the platform, the connection, and what the settlements imply for the
    accumulators (filled by :func:`replay_settlements`, read by the accumulator checks)."""

    p: Platform
    conn: Connection
    progress: Progress | None
    settlements: int = 0
    basic: dict[BasicKey, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(BASIC_FIELDS, 0))
    )
    products: dict[ProductKey, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    diseases: dict[DiseaseKey, int] = field(default_factory=lambda: defaultdict(int))


def journals_balance(run: Run) -> list[str]:
    return [f"journal {b.journal_id}: postings sum to {b.total} over {b.lines} lines"
            for b in q.unbalanced_journals(run.conn)]  # fmt: skip


def postings_have_journals(run: Run) -> list[str]:
    return [f"posting {o.posting_id} has no journal {o.journal_id}" for o in q.orphan_postings(run.conn)]


def journals_stay_in_their_ledger(run: Run) -> list[str]:
    return [f"journal {j} touches both ledgers" for j in q.cross_ledger_journals(run.conn)]


def ledgers_balance(run: Run) -> list[str]:
    return [f"ledger {ledger} sums to {total}" for ledger, total in q.ledger_totals(run.conn).items() if total != 0]


def shares_add_up(run: Run) -> list[str]:
    return [f"settlement {s.setl_id}: shares add up to {s.shares}, total is {s.total}" for s in q.shares_off(run.conn)]


def journals_book_the_settlement(run: Run) -> list[str]:
    return [f"settlement {o.setl_id}: journals book {o.booked_medical}/{o.booked_commercial}, "
            f"settlement says {o.medical}/{o.commercial}" for o in q.booked_off(run.conn)]  # fmt: skip


def replay_settlements(run: Run) -> list[str]:
    """Sum every settlement's and settled quick claim's recorded accumulator change (no problem of
    its own: the accumulator checks compare the tables with these sums)."""
    for d in q.settlement_deltas(run.conn):
        run.settlements += 1
        acc = run.basic[(d.psn_no, d.insutype, d.year)]
        for key, value in d.delta["basic"].items():
            acc[key] += value
        for product_id, resp_id, deductible, paid in d.delta["products"]:
            pair = run.products[(d.psn_no, product_id, d.year, resp_id)]
            pair[0] += deductible
            pair[1] += paid
        for code, paid in (d.delta.get("diseases") or {}).items():
            run.diseases[(d.psn_no, d.insutype, d.year, code)] += paid
        if run.progress and run.settlements % q.DELTA_BATCH == 0:
            run.progress(q.DELTA_BATCH)
    if run.progress:
        run.progress(run.settlements % q.DELTA_BATCH)
    problems = claim_problems(run.conn)
    for psn_no, year, claim_delta in claim_deltas(run.conn):
        for product_id, resp_id, deductible, paid in claim_delta:
            pair = run.products[(psn_no, str(product_id), year, str(resp_id))]
            pair[0] += int(str(deductible))
            pair[1] += int(str(paid))
    return problems


def basic_accumulators_match(run: Run) -> list[str]:
    problems = []
    seen: set[BasicKey] = set()
    for row in q.basic_accumulator_rows(run.conn):
        key = (row["psn_no"], row["insutype"], row["year"])
        seen.add(key)
        expected = run.basic.get(key, dict.fromkeys(BASIC_FIELDS, 0))
        for name in BASIC_FIELDS:
            if row[name] != expected[name]:
                problems.append(f"accumulator {key} {name} = {row[name]}, settlements imply {expected[name]}")
            if row[name] < 0:
                problems.append(f"accumulator {key} {name} is negative")
    for key, expected in run.basic.items():
        if key not in seen and any(expected.values()):
            problems.append(f"accumulator {key} missing; settlements imply {expected}")
    return problems


def product_accumulators_match(run: Run) -> list[str]:
    problems = []
    seen: set[ProductKey] = set()
    for row in q.product_accumulator_rows(run.conn):
        key = (row["psn_no"], row["product_id"], row["year"], row["resp_id"])
        seen.add(key)
        want = run.products.get(key, [0, 0])
        if [row["deductible_used"], row["paid"]] != want:
            problems.append(f"product accumulator {key} = {row['deductible_used']}/{row['paid']}, implied {want}")
    for key, want in run.products.items():
        if key not in seen and any(want):
            problems.append(f"product accumulator {key} missing; settlements imply {want}")
    return problems


def disease_accumulators_match(run: Run) -> list[str]:
    found = {(r["psn_no"], r["insutype"], r["year"], r["opsp_dise_code"]): int(r["fund_paid"])
             for r in q.disease_accumulator_rows(run.conn)}  # fmt: skip
    problems = []
    for key in sorted(set(found) | set(run.diseases)):
        paid, implied = found.get(key, 0), run.diseases.get(key, 0)
        if paid != implied or paid < 0:
            problems.append(f"门慢 accumulator {key} = {paid}, settlements imply {implied}")
    return problems


def caps_hold(run: Run) -> list[str]:
    return cap_problems(run.p, run.conn)


def clearing_holds(run: Run) -> list[str]:
    return clearing_problems(run.conn)


CHECKS: tuple[tuple[str, Callable[[Run], list[str]]], ...] = (
    ("journals balance", journals_balance),
    ("postings have journals", postings_have_journals),
    ("journals stay in their ledger", journals_stay_in_their_ledger),
    ("ledgers balance", ledgers_balance),
    ("shares add up", shares_add_up),
    ("journals book the settlement", journals_book_the_settlement),
    ("quick claims have their payouts", replay_settlements),  # and sums the deltas the next three read
    ("basic accumulators match", basic_accumulators_match),
    ("product accumulators match", product_accumulators_match),
    ("门慢 accumulators match", disease_accumulators_match),
    ("caps hold", caps_hold),
    ("clearing holds", clearing_holds),
)
"""The checks in the order they run (the accumulator checks after the replay they read)."""


def check(p: Platform, progress: Progress | None = None) -> dict[str, Any]:
    """Run every check in one transaction; ``problems`` lists what broke, in check order."""
    problems: list[str] = []
    with p.uow() as uow:
        run = Run(p, uow.conn, progress)
        for _name, rule in CHECKS:
            problems += rule(run)
    return {"ok": not problems, "settlements": run.settlements, "problems": problems}
