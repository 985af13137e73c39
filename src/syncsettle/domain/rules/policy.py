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


class TieredTopUp(Strict):
    """Critical-illness insurance (``hifmi_pay``) or the employee large-expense subsidy
    (``hifob_pay``): tiers on the year's accumulated inpatient in-scope amount the pooled fund did not
    pay (the cross-region up-front share excluded), with an annual cap on what it pays."""

    kind: Literal["critical_illness", "large_expense"]
    fund_pay_type: str
    benefits: list[Literal["inpatient", "outpatient"]] = ["inpatient"]
    tiers: list[Tier]
    annual_cap: Amount

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
    of ``categories``, pays ``ratio`` of the in-scope amount the earlier public funds left unpaid,
    up to the annual cap. Civil servants use the category ``civil_servant``."""

    kind: Literal["civil_servant", "medical_assistance"]
    fund_pay_type: str
    benefits: list[Literal["inpatient", "outpatient"]] = ["inpatient", "outpatient"]
    categories: dict[str, Ratio]
    annual_cap: Amount

    @model_validator(mode="after")
    def _known_fund(self) -> CategoryTopUp:
        if self.fund_pay_type not in FUND_PAY_TYPES:
            raise ValueError(f"unknown fund_pay_type {self.fund_pay_type}")
        return self


class CrossRegionRule(Strict):
    """Unfiled temporary care away from the insured region (and care back home by a long-term
    resident filed elsewhere) first charges the patient ``unfiled_selfpay_prop`` of the in-scope
    amount; the rest settles with the normal rules. Emergency care counts as filed."""

    unfiled_selfpay_prop: Ratio = Fraction(0)
    emergency_counts_as_filed: bool = True


class PolicyVersion(Effective):
    """One effective-dated version of a basic policy."""

    fund_pay_type: str
    retired_psn_type_prefixes: list[str] = ["12"]
    benefits: dict[Literal["inpatient", "outpatient"], BenefitRule]
    tiered_top_up: TieredTopUp | None = None
    category_top_ups: list[CategoryTopUp] = []
    cross_region: CrossRegionRule = CrossRegionRule()

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
