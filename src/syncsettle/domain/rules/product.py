"""Schema of a commercial health-insurance product file (filed as rules, 备案).

A product applies after every public fund (补偿原则). Each responsibility names the components of
the patient's remaining burden it ``covers`` (see docs/engine-readings.md), the care it applies to,
its deductible (by insutype, by pre-existing class, adjusted by claim history within bounds), its
ratio (standard / pre-existing, by consecutive enrollment years, by cross-region status) and its
annual cap. Caps can also be shared between responsibilities and set per person for the product.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import Literal

from pydantic import Field, field_validator, model_validator

from syncsettle.domain.codes import INSUTYPES, MED_TYPES
from syncsettle.domain.rules.fields import Amount, Effective, Ratio, Strict, check_versions, pick_version

BASE_COMPONENTS = ("in_scope_selfpay", "preselfpay", "cross_region_selfpay", "overlimit", "out_of_scope")
CROSS_REGION_STATUSES = ("local", "filed", "unfiled_in_province", "unfiled_out_of_province")
ROUTES = ("embedded", "dual_platform", "detail", "category", "settlement_summary")


class RatioPair(Strict):
    """A ratio for standard-risk persons and one for persons with a pre-existing condition."""

    standard: Ratio
    pre_existing: Ratio | None = None

    def for_class(self, pre_existing: bool) -> Ratio:
        return self.pre_existing if pre_existing and self.pre_existing is not None else self.standard


class YearsRatio(RatioPair):
    """Ratios that apply from the ``from_year``-th consecutive enrollment year on."""

    from_year: int = Field(ge=1)


class RatioRule(RatioPair):
    """The responsibility's ratio: the standard/pre-existing pair, replaced by the highest
    ``by_enrolled_years`` entry the person has reached, then by the entry for the bill's
    cross-region status when there is one."""

    by_enrolled_years: list[YearsRatio] = []
    cross_region: dict[str, RatioPair] = {}

    @field_validator("by_enrolled_years")
    @classmethod
    def _increasing(cls, value: list[YearsRatio]) -> list[YearsRatio]:
        years = [v.from_year for v in value]
        if years != sorted(set(years)):
            raise ValueError("by_enrolled_years must be in increasing order of from_year")
        return value

    @field_validator("cross_region")
    @classmethod
    def _known_status(cls, value: dict[str, RatioPair]) -> dict[str, RatioPair]:
        unknown = [k for k in value if k not in CROSS_REGION_STATUSES]
        if unknown:
            raise ValueError(f"unknown cross-region status {unknown}; use {list(CROSS_REGION_STATUSES)}")
        return value


class ClaimHistory(Strict):
    """Deductible adjustment: ``per_claim_free_year`` less for each consecutive claim-free previous
    year, ``claimed_last_year`` more when the previous year had a claim, then kept within bounds."""

    per_claim_free_year: Amount
    claimed_last_year: Amount
    min: Amount
    max: Amount


class DeductibleRule(Strict):
    """The annual deductible of a responsibility (0 when the rule is absent)."""

    standard: Amount = 0
    pre_existing: Amount | None = None
    by_insutype: dict[str, Amount] = {}
    claim_history: ClaimHistory | None = None

    @field_validator("by_insutype")
    @classmethod
    def _known_insutype(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = [k for k in value if k not in INSUTYPES]
        if unknown:
            raise ValueError(f"unknown insutype {unknown}")
        return value


class Responsibility(Strict):
    """One responsibility (保障责任) of a product version."""

    id: str
    name: str
    covers: list[str]
    med_types: Literal["inpatient", "outpatient", "any"] | list[str] = "any"
    deductible: DeductibleRule = DeductibleRule()
    ratio: RatioRule
    cap: Amount

    @cached_property
    def base_columns(self) -> tuple[int, ...]:
        """Positions in ``BASE_COMPONENTS`` of the base components it covers (computed once)."""
        return tuple(i for i, name in enumerate(BASE_COMPONENTS) if name in self.covers)

    @cached_property
    def care_covered(self) -> dict[str, bool]:
        """Whether this responsibility takes a bill of each ``med_type`` asked for so far (filled by
        the commercial adjudication: a pure function of ``med_types``, asked for on every bill)."""
        return {}

    @cached_property
    def drug_lists_covered(self) -> frozenset[str]:
        """Names of the drug lists it covers (``drug_list:NAME``; computed once)."""
        return frozenset(c.removeprefix("drug_list:") for c in self.covers if c.startswith("drug_list:"))

    @field_validator("med_types")
    @classmethod
    def _known_med_types(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list):
            unknown = [m for m in value if m not in MED_TYPES]
            if unknown:
                raise ValueError(f"unknown med_type {unknown}")
        return value


class SharedCap(Strict):
    """One annual cap shared by several responsibilities (the sum of their ``paid``)."""

    id: str
    responsibilities: list[str]
    cap: Amount


class ProductVersion(Effective):
    """One effective-dated version of a product's rules."""

    waiting_period_days: int = Field(default=0, ge=0)
    excluded_diagnoses: list[str] = Field(default=[], description="ICD-10 code prefixes")
    drug_lists: dict[str, list[str]] = {}
    responsibilities: list[Responsibility]
    shared_caps: list[SharedCap] = []
    person_cap: Amount | None = None

    @cached_property
    def list_of_code(self) -> dict[str, str]:
        """``med_list_codg`` → the name of the drug list it is on (computed once per version)."""
        return {code: name for name, codes in self.drug_lists.items() for code in codes}

    @model_validator(mode="after")
    def _consistent(self) -> ProductVersion:
        ids = [r.id for r in self.responsibilities]
        if len(ids) != len(set(ids)) or not ids:
            raise ValueError("responsibility ids must be present and unique")
        for resp in self.responsibilities:
            for component in resp.covers:
                if component.startswith("drug_list:"):
                    if component.removeprefix("drug_list:") not in self.drug_lists:
                        raise ValueError(f"{resp.id} covers {component} but no such drug list is defined")
                elif component not in BASE_COMPONENTS:
                    raise ValueError(
                        f"{resp.id} covers unknown component {component!r}; "
                        f"use {list(BASE_COMPONENTS)} or drug_list:NAME"
                    )
            if not resp.covers:
                raise ValueError(f"{resp.id} covers nothing")
        for shared in self.shared_caps:
            missing = [r for r in shared.responsibilities if r not in ids]
            if missing:
                raise ValueError(f"shared cap {shared.id} names unknown responsibilities {missing}")
        codes = [c for lst in self.drug_lists.values() for c in lst]
        if len(codes) != len(set(codes)):
            raise ValueError("a med_list_codg is on two drug lists of the same product")
        return self


class Product(Strict):
    """A product file: id, insurer, default route and filing priority, several versions."""

    kind: Literal["product"] = "product"
    id: str
    name: str
    insurer: str
    route: Literal["embedded", "dual_platform", "detail", "category", "settlement_summary"]
    priority: int = Field(description="filing priority: lower pays first")
    source: str = ""
    versions: list[ProductVersion]

    @model_validator(mode="after")
    def _valid(self) -> Product:
        check_versions(self.versions)
        return self

    @cached_property
    def versions_by_day(self) -> dict[date, ProductVersion | None]:
        """The version in force on each day asked for so far (filled by :meth:`version_on`): a product is
        asked several times per bill, always for one of a few days."""
        return {}

    def version_on(self, day: date) -> ProductVersion | None:
        known = self.versions_by_day
        if day in known:
            return known[day]
        version = known[day] = pick_version(self.versions, day)
        return version
