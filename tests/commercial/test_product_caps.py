"""A product's cap is the person's, across every insurance row (SQLite and PostgreSQL).

R0001 is insured twice — as an employee (310) and as a resident (390) — and enrolled in the ACME
supplementary plan, whose one responsibility pays at most 50,000.00 a year. Settlements and claims
of one insurance row queue on that row's lock; those of the other row used not to wait for them,
so two held legs approved at the same moment both read the plan's year-to-date payments and both
spent the same remaining cap (51,536.00 paid against 50,000.00). Whatever spends the cap — live
legs at the bedside, approved held legs, quick claims — now waits for the others of the same
person, product and year."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, select

from syncsettle.adapters.db.core.schema import basic_accumulators, product_accumulators
from syncsettle.money import parse_yuan
from syncsettle.services import admin
from syncsettle.services.commercial import reviews
from syncsettle.services.commercial.claims import settle_claim
from syncsettle.services.settlement.check import check
from tests.commercial.actors import ACME, insured
from tests.world import World, file_reference_products, grant_consent, line, person

PLAN, CAP = "acme-supplementary-2025", parse_yuan("50000.00")
TWICE_INSURED = "R0001"
CT_OVER_ITS_PRICE_CAP = line("3", "210300001", "1", "800.00", "800.00")  # PRICE-001: the plan holds the leg
SURGERY = line("1", "331001001", "10", "30000.00", "300000.00")  # leaves tens of thousands to the plan
BEVACIZUMAB = line("1", "XL01XC-0004", "10", "30000.00", "300000.00")  # 乙类, 20 % paid first by the patient
T = TypeVar("T")


def _insured_twice(world: World, *, consent: bool = True) -> None:
    both = person(TWICE_INSURED, "310", "1101")
    both["insuinfo"].append({"insutype": "390", "psn_type": "1501", "balc": "0.00"})
    admin.import_persons(world.platform, [both])
    file_reference_products(world.platform, {PLAN: "detail"})
    if consent:
        grant_consent(world.platform, TWICE_INSURED, ACME.tenant, granularity="detail")
    admin.enroll(world.platform, TWICE_INSURED, PLAN, date(2025, 1, 1), date(2025, 12, 31))


def _inpatient(world: World, insutype: str, bill: list[dict[str, Any]]) -> dict[str, Any]:
    mdtrt_id = world.inpatient_visit(TWICE_INSURED, bill, insutype=insutype)
    answer = world.ok("2304", {"data": {"mdtrt_id": mdtrt_id, "psn_no": TWICE_INSURED}})
    [entry] = [e for e in answer["commercial"] if e["product"] == PLAN]
    return dict(entry)


def _all_at_once(jobs: list[Callable[[], T]]) -> list[T]:
    """Run ``jobs`` in as many threads, released together."""
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], T]) -> T:
        start.wait()
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _plan_paid(world: World) -> int:
    with world.platform.uow(readonly=True) as uow:
        stmt = select(func.coalesce(func.sum(product_accumulators.c.paid), 0)).where(
            product_accumulators.c.psn_no == TWICE_INSURED, product_accumulators.c.product_id == PLAN
        )
        return int(uow.conn.execute(stmt).scalar_one())


def test_held_legs_of_both_insurance_rows_approved_at_once_never_pay_over_the_cap(world: World) -> None:
    _insured_twice(world)
    held = [_inpatient(world, insutype, [SURGERY, CT_OVER_ITS_PRICE_CAP]) for insutype in ("310", "390", "310", "390")]
    assert {e["status"] for e in held} == {"held"}

    def approve(claim_id: str) -> Callable[[], dict[str, Any]]:
        return lambda: reviews.decide(world.platform, ACME, "leg", claim_id, reviews.Decision.APPROVE, "")

    approved = _all_at_once([approve(e["claim_id"]) for e in held])
    assert {a["status"] for a in approved} == {"settled"}
    paid = sum(parse_yuan(a["payable"]) for a in approved)
    assert paid == CAP  # each leg alone would pay 30,000.00 or more: the cap binds, exactly
    assert _plan_paid(world) == CAP
    report = check(world.platform)
    assert report["ok"], report["problems"]


def test_live_legs_of_both_insurance_rows_settled_at_once_never_pay_over_the_cap(world: World) -> None:
    _insured_twice(world)
    # one visit per row, each of its own items (the same item twice a day would be held as 重复收费)
    visits = [world.inpatient_visit(TWICE_INSURED, [SURGERY], insutype="310"),
              world.inpatient_visit(TWICE_INSURED, [BEVACIZUMAB], insutype="390")]  # fmt: skip

    def settle(mdtrt_id: str) -> Callable[[], dict[str, Any]]:
        return lambda: world.ok("2304", {"data": {"mdtrt_id": mdtrt_id, "psn_no": TWICE_INSURED}})

    answers = _all_at_once([settle(mdtrt_id) for mdtrt_id in visits])
    entries = [e for a in answers for e in a["commercial"] if e["product"] == PLAN]
    assert [e["status"] for e in entries] == ["settled", "settled"]
    assert sum(parse_yuan(e["payable"]) for e in entries) == CAP
    assert _plan_paid(world) == CAP
    report = check(world.platform)
    assert report["ok"], report["problems"]


def test_pending_claims_of_both_insurance_rows_asked_at_once_never_pay_over_the_cap(world: World) -> None:
    _insured_twice(world, consent=False)  # no consent yet: every leg waits as a pending quick claim
    pending = [_inpatient(world, "310", [SURGERY]), _inpatient(world, "390", [BEVACIZUMAB])]
    assert {(e["status"], e["reason_code"]) for e in pending} == {("pending", "consent_missing")}
    grant_consent(world.platform, TWICE_INSURED, ACME.tenant, granularity="detail")

    def ask(claim_id: str) -> Callable[[], dict[str, Any]]:
        return lambda: settle_claim(world.platform, claim_id, insured(TWICE_INSURED))

    claims = _all_at_once([ask(e["claim_id"]) for e in pending])
    assert {c["status"] for c in claims} == {"settled"}
    assert sum(int(c["payable"]) for c in claims) == CAP
    assert _plan_paid(world) == CAP
    report = check(world.platform)
    assert report["ok"], report["problems"]


def _problems_after(world: World, table: Any, **values: int) -> list[str]:
    """``check``'s problems once every row of ``table`` has ``values`` (as a bad writer would leave them)."""
    with world.platform.uow() as uow:
        uow.conn.execute(table.update().values(**values))
        uow.commit()
    report = check(world.platform)
    assert not report["ok"]
    return list(report["problems"])


def test_check_reports_a_product_paid_above_its_cap(world: World) -> None:
    _insured_twice(world)
    world.ok("2304", {"data": {"mdtrt_id": world.inpatient_visit(TWICE_INSURED, [SURGERY], insutype="310"),
                               "psn_no": TWICE_INSURED}})  # fmt: skip
    assert check(world.platform)["ok"]
    problems = _problems_after(world, product_accumulators, paid=CAP + 1)
    cap_problem = f"product accumulator ('{TWICE_INSURED}', '{PLAN}', 2025) responsibility S1: paid 50000.01"
    assert f"{cap_problem} is above its cap 50000.00" in problems


def test_check_reports_a_basic_fund_paid_above_its_annual_cap(world: World) -> None:
    _insured_twice(world)
    world.ok("2207", {"data": {"mdtrt_id": world.outpatient_visit(TWICE_INSURED, [line("1", "001101000010000", "1",
              "30.00", "30.00")], insutype="390"), "psn_no": TWICE_INSURED}})  # fmt: skip
    assert check(world.platform)["ok"]
    problems = _problems_after(world, basic_accumulators, out_fund_paid=parse_yuan("230.01"))
    assert (f"accumulator ('{TWICE_INSURED}', '390', 2025) out_fund_paid = 230.01 is above the policy's annual cap "
            "230.00") in problems  # fmt: skip
