"""Invariants of the waterfall over generated bills, persons and accumulators (DESIGN.md §4)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings

from syncsettle.domain.rules.product import BASE_COMPONENTS
from syncsettle.domain.settlement.basic import tier_value
from syncsettle.domain.settlement.model import ProductAccumulators
from syncsettle.domain.settlement.waterfall import Settlement, settle
from tests.properties.strategies import DAY, scenarios

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _run(s: dict[str, Any]) -> Settlement:
    return settle(
        day=DAY,
        person=s["person"],
        bill=s["bill"],
        coverages=s["coverages"],
        basic_accumulators=s["basic"],
        catalogue=s["catalogue"],
        policy=s["policy"],
    )


@SETTINGS
@given(scenarios())
def test_shares_add_up_and_nothing_is_negative(s: dict[str, Any]) -> None:
    r = _run(s)
    assert r.public_funds + r.commercial + r.acct_pay + r.acct_mulaid_pay + r.cash == r.total
    leg = r.basic
    for value in (leg.hifp_pay, leg.hifmi_pay, leg.hifob_pay, leg.cvlserv_pay, leg.maf_pay, leg.cross_region_selfpay,
                  leg.act_pay_dedc, r.acct_pay, r.acct_mulaid_pay, r.cash, r.commercial):  # fmt: skip
        assert value >= 0
    balances = {m.psn_no: m.balance for m in s["person"].family_accounts}
    for holder, paid in r.family_payments:
        assert 0 < paid <= balances[holder]
    for line in r.splits:
        parts = line.fulamt_ownpay_amt + line.overlmt_amt + line.preselfpay_amt + line.inscp_scp_amt
        assert parts == line.det_item_fee_sumamt
        assert min(line.fulamt_ownpay_amt, line.overlmt_amt, line.preselfpay_amt, line.inscp_scp_amt) >= 0
    # the public funds pay in-scope money, and medical assistance may also pay the 乙类 co-pay
    assert leg.fund_pay_sumamt - leg.public_on_preselfpay + leg.cross_region_selfpay <= leg.totals.inscp_scp_amt
    assert leg.public_on_preselfpay <= leg.totals.preselfpay_amt
    assert r.acct_pay <= max(0, s["person"].account_balance) or not s["person"].use_personal_account


@SETTINGS
@given(scenarios())
def test_no_cap_is_exceeded(s: dict[str, Any]) -> None:
    r = _run(s)
    policy, before, after = s["policy"], s["basic"], r.basic_after
    name = r.basic.benefit
    if name in ("inpatient", "outpatient", "special"):
        counted = "inpatient" if name == "special" else name
        cap = policy.benefits[counted].annual_cap
        assert r.basic.hifp_pay <= max(0, cap - before.benefit(counted).fund_paid)
        assert after.benefit(counted).fund_paid == before.benefit(counted).fund_paid + r.basic.hifp_pay
    elif name == "chronic":
        disease = r.basic.disease
        assert disease is not None and policy.outpatient_diseases is not None
        group = policy.outpatient_diseases.group_of(disease)
        assert group is not None and disease in s["person"].certifications
        assert r.basic.hifp_pay <= max(0, group.disease_caps[disease] - before.disease(disease))
        assert after.disease(disease) == before.disease(disease) + r.basic.hifp_pay
    top = policy.tiered_top_up
    if top:
        _, annual_cap = top.for_person(s["person"].categories)
        if annual_cap is not None:
            assert r.basic.hifmi_pay + r.basic.hifob_pay <= max(0, annual_cap - before.subsidy_paid)
    for ct in policy.category_top_ups:
        paid = r.basic.cvlserv_pay if ct.kind == "civil_servant" else r.basic.maf_pay
        assert paid <= max(0, ct.annual_cap - before.category(ct.kind))
        assert after.category(ct.kind) == before.category(ct.kind) + paid
    for (product, cov), result in zip(
        sorted(s["coverages"], key=lambda c: c[0].priority), _by_priority(r), strict=True
    ):
        version = product.version_on(DAY)
        caps = {resp.id: resp.cap for resp in version.responsibilities}
        for res in result.responsibilities:
            assert res.payable <= max(0, caps[res.id] - cov.accumulators.of(res.id).paid)
            assert res.payable <= res.base
        if version.person_cap is not None:
            assert result.payable <= max(0, version.person_cap - cov.accumulators.total())


def _by_priority(r: Settlement) -> list[Any]:
    return sorted(r.products, key=lambda p: p.priority)


@SETTINGS
@given(scenarios())
def test_products_pay_only_what_they_cover_and_only_what_remained(s: dict[str, Any]) -> None:
    r = _run(s)
    taken: dict[str, int] = {}
    for (product, _cov), result in zip(
        sorted(s["coverages"], key=lambda c: c[0].priority), _by_priority(r), strict=True
    ):
        version = product.version_on(DAY)
        covers = {resp.id: set(resp.covers) for resp in version.responsibilities}
        for res in result.responsibilities:
            assert sum(amount for _, amount in res.consumed) == res.payable
            for component, amount in res.consumed:
                assert component in covers[res.id], (res.id, component)
                assert amount >= 0
                if component in BASE_COMPONENTS:
                    taken[component] = taken.get(component, 0) + amount
    leg = r.basic
    available = {
        "in_scope_selfpay": leg.totals.inscp_scp_amt - leg.cross_region_selfpay - leg.fund_pay_sumamt,
        "preselfpay": leg.totals.preselfpay_amt,
        "cross_region_selfpay": leg.cross_region_selfpay,
        "overlimit": leg.totals.overlmt_selfpay,
        "out_of_scope": leg.totals.fulamt_ownpay_amt,
    }
    for component, amount in taken.items():
        assert amount <= available[component]
    assert r.commercial <= r.psn_part_amt


@SETTINGS
@given(scenarios(), scenarios())
def test_two_bills_in_sequence_follow_the_year_to_date_rules(first: dict[str, Any], other: dict[str, Any]) -> None:
    a = _run(first)
    second = dict(first, bill=replace(other["bill"], med_type=first["bill"].med_type), basic=a.basic_after)
    second["coverages"] = [
        (product, replace(cov, accumulators=result.accumulators_after))
        for (product, cov), result in zip(
            sorted(first["coverages"], key=lambda c: c[0].priority), _by_priority(a), strict=True
        )
    ]
    b = _run(second)
    start, end = first["basic"], b.basic_after
    found = first["policy"].benefit_for(first["bill"].med_type)
    if found:
        name, benefit = found
        assert end.benefit(name).fund_paid == start.benefit(name).fund_paid + a.basic.hifp_pay + b.basic.hifp_pay
        used = start.benefit(name).deductible_used + a.basic.act_pay_dedc + b.basic.act_pay_dedc
        assert end.benefit(name).deductible_used == used
        if benefit.deductible_per == "year":
            level = benefit.level(first["bill"].hospital_level)
            if level is not None and start.benefit(name).deductible_used <= level.deductible:
                assert used <= level.deductible
    inpatient = first["bill"].med_type in ("21", "24")
    assert end.admissions == start.admissions + (2 if inpatient else 0)
    top = first["policy"].tiered_top_up
    if top is not None and inpatient:
        paid = a.basic.hifmi_pay + a.basic.hifob_pay + b.basic.hifmi_pay + b.basic.hifob_pay
        assert end.subsidy_paid == start.subsidy_paid + paid
        tiers, cap = top.for_person(first["person"].categories)  # a person on medical assistance: tilted tiers
        own = top.model_copy(update={"tiers": tiers})
        exact = tier_value(own, end.subsidy_base) - tier_value(own, start.subsidy_base)
        if cap is None or end.subsidy_paid < cap:  # no cap bound: the two rounded shares are the exact sum ± 1 fen
            assert abs(paid - exact) <= 1
    for result_a, result_b in zip(_by_priority(a), _by_priority(b), strict=True):
        acc_a: ProductAccumulators = result_a.accumulators_after
        acc_b: ProductAccumulators = result_b.accumulators_after
        for (rid, ra), (rid_b, rb) in zip(acc_a.responsibilities, acc_b.responsibilities, strict=True):
            assert rid == rid_b
            res_b = next(x for x in result_b.responsibilities if x.id == rid)
            assert rb.paid == ra.paid + res_b.payable
            assert rb.deductible_used == ra.deductible_used + res_b.deductible_applied
        assert acc_b.total() == acc_a.total() + result_b.payable
