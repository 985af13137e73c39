"""The settlement waterfall (DESIGN.md §4): one bill → every payer's share.

1. split the fee lines with the treatment region's catalogue;
2–3. basic pooled fund and public top-ups with the insured region's policy — or, in the
   dual-platform variant, a medical-insurance result given from elsewhere;
4. commercial products in filing priority order, each on what is left;
5. the personal account (when the person chose to use it), then linked family accounts (家庭共济),
   then cash.

A pure function of frozen values: no clock, no I/O. ``total = public funds + commercial + personal
account + cash`` holds by construction (cash is the remainder and is never negative).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from operator import itemgetter

from syncsettle.domain.codes import Benefit, care_setting
from syncsettle.domain.rules.catalogue import CatalogueEntry
from syncsettle.domain.rules.policy import PolicyVersion
from syncsettle.domain.rules.product import Product
from syncsettle.domain.settlement.basic import BasicLeg, FundDetail, constant_text, settle_basic
from syncsettle.domain.settlement.burden import BurdenRow, ComponentTotals, build_burden, remaining_total
from syncsettle.domain.settlement.commercial import ProductResult, accept, adjudicate
from syncsettle.domain.settlement.cross_region import product_status
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.domain.settlement.model import (
    BasicAccumulators,
    BenefitAccumulator,
    Bill,
    Coverage,
    GivenBasic,
    Person,
)
from syncsettle.domain.settlement.split import LineSplit, SplitTotals, split_and_add
from syncsettle.money import format_yuan


@dataclass(frozen=True, slots=True)
class Settlement:
    """Every payer's share of one bill (fen) and the accumulators after it."""

    day: date
    splits: tuple[LineSplit, ...]
    basic: BasicLeg
    basic_given: bool
    products: tuple[ProductResult, ...]
    acct_pay: int
    cash: int
    basic_after: BasicAccumulators
    family_payments: tuple[tuple[str, int], ...] = ()  # 家庭共济: (account holder's psn_no, fen) in link order

    @property
    def acct_mulaid_pay(self) -> int:
        """What family members' personal accounts paid (家庭共济, national ``acct_mulaid_pay``), fen."""
        return sum(amount for _, amount in self.family_payments)

    @property
    def total(self) -> int:
        return self.basic.totals.medfee_sumamt

    @property
    def public_funds(self) -> int:
        return self.basic.fund_pay_sumamt

    @property
    def commercial(self) -> int:
        return sum(p.payable for p in self.products)

    @property
    def psn_part_amt(self) -> int:
        """The patient's burden after the public funds (national ``psn_part_amt``)."""
        return self.total - self.public_funds


def given_leg(given: GivenBasic, splits: Sequence[LineSplit], bill: Bill) -> BasicLeg:
    """Take a medical-insurance result made elsewhere as the basic leg, after checking it adds up."""
    parts = given.fulamt_ownpay_amt + given.overlmt_selfpay + given.preselfpay_amt + given.inscp_scp_amt
    if parts != given.medfee_sumamt:
        raise InvalidInput(
            "basic_result.medfee_sumamt",
            f"{format_yuan(given.medfee_sumamt)} is not fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt + "
            f"inscp_scp_amt = {format_yuan(parts)}",
        )
    lines = sum(s.det_item_fee_sumamt for s in splits)
    if lines != given.medfee_sumamt:
        raise InvalidInput(
            "bill.items",
            f"the lines add up to {format_yuan(lines)}, "
            f"not basic_result.medfee_sumamt {format_yuan(given.medfee_sumamt)}",
        )
    if given.fund_pay_sumamt + given.cross_region_selfpay > given.inscp_scp_amt:
        raise InvalidInput("basic_result.hifp_pay", "the public funds pay more than the in-scope amount")
    if given.acct_pay > given.medfee_sumamt - given.fund_pay_sumamt:
        raise InvalidInput("basic_result.acct_pay", "the personal account pays more than the patient's part")
    totals = SplitTotals(
        given.medfee_sumamt, given.fulamt_ownpay_amt, given.overlmt_selfpay, given.preselfpay_amt, given.inscp_scp_amt
    )
    funds = [
        ("hifp_pay", "310100", given.hifp_pay),
        ("hifmi_pay", "390200", given.hifmi_pay),
        ("hifob_pay", "330100", given.hifob_pay),
        ("cvlserv_pay", "320100", given.cvlserv_pay),
        ("maf_pay", "610100", given.maf_pay),
        ("oth_pay", "999997", given.oth_pay),
    ]
    details = tuple(
        FundDetail(
            code,
            given.inscp_scp_amt,
            amount,
            amount,
            constant_text(f"医保平台已结算（{name} {format_yuan(amount)}）"),
        )
        for name, code, amount in funds
        if amount
    )
    return BasicLeg(
        totals=totals,
        cross_region_selfpay=given.cross_region_selfpay,
        act_pay_dedc=given.act_pay_dedc,
        hifp_pay=given.hifp_pay,
        pool_prop_selfpay=given.pool_prop_selfpay or Fraction(0),
        hifmi_pay=given.hifmi_pay,
        hifob_pay=given.hifob_pay,
        cvlserv_pay=given.cvlserv_pay,
        maf_pay=given.maf_pay,
        oth_pay=given.oth_pay,
        details=details,
        benefit=care_setting(bill.med_type).value,
    )


def _given_accumulators(given: GivenBasic, bill: Bill, acc: BasicAccumulators) -> BasicAccumulators:
    """Year-to-date figures implied by a given result (its deductible, fund and top-up payments)."""
    inpatient = care_setting(bill.med_type) is Benefit.INPATIENT
    name = "inpatient" if inpatient else "outpatient"
    old = acc.benefit(name)
    after = replace(
        acc,
        admissions=acc.admissions + (1 if inpatient else 0),
        subsidy_base=acc.subsidy_base + (given.inscp_scp_amt - given.hifp_pay if inpatient else 0),
        subsidy_paid=acc.subsidy_paid + given.hifmi_pay + given.hifob_pay,
    )
    updated = BenefitAccumulator(old.deductible_used + given.act_pay_dedc, old.fund_paid + given.hifp_pay)
    return after.with_benefit(name, updated)


def in_filing_order(coverages: Sequence[tuple[Product, Coverage]]) -> list[tuple[Product, Coverage]]:
    """Products in filing priority order (lower pays first; ties keep the given order: the sort is stable)."""
    ordered = list(coverages)
    for before, after in itertools.pairwise(ordered):
        if after[0].priority < before[0].priority:  # usually given in order already: no sort
            ordered.sort(key=lambda pair: pair[0].priority)
            break
    return ordered


@dataclass(slots=True)
class Waterfall:
    """A bill after steps 1–3: the public funds are settled and ``rows`` hold what the patient still
    owes (:mod:`burden`). Products then take from it one after another in filing priority order —
    each adjudicated here (:meth:`adjudicate`) or elsewhere and accepted (:meth:`take`) — and
    :meth:`finish` adds the personal account and cash. Mutable, but never shared: one per bill."""

    day: date
    person: Person
    bill: Bill
    splits: tuple[LineSplit, ...]
    leg: BasicLeg
    basic_after: BasicAccumulators
    given: GivenBasic | None
    status: str
    rows: list[BurdenRow]
    owed: int
    results: list[ProductResult] = field(default_factory=list)

    def adjudicate(self, product: Product, cov: Coverage) -> ProductResult:
        """Adjudicate ``product`` on what is left (rules evaluated here) and take its payment."""
        result = adjudicate(
            product, product.version_on(self.day), cov, self.person, self.bill, self.day, self.status, self.rows,
            self.owed,
        )  # fmt: skip
        self.owed -= result.payable
        self.results.append(result)
        return result

    def take(self, product: Product, cov: Coverage, claimed: ProductResult) -> ProductResult:
        """Accept a product's adjudication made elsewhere (another platform, the insurer): check it fits
        what is left and take its payment from the same cells the rules would have taken it from."""
        result = accept(product, product.version_on(self.day), cov, self.rows, self.owed, claimed, self.bill.med_type)
        self.owed -= result.payable
        self.results.append(result)
        return result

    def checkpoint(self) -> tuple[tuple[tuple[int, ...], ...], int, int]:
        """What :meth:`rewind` needs to undo the products taken after this point."""
        return tuple(tuple(r.amounts) for r in self.rows), self.owed, len(self.results)

    def rewind(self, mark: tuple[tuple[tuple[int, ...], ...], int, int]) -> None:
        """Give back what the products taken since ``mark`` took: the burden, what is owed and their
        results are as they were (a leg adjudicated, then not settled — e.g. its insurer's
        prefunding could not cover it — leaves nothing behind for the products after it)."""
        amounts, self.owed, taken = mark
        for row, before in zip(self.rows, amounts, strict=True):
            row.amounts[:] = before
        del self.results[taken:]

    def finish(self) -> Settlement:
        """Step 5: the personal account (when chosen) and cash take the rest."""
        leg, given, person = self.leg, self.given, self.person
        commercial = sum([r.payable for r in self.results])
        family: list[tuple[str, int]] = []
        if given is not None and given.acct_pay:
            acct = given.acct_pay
        elif person.use_personal_account:
            left = remaining_total(self.rows) if given is None else self.owed
            acct = max(0, min(person.account_balance, left))
            left -= acct
            # 家庭共济: linked family accounts pay after the person's own, in link order, each up to its balance
            for member in person.family_accounts:
                if left <= 0:
                    break
                pay = max(0, min(member.balance, left))
                if pay:
                    family.append((member.psn_no, pay))
                    left -= pay
        else:
            acct = 0
        cash = leg.totals.medfee_sumamt - leg.fund_pay_sumamt - commercial - acct - sum(a for _, a in family)
        return Settlement(
            day=self.day,
            splits=self.splits,
            basic=leg,
            basic_given=given is not None,
            products=tuple(self.results),
            acct_pay=acct,
            cash=cash,
            basic_after=self.basic_after,
            family_payments=tuple(family),
        )


def begin(
    *,
    day: date,
    person: Person,
    bill: Bill,
    products: Sequence[Product],
    basic_accumulators: BasicAccumulators,
    catalogue: Mapping[str, CatalogueEntry],
    policy: PolicyVersion | None = None,
    given: GivenBasic | None = None,
) -> Waterfall:
    """Steps 1–3. ``products`` are every product that may take part (their drug lists shape the
    burden rows). Exactly one of ``policy`` (compute the basic leg) or ``given`` (dual platform)."""
    if (policy is None) == (given is None):
        raise InvalidInput("policy", "give exactly one of policy or basic_result")
    splits, split_totals = split_and_add(bill.lines, catalogue)
    if given is not None:
        leg = given_leg(given, splits, bill)
        basic_after = _given_accumulators(given, bill, basic_accumulators)
    else:
        assert policy is not None
        leg, basic_after = settle_basic(split_totals, person, bill, policy, basic_accumulators)
    totals, public_funds = leg.totals, leg.fund_pay_sumamt
    owed = totals.medfee_sumamt - public_funds - (given.acct_pay if given is not None else 0)

    crs = leg.cross_region_selfpay
    # ComponentTotals' fields in order: in_scope_selfpay, preselfpay, cross_region_selfpay, overlimit,
    # out_of_scope, inscp_scp_amt
    on_pre = leg.public_on_preselfpay  # medical assistance may have paid part of the 乙类 co-pay
    in_scope = totals.inscp_scp_amt - crs - (public_funds - on_pre)
    inscp, over, out = totals.inscp_scp_amt, totals.overlmt_selfpay, totals.fulamt_ownpay_amt
    components = tuple.__new__(ComponentTotals, (in_scope, totals.preselfpay_amt - on_pre, crs, over, out, inscp))
    listed: list[dict[str, str]] = []
    for product in products:
        version = product.version_on(day)
        if version is not None and version.list_of_code:
            listed.append(version.list_of_code)
    special = frozenset().union(*listed)
    rows = build_burden(splits, components, special)
    return Waterfall(
        day, person, bill, tuple(splits), leg, basic_after, given, product_status(person, bill), rows, owed
    )


def settle(
    *,
    day: date,
    person: Person,
    bill: Bill,
    coverages: Sequence[tuple[Product, Coverage]],
    basic_accumulators: BasicAccumulators,
    catalogue: Mapping[str, CatalogueEntry],
    policy: PolicyVersion | None = None,
    given: GivenBasic | None = None,
) -> Settlement:
    """Price one bill with every product's rules evaluated here. Exactly one of ``policy`` (compute
    the basic leg) or ``given`` (dual platform)."""
    w = begin(
        day=day, person=person, bill=bill, products=list(map(itemgetter(0), coverages)),
        basic_accumulators=basic_accumulators, catalogue=catalogue, policy=policy, given=given,
    )  # fmt: skip
    for product, cov in in_filing_order(coverages):
        w.adjudicate(product, cov)
    return w.finish()
