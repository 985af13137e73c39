"""Cross-region care (异地就医): catalogue of the treatment region, policy of the insured region.

The status of a bill (see docs/engine-readings.md, "Cross-region care"):

- ``local``: treated in the insured region, or away on a long-term filing at the filed place;
  basic rules apply as at home (a long-term filing counts as local at the filed place);
- ``filed``: away with a filing (temporary or referral), or emergency care (急诊抢救视同备案);
- ``unfiled``: away without a filing, or a long-term resident filed elsewhere in a third region;
- ``returned``: a long-term resident filed elsewhere, treated back in the insured region.

Basic policies charge the up-front share for ``unfiled`` and ``returned``. Products see ``local``
(including ``returned``: the care is in the insured region), ``filed``, or ``unfiled`` split by
whether the treatment region is in the insured region's province.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from syncsettle.domain.codes import province
from syncsettle.domain.rules.policy import CrossRegionRule, Shares
from syncsettle.domain.settlement.model import Bill, Person

Status = Literal["local", "filed", "unfiled", "returned"]


def classify(person: Person, bill: Bill, *, emergency_counts_as_filed: bool = True) -> Status:
    away = bill.treatment_region != person.insured_region
    cr = person.cross_region
    if cr is None:
        return "unfiled" if away else "local"
    if cr.kind == "long_term":
        if not cr.filed:
            return "unfiled" if away else "local"
        if not away:  # a long-term filing is elsewhere by definition; an unnamed filed region is still elsewhere
            return "local" if cr.filed_region == person.insured_region else "returned"
        if cr.filed_region is None or cr.filed_region == bill.treatment_region:
            return "local"
        return "unfiled"
    if not away:
        return "local"
    if cr.kind == "emergency" and emergency_counts_as_filed:
        return "filed"
    return "filed" if cr.filed else "unfiled"


def charges_upfront_share(status: Status) -> bool:
    """Whether a basic policy charges its up-front cross-region share for this status."""
    return status in ("unfiled", "returned")


def product_status(person: Person, bill: Bill) -> str:
    """The status a product's ``ratio.cross_region`` is keyed by."""
    status = classify(person, bill)
    if status == "unfiled":
        same_province = province(bill.treatment_region) == province(person.insured_region)
        return "unfiled_in_province" if same_province else "unfiled_out_of_province"
    if status == "returned":
        return "local"
    if status == "local" and bill.treatment_region != person.insured_region:
        return "filed"  # long-term filed, treated at the filed place: away, with a filing
    return status


def upfront_share(
    person: Person, bill: Bill, rule: CrossRegionRule, *, referrals_before: int, inpatient: bool
) -> tuple[Fraction, str, bool]:
    """The cross-region up-front share of the in-scope amount (``cross_region_selfpay``) a basic
    policy charges for this bill, its explanation, and whether the bill is a referred admission
    (which counts towards the repeat-referral ladder).

    With ``rule.by_filing`` (reference-rules.md, "Cross-region care by filing kind and distance"):
    care in the insured region is local (0); away, 省内 = same province as the insured region, else
    跨省; a long-term filing at its filed place is local; emergency care takes the emergency row
    whether filed or not; a referral filing its row, plus ``repeat_referral_bonus`` from the second
    referred admission of the year (``referrals_before`` ≥ 1, inpatient only); a filed temporary
    outing the ``temporary_filed`` row; anything else (no filing, or a long-term resident treated
    in a third region) the unfiled row. Without ``by_filing``: the single ``unfiled_selfpay_prop``
    for unfiled and returned care, as the 2025 versions define it."""
    shares = rule.by_filing
    if shares is None:
        status = classify(person, bill, emergency_counts_as_filed=rule.emergency_counts_as_filed)
        prop = rule.unfiled_selfpay_prop if charges_upfront_share(status) else Fraction(0)
        return prop, "异地就医未备案先行自付", False
    if bill.treatment_region == person.insured_region:
        return Fraction(0), "参保地就医", False
    in_province = province(bill.treatment_region) == province(person.insured_region)
    where = "省内" if in_province else "跨省"

    def pick(row: Shares) -> Fraction:
        return row.in_province if in_province else row.out_of_province

    cr = person.cross_region
    if cr is not None and cr.kind == "long_term" and cr.filed:
        if cr.filed_region is None or cr.filed_region == bill.treatment_region:
            return Fraction(0), f"{where}异地长期居住备案，视同本地", False
        return pick(shares.unfiled), f"{where}异地就医（长期居住备案地之外）先行自付", False
    if cr is not None and cr.kind == "emergency":
        return pick(shares.emergency), f"{where}异地急诊抢救先行自付", False
    if cr is not None and cr.kind == "referral" and cr.filed:
        prop, text = pick(shares.referral), f"{where}转诊备案先行自付"
        if inpatient and referrals_before >= 1 and shares.repeat_referral_bonus:
            prop += shares.repeat_referral_bonus
            text = f"{where}转诊备案（本年第{referrals_before + 1}次转诊住院，提高比例）先行自付"
        return min(prop, Fraction(1)), text, inpatient
    if cr is not None and cr.kind == "temporary" and cr.filed:
        return pick(shares.temporary_filed), f"{where}临时外出就医备案先行自付", False
    return pick(shares.unfiled), f"{where}异地就医未备案先行自付", False
