"""Turn stored rows into the engine's frozen inputs for one visit (and back into accumulator deltas)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db import people
from syncsettle.adapters.db import settlements as repo
from syncsettle.adapters.db import visits as visit_repo
from syncsettle.adapters.db.commercial import filing_in_force
from syncsettle.domain.rules.catalogue import CatalogueEntry
from syncsettle.domain.rules.policy import Policy, PolicyVersion
from syncsettle.domain.settlement.model import (
    BasicAccumulators,
    BenefitAccumulator,
    Bill,
    CrossRegion,
    FeeLine,
    Person,
)
from syncsettle.domain.settlement.waterfall import Settlement
from syncsettle.services.commercial.coverage import coverage_of
from syncsettle.services.commercial.filings import product_of
from syncsettle.services.commercial.legs import Leg
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform
from syncsettle.services.settlement.common import insured_person


@dataclass
class VisitInputs:
    """Everything the engine needs for one visit, plus what the use case writes back."""

    visit: dict[str, Any]
    insurance: dict[str, Any]
    person_row: dict[str, Any]
    policy: Policy
    version: PolicyVersion
    person: Person
    bill: Bill
    lines: list[dict[str, Any]]
    basic: BasicAccumulators
    legs: list[Leg]
    year: int
    catalogue: dict[str, CatalogueEntry]


def basic_from_row(row: dict[str, int]) -> BasicAccumulators:
    return BasicAccumulators(
        inpatient=BenefitAccumulator(row["inp_deductible_used"], row["inp_fund_paid"]),
        outpatient=BenefitAccumulator(row["out_deductible_used"], row["out_fund_paid"]),
        admissions=row["admissions"],
        subsidy_base=row["subsidy_base"],
        subsidy_paid=row["subsidy_paid"],
    )


def basic_delta(before: BasicAccumulators, after: BasicAccumulators) -> dict[str, int]:
    return {
        "inp_deductible_used": after.inpatient.deductible_used - before.inpatient.deductible_used,
        "inp_fund_paid": after.inpatient.fund_paid - before.inpatient.fund_paid,
        "out_deductible_used": after.outpatient.deductible_used - before.outpatient.deductible_used,
        "out_fund_paid": after.outpatient.fund_paid - before.outpatient.fund_paid,
        "admissions": after.admissions - before.admissions,
        "subsidy_base": after.subsidy_base - before.subsidy_base,
        "subsidy_paid": after.subsidy_paid - before.subsidy_paid,
    }


def product_deltas(s: Settlement) -> list[tuple[str, str, int, int]]:
    return [
        (p.product_id, r.id, r.deductible_applied, r.payable)
        for p in s.products
        for r in p.responsibilities
        if r.deductible_applied or r.payable
    ]


def legs_of(conn: Connection, psn_no: str, day: date, year: int, *, lock: bool = False) -> list[Leg]:
    """The person's products on ``day`` that have a filing in force (on sale, active, or suspended —
    a suspended one becomes a pending leg); the rules are the filing's. ``year``: whose accumulators.
    ``lock``: a settlement — each product's cap is locked (``settlements.lock_products``) before its
    accumulators are read. One leg per product: should an older database hold two overlapping
    enrollments (no longer accepted), the earliest one counts."""
    found = []
    seen: set[str] = set()
    for e in sorted(people.active_enrollments(conn, psn_no, day), key=lambda e: e["id"]):
        if e["product_id"] in seen:
            continue
        filing = filing_in_force(conn, e["product_id"], day)
        if filing is not None:
            found.append((e, filing))
            seen.add(e["product_id"])
    product_ids = [e["product_id"] for e, _ in found]
    if lock:
        repo.lock_products(conn, psn_no, year, product_ids)
    accs = repo.read_products(conn, psn_no, year, product_ids)
    return [Leg(f, product_of(f), coverage_of(e, accs.get(e["product_id"], {}))) for e, f in found]


def _fee_line(row: dict[str, Any]) -> FeeLine:
    prop = row["line_selfpay_prop"]
    return FeeLine(
        feedetl_sn=row["feedetl_sn"],
        med_list_codg=row["med_list_codg"],
        cnt=int(row["cnt"]),
        pric=int(row["pric"]),
        chrgitm_lv=row["line_chrgitm_lv"],
        selfpay_prop=Fraction(prop) if prop is not None else None,
        pric_uplmt=row["line_pric_uplmt_amt"],
    )


def load(
    p: Platform, conn: Connection, visit: dict[str, Any], hospital: dict[str, Any], day: date, *,
    locked: dict[str, int] | None, use_account: bool, batch: str | None = None,
) -> VisitInputs:  # fmt: skip
    """Gather the inputs. ``locked``: the person's basic accumulators for ``day``'s year as the caller
    read them under their lock (:func:`~syncsettle.adapters.db.settlements.lock_basic`; not read
    again), or None for a quote (read without a lock). ``batch``: settle only the unsettled lines of
    this ``chrg_bchno`` (2207's charge batch; ``None`` or ``"0000"``: every unsettled line)."""
    stored, insurance = insured_person(conn, visit["psn_no"], visit["insutype"])  # after the caller's lock
    person_row = p.pii.open(stored)  # the hospital's answer carries the patient's name
    found = p.rules.policy_for(insurance["insuplc_admdvs"], visit["insutype"], day)
    if found is None:
        raise ServiceError(
            Code.RULES, f"参保地 {insurance['insuplc_admdvs']} 险种 {visit['insutype']} 在 {day} 无有效政策", "insutype"
        )
    policy, version = found
    lines = visit_repo.lines(conn, visit["mdtrt_id"], unsettled_only=True)
    if batch and batch != "0000":
        lines = [line for line in lines if line["chrg_bchno"] == batch]
        if not lines:
            raise ServiceError(
                Code.NOTHING_TO_SETTLE, f"就诊 {visit['mdtrt_id']} 收费批次 {batch} 没有未结算的费用明细", "chrg_bchno"
            )
    if not lines:
        raise ServiceError(Code.NOTHING_TO_SETTLE, f"就诊 {visit['mdtrt_id']} 没有未结算的费用明细", "mdtrt_id")
    cross = insurance["cross_region"]
    person = Person(
        psn_no=visit["psn_no"],
        insutype=visit["insutype"],
        psn_type=insurance["psn_type"],
        insured_region=insurance["insuplc_admdvs"],
        cross_region=CrossRegion(**cross) if cross else None,
        use_personal_account=use_account,
        account_balance=int(insurance["balc"]),
    )
    bill = Bill(
        med_type=visit["med_type"],
        hospital_level=hospital["hosp_lv"],
        treatment_region=hospital["admdvs"],
        lines=tuple(_fee_line(r) for r in lines),
        diagnoses=tuple(visit["diagnoses"] or ()),
    )
    year = day.year
    basic_row = locked if locked is not None else repo.read_basic(conn, person.psn_no, person.insutype, year)
    legs = legs_of(conn, person.psn_no, day, year, lock=locked is not None)
    return VisitInputs(
        visit,
        insurance,
        person_row,
        policy,
        version,
        person,
        bill,
        lines,
        basic_from_row(basic_row),
        legs,
        year,
        p.rules.catalogue_for(hospital["admdvs"]),
    )
