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

from typing import Literal

from syncsettle.domain.codes import province
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
