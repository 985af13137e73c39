"""Steps 2–3 of the waterfall: the basic pooled fund and the public top-ups (参保地政策).

Order: cross-region up-front share → deductible → pooled-fund ratio (flat or banded) → annual cap →
tiered top-up (critical illness 大病 / employee large-expense 大额) on the year's accumulated base →
category top-ups (civil-servant subsidy, medical assistance). Amounts are integer fen. Each payer's
share is computed exactly (integer numerators over the ratios' denominator, :func:`apply_ratio` /
:func:`apply_ratios`) and rounded half-up to the fen once, then capped by what is left of its annual
cap. Explanations (``setl_proc_info``) are closures, formatted only when someone reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import NamedTuple

from syncsettle.domain.codes import FUND_PAY_TYPES, HOSPITAL_LEVELS, MED_TYPES
from syncsettle.domain.rules.policy import BenefitRule, LevelRule, PolicyVersion, TieredTopUp
from syncsettle.domain.settlement.cross_region import charges_upfront_share, classify
from syncsettle.domain.settlement.model import BasicAccumulators, BenefitAccumulator, Bill, Person
from syncsettle.domain.settlement.split import SplitTotals
from syncsettle.money import apply_ratio, apply_ratios, format_ratio, format_yuan

_Y = format_yuan
_ZERO = Fraction(0)
_ONE = Fraction(1)
Text = Callable[[], str]
_new = tuple.__new__  # a NamedTuple from a tuple of all its fields, without its Python-level __new__


def constant_text(text: str) -> Text:
    """An explanation that is already a string."""
    return lambda: text


class FundDetail(NamedTuple):
    """One ``setldetail`` row: a fund's payment and how it was computed. The explanation is built
    only when asked for (``setl_proc_info``): the calculation itself never formats text. (A
    NamedTuple, like the other per-bill results: a tuple is built several times faster than a frozen
    dataclass.)"""

    fund_pay_type: str
    inscp_scp_amt: int
    crt_payb_lmt_amt: int
    fund_payamt: int
    explain: Callable[[], str]

    @property
    def setl_proc_info(self) -> str:
        return self.explain()

    @property
    def fund_pay_type_name(self) -> str:
        return FUND_PAY_TYPES.get(self.fund_pay_type, "")


class BasicLeg(NamedTuple):
    """The medical-insurance leg (fen): the national ``setlinfo`` amounts before commercial insurance."""

    totals: SplitTotals
    cross_region_selfpay: int
    act_pay_dedc: int
    hifp_pay: int
    pool_prop_selfpay: Fraction
    hifmi_pay: int
    hifob_pay: int
    cvlserv_pay: int
    maf_pay: int
    oth_pay: int
    details: tuple[FundDetail, ...]
    benefit: str | None = None

    @property
    def fund_pay_sumamt(self) -> int:
        return self.hifp_pay + self.hifmi_pay + self.hifob_pay + self.cvlserv_pay + self.maf_pay + self.oth_pay


def _pct(ratio: Fraction) -> str:
    value = ratio * 100
    return f"{value.numerator // value.denominator}%" if value.denominator == 1 else f"{format_ratio(ratio)}"


def open_deductible(
    benefit_name: str, benefit: BenefitRule, level: LevelRule, acc: BasicAccumulators
) -> tuple[int, Text]:
    """The deductible open for this bill (per year: what is left of it; per admission: the level's
    amount, reduced for the 2nd and later admissions of the year), with its explanation."""
    if benefit.deductible_per == "year":
        used = acc.benefit(benefit_name).deductible_used
        open_ = max(0, level.deductible - used)
        return (
            open_,
            lambda: f"年度起付线 {_Y(level.deductible)}，本年已付 {_Y(min(used, level.deductible))}，余 {_Y(open_)}",
        )
    amount = level.deductible
    later = benefit.later_admissions
    if later is None or acc.admissions == 0:
        return amount, lambda: f"起付线 {_Y(amount)}（本年第{acc.admissions + 1}次住院）"
    if later.factor is not None:
        reduced = max(later.floor, apply_ratio(amount, later.factor))
    else:
        assert later.step is not None
        reduced = max(later.floor, amount - later.step * acc.admissions)
    return reduced, lambda: f"起付线 {_Y(amount)}，本年第{acc.admissions + 1}次住院降为 {_Y(reduced)}"


def with_bonus(ratio: Fraction, bonus: Fraction) -> Fraction:
    """A pooled-fund ratio with the retired persons' bonus added, at most 100%."""
    return min(_ONE, ratio + bonus) if bonus else ratio


def pooled_fund(level: LevelRule, base: int, deductible: int, bonus: Fraction) -> tuple[int, Fraction, Text]:
    """Pooled-fund amount on ``base`` above ``deductible`` (fen): the exact sum over the level's flat
    ratio or its bands (placed on ``base`` with the deductible included), rounded half-up once.
    Returns (amount, ratio reported — the highest band reached —, explanation)."""
    if level.ratio is not None:
        ratio = with_bonus(level.ratio, bonus)
        return apply_ratio(base - deductible, ratio), ratio, lambda: f"({_Y(base)} − {_Y(deductible)}) × {_pct(ratio)}"
    assert level.bands is not None
    lower = 0
    reached = with_bonus(level.bands[0].ratio, bonus)
    parts: list[tuple[int, int, Fraction]] = []
    for band in level.bands:
        ratio = with_bonus(band.ratio, bonus)
        upper = band.upto if band.upto is not None else max(base, lower)
        lo, hi = max(lower, deductible), min(upper, base)
        if hi > lo:
            reached = ratio
            parts.append((hi, lo, ratio))
        lower = upper
    amount = apply_ratios([(hi - lo, ratio) for hi, lo, ratio in parts])
    return amount, reached, lambda: " + ".join(f"({_Y(h)} − {_Y(lo)}) × {_pct(r)}" for h, lo, r in parts) or "0.00"


def tier_slices(top_up: TieredTopUp, before: int, after: int) -> list[tuple[int, Fraction]]:
    """How much of the accumulated base between ``before`` and ``after`` (fen) falls in each tier, with
    the tier's ratio: ``tiers(after) − tiers(before)`` is the sum of these slices at their ratios."""
    slices = []
    for i, tier in enumerate(top_up.tiers):
        upper = top_up.tiers[i + 1].above if i + 1 < len(top_up.tiers) else None
        top_after = after if upper is None else min(after, upper)
        top_before = before if upper is None else min(before, upper)
        amount = max(0, top_after - tier.above) - max(0, top_before - tier.above)
        if amount:
            slices.append((amount, tier.ratio))
    return slices


def tier_value(top_up: TieredTopUp, base: int) -> Fraction:
    """What the tiers pay on an accumulated base of ``base`` fen (exact): the definition the year-to-date
    property tests check the engine's slices against."""
    total = _ZERO
    for i, tier in enumerate(top_up.tiers):
        upper = top_up.tiers[i + 1].above if i + 1 < len(top_up.tiers) else None
        top = base if upper is None else min(base, upper)
        if top > tier.above:
            total += (top - tier.above) * tier.ratio
    return total


def settle_basic(
    totals: SplitTotals, person: Person, bill: Bill, policy: PolicyVersion, acc: BasicAccumulators
) -> tuple[BasicLeg, BasicAccumulators]:
    """Compute the medical-insurance leg and the accumulators after it."""
    inscp = totals.inscp_scp_amt
    found = policy.benefit_for(bill.med_type)
    settles = found is not None and found[1].level(bill.hospital_level) is not None
    status = classify(person, bill, emergency_counts_as_filed=policy.cross_region.emergency_counts_as_filed)
    prop = policy.cross_region.unfiled_selfpay_prop
    # the up-front share is part of how the pooled fund settles unfiled care away: where the fund has no
    # benefit for this care (med_type or hospital level), there is nothing to settle and no share to charge
    crs = apply_ratio(inscp, prop) if settles and charges_upfront_share(status) and prop else 0
    base = inscp - crs

    def prefix() -> str:
        setting = MED_TYPES.get(bill.med_type, bill.med_type)
        level_name = HOSPITAL_LEVELS.get(bill.hospital_level, bill.hospital_level)
        text = f"{setting} {level_name}医院：政策范围内 {_Y(inscp)}"
        if crs:
            text += f"，异地就医未备案先行自付 {_Y(crs)}（{_pct(prop)}），余 {_Y(base)}"
        return text

    hifp = dedc = 0
    ratio = _ZERO
    benefit_name: str | None = None
    cap_left = 0
    info: Text
    if found is None:
        info = lambda: f"{prefix()}；本政策无该医疗类别待遇，统筹基金不支付"  # noqa: E731
    else:
        benefit_name, benefit = found
        level = benefit.level(bill.hospital_level)
        cap_left = max(0, benefit.annual_cap - acc.benefit(benefit_name).fund_paid)
        if level is None:
            info = lambda: f"{prefix()}；本政策未规定该级别医院的待遇，统筹基金不支付"  # noqa: E731
        else:
            open_dedc, dedc_text = open_deductible(benefit_name, benefit, level, acc)
            dedc = min(open_dedc, base)
            bonus = benefit.retired_bonus if person.psn_type.startswith(policy.retired_prefixes) else _ZERO
            computed, ratio, formula = pooled_fund(level, base, dedc, bonus)
            hifp = min(computed, cap_left)
            cap = benefit.annual_cap

            def info() -> str:
                extra = f"（退休人员加 {_pct(bonus)}）" if bonus else ""
                return (
                    f"{prefix()}；{dedc_text()}；{formula()} = {_Y(computed)}{extra}；"
                    f"年度限额 {_Y(cap)}，本次可支付 {_Y(cap_left)}，支付 {_Y(hifp)}"
                )

    details = [_new(FundDetail, (policy.fund_pay_type, base, cap_left, hifp, info))]

    tiered_pay = 0
    new_base, new_paid = acc.subsidy_base, acc.subsidy_paid
    top = policy.tiered_top_up
    if top is not None:
        left = max(0, top.annual_cap - acc.subsidy_paid)
        tinfo: Text
        if benefit_name in top.benefits:
            increment = base - hifp
            new_base = acc.subsidy_base + increment
            computed_t = apply_ratios(tier_slices(top, acc.subsidy_base, new_base))
            tiered_pay = min(computed_t, left)
            new_paid = acc.subsidy_paid + tiered_pay
            tier_top, before_base, after_base, paid_t = top, acc.subsidy_base, new_base, tiered_pay

            def tinfo() -> str:
                tiers = "，".join(f"{_Y(t.above)} 以上 {_pct(t.ratio)}" for t in tier_top.tiers)
                return (
                    f"本次未由统筹支付的政策范围内费用 {_Y(increment)}，年度累计 {_Y(before_base)} → {_Y(after_base)}；"
                    f"分段 {tiers}；本次 {_Y(computed_t)}；年度限额 {_Y(tier_top.annual_cap)}，"
                    f"可支付 {_Y(left)}，支付 {_Y(paid_t)}"
                )

        else:
            tinfo = lambda: "该医疗类别不计入大病/大额补助"  # noqa: E731
        details.append(_new(FundDetail, (top.fund_pay_type, base - hifp, left, tiered_pay, tinfo)))

    paid_by_category: dict[str, int] = {}
    unpaid = base - hifp - tiered_pay
    category_paid = dict(acc.category_paid)
    for ct in policy.category_top_ups:
        ratio_c = next((ct.categories[c] for c in sorted(person.categories) if c in ct.categories), None)
        left_c = max(0, ct.annual_cap - category_paid.get(ct.kind, 0))
        if ratio_c is None or benefit_name not in ct.benefits:
            continue
        computed_c = apply_ratio(unpaid, ratio_c)
        pay = min(computed_c, left_c)
        text = (
            f"未支付的政策范围内费用 {_Y(unpaid)} × {_pct(ratio_c)} = {_Y(computed_c)}；"
            f"可支付 {_Y(left_c)}，支付 {_Y(pay)}"
        )  # rare (no reference policy has category top-ups): formatted eagerly
        details.append(FundDetail(ct.fund_pay_type, unpaid, left_c, pay, constant_text(text)))
        unpaid -= pay
        paid_by_category[ct.kind] = paid_by_category.get(ct.kind, 0) + pay
        category_paid[ct.kind] = category_paid.get(ct.kind, 0) + pay

    hifmi = tiered_pay if top is not None and top.kind == "critical_illness" else 0
    hifob = tiered_pay if top is not None and top.kind == "large_expense" else 0
    cvlserv = paid_by_category.get("civil_servant", 0) if paid_by_category else 0
    maf = paid_by_category.get("medical_assistance", 0) if paid_by_category else 0
    # BasicLeg's fields in order: totals, cross_region_selfpay, act_pay_dedc, hifp_pay, pool_prop_selfpay,
    # hifmi_pay, hifob_pay, cvlserv_pay, maf_pay, oth_pay, details, benefit
    leg = _new(BasicLeg, (totals, crs, dedc, hifp, ratio, hifmi, hifob, cvlserv, maf, 0, tuple(details), benefit_name))
    benefits = {"inpatient": acc.inpatient, "outpatient": acc.outpatient}
    if benefit_name is not None:
        old = benefits[benefit_name]
        benefits[benefit_name] = BenefitAccumulator(old.deductible_used + dedc, old.fund_paid + hifp)
    after = BasicAccumulators(
        inpatient=benefits["inpatient"],
        outpatient=benefits["outpatient"],
        # only admissions the inpatient benefit settles count towards "later admissions" (not, say, maternity 52)
        admissions=acc.admissions + (1 if benefit_name == "inpatient" else 0),
        subsidy_base=new_base,
        subsidy_paid=new_paid,
        category_paid=tuple(sorted(category_paid.items())),
    )
    return leg, after
