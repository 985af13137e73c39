"""The insurer side's engine run: from a projection (no raw bill) to a product's adjudication.

The insurer never sees the medical-insurance domain's bill, so it rebuilds one the engine can price
in its given-basic mode (:func:`~syncsettle.domain.settlement.waterfall.settle` with ``given``):
one synthetic fee line per burden class (an 甲类 line for the in-policy self-pay, an 乙类 line with
``selfpay_prop`` 1 for 乙类先行自付, an 甲类 line priced above a zero cap for 超限价, a 丙类 line for
全自费), one 丙类 line per drug-list code carrying that code's total, and a given medical-insurance
result in which the public funds paid nothing more. The engine then sees exactly the components and
drug-list rows the projection reported, so for a product computable at that granularity
(:func:`~syncsettle.domain.commercial.projections.computable`) the adjudication equals the one the
medical-insurance domain would make with the real bill. The cross-region status is reproduced with
placeholder regions. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from syncsettle.domain.commercial.view import VisitView
from syncsettle.domain.rules.product import Product, ProductVersion
from syncsettle.domain.settlement.commercial import ProductResult
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.domain.settlement.model import (
    BasicAccumulators,
    Bill,
    Coverage,
    CrossRegion,
    FeeLine,
    GivenBasic,
    Person,
)
from syncsettle.domain.settlement.waterfall import settle

_INSURED = "990100"
_PLACES = {  # product cross-region status → (treatment region, the person's filing)
    "local": (_INSURED, None),
    "filed": ("990200", CrossRegion(filed=True, kind="temporary")),
    "unfiled_in_province": ("990200", None),
    "unfiled_out_of_province": ("980100", None),
}
_PRIC_PER_FEN = 10_000  # pric is in 10^-6 yuan
_ONE = 10_000  # cnt 1, scaled by 10^4


@dataclass(frozen=True, slots=True)
class Projected:
    """What a projection tells the insurer side (fen). ``left`` is per burden component, outside
    the product's drug lists; ``drug_totals`` is what is left of each of its drug-list codes."""

    day: date
    med_type: str
    insutype: str = ""
    cross_region_status: str = "local"
    diagnoses: tuple[str, ...] = ()
    left: Mapping[str, int] = field(default_factory=dict)
    drug_totals: Mapping[str, int] = field(default_factory=dict)


def _line(sn: str, code: str, fen: int, lv: str, prop: Fraction | None = None, cap: int | None = None) -> FeeLine:
    return FeeLine(sn, code, _ONE, fen * _PRIC_PER_FEN, lv, prop, cap, "14")


def engine_inputs(v: Projected) -> tuple[Person, Bill, GivenBasic]:
    """A person, a bill and a given medical-insurance result that reproduce ``v`` in the engine."""
    if v.cross_region_status not in _PLACES:
        raise InvalidInput("data.cross_region_status", f"unknown status {v.cross_region_status!r}")
    if any(a < 0 for a in (*v.left.values(), *v.drug_totals.values())):
        raise InvalidInput("data", "amounts must not be negative")
    treatment, filing = _PLACES[v.cross_region_status]
    get = v.left.get
    in_scope, cross = get("in_scope_selfpay", 0), get("cross_region_selfpay", 0)
    preself, over, out = get("preselfpay", 0), get("overlimit", 0), get("out_of_scope", 0)
    candidates = [
        _line("SYN-1", "SYN-INSCP", in_scope + cross, "01"),
        _line("SYN-2", "SYN-PRESELF", preself, "02", prop=Fraction(1)),
        _line("SYN-3", "SYN-OVERLMT", over, "01", cap=0),
        _line("SYN-4", "SYN-OWNPAY", out, "03"),
        *(_line(f"SYN-D{i}", code, fen, "03") for i, (code, fen) in enumerate(sorted(v.drug_totals.items()))),
    ]
    lines = tuple(line for line in candidates if line.pric)
    drugs = sum(v.drug_totals.values())
    given = GivenBasic(
        medfee_sumamt=in_scope + cross + preself + over + out + drugs,
        fulamt_ownpay_amt=out + drugs,
        overlmt_selfpay=over,
        preselfpay_amt=preself,
        inscp_scp_amt=in_scope + cross,
        cross_region_selfpay=cross,
    )
    person = Person(psn_no="", insutype=v.insutype, psn_type="", insured_region=_INSURED, cross_region=filing)
    bill = Bill(med_type=v.med_type, hospital_level="", treatment_region=treatment, lines=lines,
                diagnoses=v.diagnoses)  # fmt: skip
    return person, bill, given


def adjudicate_projected(product: Product, cov: Coverage, v: Projected) -> ProductResult:
    """The product's adjudication of the visit ``v`` describes, by the engine in given-basic mode."""
    person, bill, given = engine_inputs(v)
    s = settle(
        day=v.day, person=person, bill=bill, coverages=[(product, cov)], basic_accumulators=BasicAccumulators(),
        catalogue={}, given=given,
    )  # fmt: skip
    return s.products[0]


def projected_of(view: VisitView, version: ProductVersion | None) -> Projected:
    """The same terms straight from the medical-insurance domain's own view (nothing leaves): how a
    pending ``embedded`` leg is adjudicated when its claim settles."""
    codes = frozenset(version.list_of_code) if version is not None else frozenset()
    return Projected(
        day=view.setl_date,
        med_type=view.med_type,
        insutype=view.insutype,
        cross_region_status=view.cross_region_status,
        diagnoses=view.diagnoses,
        left=view.left(codes),
        drug_totals=view.drug_totals(codes),
    )
