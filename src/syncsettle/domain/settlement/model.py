"""Frozen input values of the settlement calculation. Amounts are integer fen; ratios ``Fraction``.

Adapters (the case-file reader, the database repositories) build these; the calculation never sees
a row, a session or a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import Literal, NamedTuple

CNT_PLACES = 4  # national interface: cnt (16,4)
PRIC_PLACES = 6  # national interface: pric (16,6)

CrossRegionKind = Literal["long_term", "temporary", "referral", "emergency"]


@dataclass(frozen=True, slots=True)
class CrossRegion:
    """A cross-region (异地就医) status: whether the person filed (备案), and of which kind."""

    filed: bool
    kind: CrossRegionKind
    filed_region: str | None = None


@dataclass(frozen=True, slots=True)
class FamilyAccount:
    """A family member's personal account that may pay this person's bill (家庭共济): the link is
    valid and consented on the bill's date (the caller checks both). ``balance`` in fen."""

    psn_no: str
    balance: int


@dataclass(frozen=True, slots=True)
class Person:
    """The insured person as the engine needs them (no name, no certificate number).

    The benefit attributes are those valid on the bill's date (the caller resolves validity ranges):
    ``assistance_category`` (医疗救助: ``tekun``/``dibao``/``fanpin``), ``civil_servant`` (公务员医疗补助,
    ``cvlserv_flag`` 1), ``certifications`` (门慢门特 disease codes certified for the person) and
    ``family_accounts`` (家庭共济 links in link order)."""

    psn_no: str
    insutype: str
    psn_type: str
    insured_region: str
    cross_region: CrossRegion | None = None
    use_personal_account: bool = False
    account_balance: int = 0
    assistance_category: str | None = None
    civil_servant: bool = False
    certifications: tuple[str, ...] = ()
    family_accounts: tuple[FamilyAccount, ...] = ()

    @property
    def categories(self) -> frozenset[str]:
        cats = {self.assistance_category} if self.assistance_category else set()
        if self.civil_servant:
            cats.add("civil_servant")
        return frozenset(cats)


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One fee line (2204/2301 ``feedetail``). ``cnt`` is scaled by 10**4 and ``pric`` by 10**6, as the
    national interface sizes them; ``chrgitm_lv``/``selfpay_prop``/``pric_uplmt`` may be ``None`` when
    the treatment region's catalogue supplies them. ``pric_uplmt`` is in fen."""

    feedetl_sn: str
    med_list_codg: str
    cnt: int
    pric: int
    chrgitm_lv: str | None = None
    selfpay_prop: Fraction | None = None
    pric_uplmt: int | None = None
    med_chrgitm_type: str | None = None


@dataclass(frozen=True, slots=True)
class Bill:
    """One visit's bill: care type, hospital level, treatment region, lines, diagnoses (ICD-10, the
    main one first) and, for 门慢门特 (``med_type`` 14), the 病种 code (``dise_codg``) if the HIS sent one."""

    med_type: str
    hospital_level: str
    treatment_region: str
    lines: tuple[FeeLine, ...]
    diagnoses: tuple[str, ...] = ()
    dise_codg: str | None = None


@dataclass(frozen=True, slots=True)
class BenefitAccumulator:
    """Year-to-date figures of one benefit: deductible paid and pooled fund paid (towards its cap)."""

    deductible_used: int = 0
    fund_paid: int = 0


@dataclass(frozen=True, slots=True)
class BasicAccumulators:
    """Year-to-date basic-insurance figures of one person, insutype and year (fen).

    ``admissions``: inpatient admissions settled; ``referrals``: those of them made on a referral
    filing (the repeat-referral ladder); ``subsidy_base``/``subsidy_paid``: the critical-illness or
    large-expense base and payments; ``category_paid``: civil-servant subsidy and medical assistance
    paid (by kind); ``assistance_base``: the medical-assistance base accumulated (its annual
    deductible is on this); ``chronic_deductible_used``: the one 门慢 deductible per person and year;
    ``disease_paid``: pooled fund paid per 门慢 disease (each has its own cap). 门特 payments count in
    ``inpatient`` (they share the inpatient cap)."""

    inpatient: BenefitAccumulator = BenefitAccumulator()
    outpatient: BenefitAccumulator = BenefitAccumulator()
    admissions: int = 0
    subsidy_base: int = 0
    subsidy_paid: int = 0
    category_paid: tuple[tuple[str, int], ...] = ()
    assistance_base: int = 0
    chronic_deductible_used: int = 0
    disease_paid: tuple[tuple[str, int], ...] = ()
    referrals: int = 0

    def benefit(self, name: str) -> BenefitAccumulator:
        return self.inpatient if name == "inpatient" else self.outpatient

    def with_benefit(self, name: str, value: BenefitAccumulator) -> BasicAccumulators:
        if name == "inpatient":
            return replace(self, inpatient=value)
        return replace(self, outpatient=value)

    def category(self, kind: str) -> int:
        return dict(self.category_paid).get(kind, 0)

    def disease(self, code: str) -> int:
        """What the pooled fund paid this year for one 门慢 disease (towards its own cap), fen."""
        return dict(self.disease_paid).get(code, 0)


class ResponsibilityAccumulator(NamedTuple):
    """Year-to-date figures of one responsibility (fen). A NamedTuple: several are built per bill."""

    deductible_used: int = 0
    paid: int = 0


_EMPTY = ResponsibilityAccumulator()


@dataclass(frozen=True, slots=True)
class ProductAccumulators:
    """Year-to-date figures of one product for one person: per responsibility, and the product total
    (``None`` = not tracked separately: the sum of the responsibilities' ``paid``)."""

    responsibilities: tuple[tuple[str, ResponsibilityAccumulator], ...] = ()
    total_paid: int | None = None

    def of(self, resp_id: str) -> ResponsibilityAccumulator:
        for rid, acc in self.responsibilities:
            if rid == resp_id:
                return acc
        return _EMPTY

    def total(self) -> int:
        if self.total_paid is not None:
            return self.total_paid
        paid = 0
        for _, acc in self.responsibilities:  # a loop: a generator costs more for the few responsibilities
            paid += acc.paid
        return paid


@dataclass(frozen=True, slots=True)
class Coverage:
    """A person's standing in one product on the bill's date: the facts the product's rules read.

    ``enrolled_years`` counts consecutive years in the product series, this one included (1: a new
    enrollment). A product's waiting period runs from ``enrolled_from`` of a new enrollment only: a
    renewal (``enrolled_years`` > 1) continues last year's cover and waits no more."""

    product_id: str
    pre_existing: bool = False
    enrolled_years: int = 1
    claim_free_years: int = 0
    claimed_last_year: bool = False
    enrolled_from: date | None = None
    enrolled_to: date | None = None
    accumulators: ProductAccumulators = field(default_factory=ProductAccumulators)


@dataclass(frozen=True, slots=True)
class GivenBasic:
    """A medical-insurance settlement made elsewhere (dual-platform mode), ``setlinfo`` amounts in fen.
    ``cross_region_selfpay`` is the up-front cross-region share inside ``inscp_scp_amt`` (a burden
    component of its own for the products)."""

    medfee_sumamt: int
    fulamt_ownpay_amt: int = 0
    overlmt_selfpay: int = 0
    preselfpay_amt: int = 0
    inscp_scp_amt: int = 0
    act_pay_dedc: int = 0
    hifp_pay: int = 0
    pool_prop_selfpay: Fraction | None = None
    hifmi_pay: int = 0
    hifob_pay: int = 0
    cvlserv_pay: int = 0
    maf_pay: int = 0
    oth_pay: int = 0
    acct_pay: int = 0
    cross_region_selfpay: int = 0

    @property
    def fund_pay_sumamt(self) -> int:
        return self.hifp_pay + self.hifmi_pay + self.hifob_pay + self.cvlserv_pay + self.maf_pay + self.oth_pay
