"""Schema of a basic medical-insurance policy (参保地政策) file.

A policy file holds one policy id (one insutype in one insured region) and its versions. Each
version says, per benefit (inpatient / ordinary outpatient): which ``med_type`` codes it settles,
the deductible (per admission or per year, by hospital level, reduced for later admissions), the
pooled-fund ratio (by level, with a bonus for retired persons, or in bands), and the annual cap;
then the public top-ups stacked on the pooled fund, and the cross-region up-front share.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from functools import cached_property
from typing import Literal

from pydantic import Field, field_validator, model_validator

from syncsettle.domain.codes import FUND_PAY_TYPES, HOSPITAL_LEVELS, INSUTYPES, MED_TYPES
from syncsettle.domain.rules.fields import Amount, Effective, Ratio, Strict, check_versions, pick_version


class Band(Strict):
    """One slice of a banded ratio: in-scope amounts up to ``upto`` (``None`` = no limit) at ``ratio``."""

    upto: Amount | None = None
    ratio: Ratio


class LevelRule(Strict):
    """Deductible and ratio at one hospital level; either a flat ``ratio`` or ``bands``."""

    deductible: Amount
    ratio: Ratio | None = None
    bands: list[Band] | None = None

    @model_validator(mode="after")
    def _one_ratio(self) -> LevelRule:
        if (self.ratio is None) == (self.bands is None):
            raise ValueError("give exactly one of ratio or bands")
        if self.bands is not None:
            limits = [b.upto for b in self.bands]
            if not limits or limits[-1] is not None or any(u is None for u in limits[:-1]):
                raise ValueError("bands must end with one open band (no upto) and only there")
            bounded = [u for u in limits if u is not None]
            if bounded != sorted(bounded) or len(set(bounded)) != len(bounded):
                raise ValueError("band limits must increase")
        return self


class LaterAdmissions(Strict):
    """How the per-admission deductible shrinks for the 2nd and later admissions of the year:
    multiplied by ``factor`` (Yantai: 0.5), or ``step`` less per earlier admission down to ``floor``."""

    factor: Ratio | None = None
    step: Amount | None = None
    floor: Amount = 0

    @model_validator(mode="after")
    def _one_way(self) -> LaterAdmissions:
        if (self.factor is None) == (self.step is None):
            raise ValueError("give exactly one of factor or step")
        return self


class BenefitRule(Strict):
    """One benefit (inpatient or ordinary outpatient) of a policy version."""

    med_types: list[str]
    deductible_per: Literal["admission", "year"]
    levels: dict[str, LevelRule] = Field(description='hospital level "1"/"2"/"3", or "any"')
    later_admissions: LaterAdmissions | None = None
    retired_bonus: Ratio = Fraction(0)
    annual_cap: Amount

    @field_validator("med_types")
    @classmethod
    def _known_med_types(cls, value: list[str]) -> list[str]:
        unknown = [m for m in value if m not in MED_TYPES]
        if unknown:
            raise ValueError(f"unknown med_type {unknown}")
        return value

    @field_validator("levels")
    @classmethod
    def _known_levels(cls, value: dict[str, LevelRule]) -> dict[str, LevelRule]:
        unknown = [k for k in value if k not in HOSPITAL_LEVELS and k != "any"]
        if unknown:
            raise ValueError(f"unknown hospital level {unknown}")
        if not value:
            raise ValueError("at least one level is required")
        return value

    def level(self, hospital_level: str) -> LevelRule | None:
        return self.levels.get(hospital_level) or self.levels.get("any")


class Tier(Strict):
    """The part of the annual base above ``above`` (and up to the next tier) is paid at ``ratio``."""

    above: Amount
    ratio: Ratio


BenefitName = Literal["inpatient", "outpatient", "special", "chronic"]
"""What a bill settles under: a policy's inpatient or ordinary-outpatient benefit, or a 门特
(``special``) / 门慢 (``chronic``) disease group of :class:`OutpatientDiseaseRule`."""


class AssistanceTilt(Strict):
    """The national tilt of critical-illness insurance for medical-assistance recipients: for persons
    with one of ``categories``, the first tier starts at ``first_above`` instead, every tier's ratio
    rises by ``ratio_bonus``, and the annual cap applies only if ``cap_applies``."""

    categories: list[str]
    first_above: Amount
    ratio_bonus: Ratio
    cap_applies: bool = False


class TieredTopUp(Strict):
    """Critical-illness insurance (``hifmi_pay``) or the employee large-expense subsidy
    (``hifob_pay``): tiers on the year's accumulated inpatient in-scope amount the pooled fund did not
    pay (the cross-region up-front share excluded), with an annual cap on what it pays. ``benefits``
    name what feeds the base (``special``: 门特 money joins it as inpatient money does)."""

    kind: Literal["critical_illness", "large_expense"]
    fund_pay_type: str
    benefits: list[BenefitName] = ["inpatient"]
    tiers: list[Tier]
    annual_cap: Amount
    assistance_tilt: AssistanceTilt | None = None

    def for_person(self, categories: frozenset[str]) -> tuple[list[Tier], int | None]:
        """The tiers and the annual cap (``None``: no cap) that apply to a person in ``categories``."""
        tilt = self.assistance_tilt
        if tilt is None or not categories.intersection(tilt.categories):
            return self.tiers, self.annual_cap
        return self._tilted_tiers, self.annual_cap if tilt.cap_applies else None

    @cached_property
    def _tilted_tiers(self) -> list[Tier]:
        """The tiers tilted for assistance recipients (built once per version, from validated values)."""
        tilt = self.assistance_tilt
        assert tilt is not None
        tiers = [
            Tier.model_construct(above=t.above, ratio=min(Fraction(1), t.ratio + tilt.ratio_bonus)) for t in self.tiers
        ]
        tiers[0] = Tier.model_construct(above=tilt.first_above, ratio=tiers[0].ratio)
        return tiers

    @model_validator(mode="after")
    def _tilt_fits(self) -> TieredTopUp:
        tilt = self.assistance_tilt
        if tilt is not None and len(self.tiers) > 1 and tilt.first_above >= self.tiers[1].above:
            raise ValueError("assistance_tilt.first_above must stay below the second tier")
        return self

    @model_validator(mode="after")
    def _tiers_increase(self) -> TieredTopUp:
        aboves = [t.above for t in self.tiers]
        if not aboves or aboves != sorted(aboves) or len(set(aboves)) != len(aboves):
            raise ValueError("tiers must be given in increasing order of 'above'")
        if self.fund_pay_type not in FUND_PAY_TYPES:
            raise ValueError(f"unknown fund_pay_type {self.fund_pay_type}")
        return self


class CategoryTopUp(Strict):
    """Civil-servant subsidy (``cvlserv_pay``) or medical assistance (``maf_pay``): for persons in one
    of ``categories``, pays the category's ratio of what the earlier public funds left unpaid, up to
    the annual cap. Civil servants use the category ``civil_servant``.

    ``base``: ``in_scope`` — the in-scope self-pay left (deductible and co-insurance included, the
    cross-region up-front share excluded); ``in_scope_and_preselfpay`` — that plus the 乙类 up-front
    co-pay (medical assistance). ``annual_deductible`` (per category, medical assistance only) is
    taken on the year's accumulated base (``BasicAccumulators.assistance_base``)."""

    kind: Literal["civil_servant", "medical_assistance"]
    fund_pay_type: str
    benefits: list[BenefitName] = ["inpatient", "outpatient"]
    base: Literal["in_scope", "in_scope_and_preselfpay"] = "in_scope"
    categories: dict[str, Ratio]
    annual_deductible: dict[str, Amount] = {}
    annual_cap: Amount

    @model_validator(mode="after")
    def _known_fund(self) -> CategoryTopUp:
        if self.fund_pay_type not in FUND_PAY_TYPES:
            raise ValueError(f"unknown fund_pay_type {self.fund_pay_type}")
        if self.annual_deductible and self.kind != "medical_assistance":
            raise ValueError("annual_deductible is kept on the medical-assistance base only")
        unknown = sorted(set(self.annual_deductible) - set(self.categories))
        if unknown:
            raise ValueError(f"annual_deductible for categories not in categories: {unknown}")
        return self


class DiseaseGroup(Strict):
    """门特 (``special``) or 门慢 (``chronic``) diseases settled under ``med_type`` 14.

    ``levels`` give the deductible and ratio by hospital level (or ``any``); a ``special`` group's
    deductible is per visit (门特: 0), a ``chronic`` group's is one annual deductible per person over
    all its diseases. The cap: ``shares_cap_of`` names the benefit whose annual pooled-fund cap the
    payments count against (门特: inpatient), else ``disease_caps`` gives each disease its own annual
    cap. ``joins_top_up_base``: the in-scope self-pay joins the critical-illness / large-expense base."""

    kind: Literal["special", "chronic"]
    diseases: dict[str, str] = Field(description="disease code → name")
    levels: dict[str, LevelRule]
    retired_bonus: Ratio = Fraction(0)
    shares_cap_of: Literal["inpatient"] | None = None
    disease_caps: dict[str, Amount] = {}

    @model_validator(mode="after")
    def _one_cap(self) -> DiseaseGroup:
        if (self.shares_cap_of is None) == (not self.disease_caps):
            raise ValueError("give exactly one of shares_cap_of or disease_caps")
        if self.disease_caps and set(self.disease_caps) != set(self.diseases):
            raise ValueError("disease_caps must name every disease of the group, and only those")
        unknown = [k for k in self.levels if k not in HOSPITAL_LEVELS and k != "any"]
        if unknown or not self.levels:
            raise ValueError(f"unknown or missing hospital levels {unknown}")
        return self

    def level(self, hospital_level: str) -> LevelRule | None:
        return self.levels.get(hospital_level) or self.levels.get("any")


class OutpatientDiseaseRule(Strict):
    """门慢门特: a ``med_type`` 14 visit settles under the group of its main diagnosis when the person
    holds a valid certification for that disease; otherwise as ``fallback_med_type`` (ordinary
    outpatient), and the answer says why."""

    med_types: list[str] = ["14"]
    fallback_med_type: str = "11"
    groups: list[DiseaseGroup]

    @model_validator(mode="after")
    def _distinct(self) -> OutpatientDiseaseRule:
        seen: set[str] = set()
        for group in self.groups:
            twice = seen & set(group.diseases)
            if twice:
                raise ValueError(f"disease {sorted(twice)} in two groups")
            seen |= set(group.diseases)
        return self

    def group_of(self, disease: str | None) -> DiseaseGroup | None:
        return next((g for g in self.groups if disease in g.diseases), None)


class Shares(Strict):
    """An up-front share for care in the insured region's province (省内) and in another one (跨省)."""

    in_province: Ratio
    out_of_province: Ratio


class FilingShares(Strict):
    """Cross-region up-front shares by filing kind and distance (reference-rules.md, "Cross-region care
    by filing kind and distance"). A long-term filing at the filed place pays none (treated as local).
    ``temporary_filed``: a temporary-outing filing that is neither referral nor emergency — the
    reference table has no row for it; it is a filing for temporary care away, grouped nationally
    with referral and emergency as 临时外出就医, so the shipped policies give it the referral row.
    ``repeat_referral_bonus``: from the second referred admission of the year on, a referral filing's
    share rises by this much."""

    referral: Shares
    emergency: Shares
    temporary_filed: Shares
    unfiled: Shares
    repeat_referral_bonus: Ratio = Fraction(0)


class CrossRegionRule(Strict):
    """Unfiled temporary care away from the insured region (and care back home by a long-term
    resident filed elsewhere) first charges the patient ``unfiled_selfpay_prop`` of the in-scope
    amount; the rest settles with the normal rules. Emergency care counts as filed.

    ``by_filing`` (newer versions) replaces that single share with one by filing kind and 省内/跨省;
    then care in the insured region is local, whoever gives it (a long-term resident coming home
    keeps the insured region's benefit, as the national notice lets filed residents do)."""

    unfiled_selfpay_prop: Ratio = Fraction(0)
    emergency_counts_as_filed: bool = True
    by_filing: FilingShares | None = None


class PolicyVersion(Effective):
    """One effective-dated version of a basic policy."""

    fund_pay_type: str
    retired_psn_type_prefixes: list[str] = ["12"]
    benefits: dict[Literal["inpatient", "outpatient"], BenefitRule]
    tiered_top_up: TieredTopUp | None = None
    category_top_ups: list[CategoryTopUp] = []
    cross_region: CrossRegionRule = CrossRegionRule()
    outpatient_diseases: OutpatientDiseaseRule | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PolicyVersion:
        if self.fund_pay_type not in FUND_PAY_TYPES:
            raise ValueError(f"unknown fund_pay_type {self.fund_pay_type}")
        seen: set[str] = set()
        for rule in self.benefits.values():
            overlap = seen & set(rule.med_types)
            if overlap:
                raise ValueError(f"med_type {sorted(overlap)} belongs to two benefits")
            seen |= set(rule.med_types)
        od = self.outpatient_diseases
        if od is not None:
            if seen & set(od.med_types):
                raise ValueError(f"med_type {sorted(seen & set(od.med_types))} is both a benefit and 门慢门特")
            if od.fallback_med_type not in seen:
                raise ValueError(f"fallback_med_type {od.fallback_med_type} has no benefit in this version")
            for group in od.groups:
                if group.shares_cap_of is not None and group.shares_cap_of not in self.benefits:
                    raise ValueError(f"{group.kind} shares the cap of {group.shares_cap_of}, which this version lacks")
        return self

    @cached_property
    def benefit_of_med_type(self) -> dict[str, tuple[str, BenefitRule]]:
        """``med_type`` → (benefit name, its rule), computed once per version."""
        return {med_type: (name, rule) for name, rule in self.benefits.items() for med_type in rule.med_types}

    @cached_property
    def retired_prefixes(self) -> tuple[str, ...]:
        """``retired_psn_type_prefixes`` as the tuple ``str.startswith`` takes (computed once per version)."""
        return tuple(self.retired_psn_type_prefixes)

    def benefit_for(self, med_type: str) -> tuple[str, BenefitRule] | None:
        return self.benefit_of_med_type.get(med_type)


class Policy(Strict):
    """A basic policy file: one id, one insutype in one insured region, several versions."""

    kind: Literal["policy"] = "policy"
    id: str
    name: str
    insutype: str
    region: str = Field(pattern=r"^\d{6}$")
    source: str = ""
    versions: list[PolicyVersion]

    @model_validator(mode="after")
    def _valid(self) -> Policy:
        if self.insutype not in INSUTYPES:
            raise ValueError(f"unknown insutype {self.insutype}")
        check_versions(self.versions)
        return self

    def version_on(self, day: date) -> PolicyVersion | None:
        return pick_version(self.versions, day)
