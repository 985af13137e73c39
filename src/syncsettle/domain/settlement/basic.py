"""Steps 2–3 of the waterfall: the basic pooled fund and the public top-ups (参保地政策).

Order: cross-region up-front share → deductible → pooled-fund ratio (flat or banded) → annual cap →
tiered top-up (critical illness 大病 / employee large-expense 大额) on the year's accumulated base →
category top-ups (civil-servant subsidy, medical assistance). Amounts are integer fen. Each payer's
share is computed exactly (integer numerators over the ratios' denominator, :func:`apply_ratio` /
:func:`apply_ratios`) and rounded half-up to the fen once, then capped by what is left of its annual
cap. Explanations (``setl_proc_info``) are closures, formatted only when someone reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import NamedTuple

from syncsettle.domain.codes import FUND_PAY_TYPES, HOSPITAL_LEVELS, MED_TYPES
from syncsettle.domain.rules.policy import BenefitRule, DiseaseGroup, LevelRule, PolicyVersion, Tier, TieredTopUp
from syncsettle.domain.settlement.cross_region import upfront_share
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
    public_on_preselfpay: int = 0  # the part of the public funds (medical assistance) that paid 乙类 co-pay
    note: str | None = None  # why the bill settled under another benefit (门慢门特 without certification)
    disease: str | None = None  # the 门慢门特 disease it settled under

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


def tier_slices(tiers: Sequence[Tier], before: int, after: int) -> list[tuple[int, Fraction]]:
    """How much of the accumulated base between ``before`` and ``after`` (fen) falls in each tier, with
    the tier's ratio: ``tiers(after) − tiers(before)`` is the sum of these slices at their ratios."""
    slices = []
    for i, tier in enumerate(tiers):
        upper = tiers[i + 1].above if i + 1 < len(tiers) else None
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


class _Pool(NamedTuple):
    """What the pooled fund settles this bill under: the benefit's name, its level rule (``None``:
    no benefit at this level), the deductible open, the retired bonus, the cap and what is left of it."""

    name: str
    level: LevelRule | None
    open_deductible: int
    deductible_text: Text
    bonus: Fraction
    cap: int
    cap_left: int


def main_disease(bill: Bill) -> str | None:
    """The visit's main disease: the 门慢门特 病种 code the HIS sent (``dise_codg``), else the first
    diagnosis."""
    return bill.dise_codg or (bill.diagnoses[0] if bill.diagnoses else None)


def _disease_group(
    person: Person, bill: Bill, policy: PolicyVersion
) -> tuple[DiseaseGroup | None, str | None, str, str | None]:
    """(门慢门特 group, its disease, the med_type the bill settles as, why it falls back or None)."""
    od = policy.outpatient_diseases
    if od is None or bill.med_type not in od.med_types:
        return None, None, bill.med_type, None
    disease = main_disease(bill)
    group = od.group_of(disease)
    if group is None:
        why = f"主诊断 {disease or '（无）'} 不是门慢门特病种"
    elif disease not in person.certifications:
        why = f"参保人无 {disease}（{group.diseases[disease or '']}）的有效门慢门特认定"
    else:
        return group, disease, bill.med_type, None
    return None, None, od.fallback_med_type, f"{why}，按普通门诊结算"


def _pool(
    person: Person, bill: Bill, policy: PolicyVersion, acc: BasicAccumulators, med_type: str,
    group: DiseaseGroup | None, disease: str | None,
) -> _Pool | None:  # fmt: skip
    """The benefit the bill settles under, or None when the policy has none for its ``med_type``."""
    retired = person.psn_type.startswith(policy.retired_prefixes)
    if group is not None:
        assert disease is not None
        level = group.level(bill.hospital_level)
        bonus = group.retired_bonus if retired else _ZERO
        if group.shares_cap_of is not None:
            cap = policy.benefits[group.shares_cap_of].annual_cap
            used = acc.benefit(group.shares_cap_of).fund_paid
            shared = "（与住院共用统筹基金年度限额）"
        else:
            cap, used, shared = group.disease_caps[disease], acc.disease(disease), f"（{disease} 病种年度限额）"
        if level is None:
            return _Pool(group.kind, None, 0, constant_text(""), bonus, cap, max(0, cap - used))
        name, full = group.diseases[disease], level.deductible
        if group.kind == "chronic":
            used_d = acc.chronic_deductible_used
            open_ = max(0, full - used_d)

            def text() -> str:
                return (
                    f"门慢 {disease} {name}：门慢年度起付线 {_Y(full)}，本年已付 "
                    f"{_Y(min(used_d, full))}，余 {_Y(open_)}{shared}"
                )

        else:
            open_ = full

            def text() -> str:
                return f"门特 {disease} {name}：起付线 {_Y(full)}{shared}"

        return _Pool(group.kind, level, open_, text, bonus, cap, max(0, cap - used))
    found = policy.benefit_for(med_type)
    if found is None:
        return None
    benefit_name, benefit = found
    level = benefit.level(bill.hospital_level)
    cap_left = max(0, benefit.annual_cap - acc.benefit(benefit_name).fund_paid)
    bonus = benefit.retired_bonus if retired else _ZERO
    if level is None:
        return _Pool(benefit_name, None, 0, constant_text(""), bonus, benefit.annual_cap, cap_left)
    open_dedc, dedc_text = open_deductible(benefit_name, benefit, level, acc)
    return _Pool(benefit_name, level, open_dedc, dedc_text, bonus, benefit.annual_cap, cap_left)


def settle_basic(
    totals: SplitTotals, person: Person, bill: Bill, policy: PolicyVersion, acc: BasicAccumulators
) -> tuple[BasicLeg, BasicAccumulators]:
    """Compute the medical-insurance leg and the accumulators after it.

    Payers in order (reference-rules.md): pooled fund → tiered top-up (critical illness / large
    expense) → civil-servant subsidy → medical assistance, each on what the earlier ones left."""
    inscp = totals.inscp_scp_amt
    group, disease, med_type, fallback = _disease_group(person, bill, policy)
    pool = _pool(person, bill, policy, acc, med_type, group, disease)
    settles = pool is not None and pool.level is not None
    benefit_name = pool.name if pool is not None else None
    # the up-front share is part of how the pooled fund settles care away: where the fund has no
    # benefit for this care (med_type or hospital level), there is nothing to settle and no share to charge
    prop, crs_text, referred = (
        upfront_share(
            person, bill, policy.cross_region, referrals_before=acc.referrals, inpatient=benefit_name == "inpatient"
        )
        if settles
        else (_ZERO, "", False)
    )
    crs = apply_ratio(inscp, prop) if prop else 0
    base = inscp - crs

    def prefix() -> str:
        setting = MED_TYPES.get(bill.med_type, bill.med_type)
        level_name = HOSPITAL_LEVELS.get(bill.hospital_level, bill.hospital_level)
        text = f"{setting} {level_name}医院：政策范围内 {_Y(inscp)}"
        if fallback:
            text += f"（{fallback}）"
        if crs:
            text += f"，{crs_text} {_Y(crs)}（{_pct(prop)}），余 {_Y(base)}"
        return text

    hifp = dedc = 0
    ratio = _ZERO
    cap_left = 0
    info: Text
    if pool is None:
        info = lambda: f"{prefix()}；本政策无该医疗类别待遇，统筹基金不支付"  # noqa: E731
    else:
        cap_left = pool.cap_left
        level = pool.level
        if level is None:
            info = lambda: f"{prefix()}；本政策未规定该级别医院的待遇，统筹基金不支付"  # noqa: E731
        else:
            dedc = min(pool.open_deductible, base)
            bonus = pool.bonus
            computed, ratio, formula = pooled_fund(level, base, dedc, bonus)
            hifp = min(computed, cap_left)
            cap, dedc_text = pool.cap, pool.deductible_text

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
        tiers, annual_cap = top.for_person(person.categories)
        left = max(0, annual_cap - acc.subsidy_paid) if annual_cap is not None else None
        tinfo: Text
        if benefit_name in top.benefits:
            increment = base - hifp
            new_base = acc.subsidy_base + increment
            computed_t = apply_ratios(tier_slices(tiers, acc.subsidy_base, new_base))
            tiered_pay = computed_t if left is None else min(computed_t, left)
            new_paid = acc.subsidy_paid + tiered_pay
            before_base, after_base, paid_t = acc.subsidy_base, new_base, tiered_pay
            tilted = tiers is not top.tiers

            def tinfo() -> str:
                tier_text = "，".join(f"{_Y(t.above)} 以上 {_pct(t.ratio)}" for t in tiers)
                limit = (
                    f"年度限额 {_Y(annual_cap)}，可支付 {_Y(left)}"
                    if left is not None and annual_cap is not None
                    else "不设年度限额"
                )
                return (
                    f"本次未由统筹支付的政策范围内费用 {_Y(increment)}，年度累计 {_Y(before_base)} → {_Y(after_base)}；"
                    f"分段 {tier_text}{'（医疗救助对象倾斜）' if tilted else ''}；本次 {_Y(computed_t)}；"
                    f"{limit}，支付 {_Y(paid_t)}"
                )

        else:
            tinfo = lambda: "该医疗类别不计入大病/大额补助"  # noqa: E731
        limit_t = left if left is not None else tiered_pay
        details.append(_new(FundDetail, (top.fund_pay_type, base - hifp, limit_t, tiered_pay, tinfo)))

    paid_by_category: dict[str, int] = {}
    unpaid = base - hifp - tiered_pay  # the in-scope self-pay left
    pre_left = totals.preselfpay_amt if settles else 0  # the 乙类 co-pay left (medical assistance may pay it)
    on_preselfpay = 0
    category_paid = dict(acc.category_paid)
    assistance_base = acc.assistance_base
    for ct in policy.category_top_ups:
        category = next((c for c in sorted(person.categories) if c in ct.categories), None)
        if category is None or benefit_name not in ct.benefits or not settles:
            continue
        ratio_c = ct.categories[category]
        left_c = max(0, ct.annual_cap - category_paid.get(ct.kind, 0))
        with_pre = ct.base == "in_scope_and_preselfpay"
        visit_base = unpaid + (pre_left if with_pre else 0)
        payable_base = visit_base
        text = f"未支付的政策范围内费用 {_Y(unpaid)}" + (f" + 乙类先行自付 {_Y(pre_left)}" if with_pre else "")
        if ct.kind == "medical_assistance":
            deductible = ct.annual_deductible.get(category, 0)
            before_b, assistance_base = assistance_base, assistance_base + visit_base
            payable_base = max(0, assistance_base - deductible) - max(0, before_b - deductible)
            if deductible:
                text += (
                    f"，年度累计 {_Y(before_b)} → {_Y(assistance_base)}，年度起付线 {_Y(deductible)}，"
                    f"计入 {_Y(payable_base)}"
                )
        computed_c = apply_ratio(payable_base, ratio_c)
        pay = min(computed_c, left_c)
        text += f"；× {_pct(ratio_c)} = {_Y(computed_c)}；年度限额 {_Y(ct.annual_cap)}，"
        text += f"可支付 {_Y(left_c)}，支付 {_Y(pay)}"
        # rare enough to format eagerly. It pays the in-scope self-pay first, then the 乙类 co-pay
        # (docs/engine-readings.md): what the products see left of each component follows from that
        details.append(FundDetail(ct.fund_pay_type, visit_base, left_c, pay, constant_text(text)))
        on_in_scope = min(pay, unpaid)
        unpaid -= on_in_scope
        pre_left -= pay - on_in_scope
        on_preselfpay += pay - on_in_scope
        paid_by_category[ct.kind] = paid_by_category.get(ct.kind, 0) + pay
        category_paid[ct.kind] = category_paid.get(ct.kind, 0) + pay

    hifmi = tiered_pay if top is not None and top.kind == "critical_illness" else 0
    hifob = tiered_pay if top is not None and top.kind == "large_expense" else 0
    cvlserv = paid_by_category.get("civil_servant", 0) if paid_by_category else 0
    maf = paid_by_category.get("medical_assistance", 0) if paid_by_category else 0
    # BasicLeg's fields in order: totals, cross_region_selfpay, act_pay_dedc, hifp_pay, pool_prop_selfpay,
    # hifmi_pay, hifob_pay, cvlserv_pay, maf_pay, oth_pay, details, benefit, public_on_preselfpay, note, disease
    leg = _new(
        BasicLeg,
        (totals, crs, dedc, hifp, ratio, hifmi, hifob, cvlserv, maf, 0, tuple(details), benefit_name, on_preselfpay,
         fallback, disease),
    )  # fmt: skip
    inpatient, outpatient = acc.inpatient, acc.outpatient
    chronic_used, disease_paid = acc.chronic_deductible_used, acc.disease_paid
    if benefit_name == "inpatient":
        inpatient = BenefitAccumulator(inpatient.deductible_used + dedc, inpatient.fund_paid + hifp)
    elif benefit_name == "outpatient":
        outpatient = BenefitAccumulator(outpatient.deductible_used + dedc, outpatient.fund_paid + hifp)
    elif benefit_name == "special" and group is not None and group.shares_cap_of == "inpatient":
        inpatient = BenefitAccumulator(inpatient.deductible_used, inpatient.fund_paid + hifp)
    elif benefit_name == "chronic" and disease is not None:
        chronic_used += dedc
        paid = dict(disease_paid)
        paid[disease] = paid.get(disease, 0) + hifp
        disease_paid = tuple(sorted(paid.items()))
    after = BasicAccumulators(
        inpatient=inpatient,
        outpatient=outpatient,
        # only admissions the inpatient benefit settles count towards "later admissions" (not, say, maternity 52)
        admissions=acc.admissions + (1 if benefit_name == "inpatient" else 0),
        subsidy_base=new_base,
        subsidy_paid=new_paid,
        category_paid=tuple(sorted(category_paid.items())),
        assistance_base=assistance_base,
        chronic_deductible_used=chronic_used,
        disease_paid=disease_paid,
        referrals=acc.referrals + (1 if referred else 0),
    )
    return leg, after
