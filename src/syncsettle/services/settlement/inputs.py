"""Turn stored rows into the engine's frozen inputs for one visit (and back into accumulator deltas)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.commercial.commercial import filing_in_force
from syncsettle.adapters.db.settlement import benefits as benefit_repo
from syncsettle.adapters.db.settlement import people
from syncsettle.adapters.db.settlement import settlements as repo
from syncsettle.adapters.db.settlement import visits as visit_repo
from syncsettle.adapters.db.settlement.records import Hospital
from syncsettle.domain.codes import ASSISTANCE_IDET_TYPES, ASSISTANCE_OF_IDET_TYPE
from syncsettle.domain.rules.catalogue import CatalogueEntry
from syncsettle.domain.rules.policy import Policy, PolicyVersion
from syncsettle.domain.settlement.model import (
    BasicAccumulators,
    BenefitAccumulator,
    Bill,
    CrossRegion,
    FamilyAccount,
    FeeLine,
    Person,
)
from syncsettle.domain.settlement.waterfall import Settlement
from syncsettle.services.commercial.coverage import coverage_of
from syncsettle.services.commercial.filings import product_of
from syncsettle.services.commercial.legs import Leg
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.person_benefits import FAMILY_INSUTYPE
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


_CATEGORIES = (("civil_servant", "cvlserv_paid"), ("medical_assistance", "maf_paid"))


def basic_from_row(row: dict[str, int], diseases: dict[str, int] | None = None) -> BasicAccumulators:
    """The engine's year-to-date figures from a ``basic_accumulators`` row and the person's 门慢
    per-disease fund payments (``disease_accumulators``), fen."""
    return BasicAccumulators(
        inpatient=BenefitAccumulator(row["inp_deductible_used"], row["inp_fund_paid"]),
        outpatient=BenefitAccumulator(row["out_deductible_used"], row["out_fund_paid"]),
        admissions=row["admissions"],
        subsidy_base=row["subsidy_base"],
        subsidy_paid=row["subsidy_paid"],
        category_paid=tuple((kind, row[key]) for kind, key in _CATEGORIES if row.get(key)),
        assistance_base=row.get("assistance_base", 0),
        chronic_deductible_used=row.get("chronic_deductible_used", 0),
        disease_paid=tuple(sorted((diseases or {}).items())),
        referrals=row.get("referrals", 0),
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
        **{key: after.category(kind) - before.category(kind) for kind, key in _CATEGORIES},
        "assistance_base": after.assistance_base - before.assistance_base,
        "chronic_deductible_used": after.chronic_deductible_used - before.chronic_deductible_used,
        "referrals": after.referrals - before.referrals,
    }


def disease_delta(before: BasicAccumulators, after: BasicAccumulators) -> dict[str, int]:
    """门慢 disease → change of the pooled fund's payments for it (only the diseases that changed)."""
    codes = {code for code, _ in before.disease_paid} | {code for code, _ in after.disease_paid}
    changed = {code: after.disease(code) - before.disease(code) for code in sorted(codes)}
    return {code: d for code, d in changed.items() if d}


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


def assistance_category(idet_types: list[str]) -> str | None:
    """The medical-assistance category of the person's valid 人员身份 codes: the most generous one
    when several are valid (:data:`~syncsettle.domain.codes.ASSISTANCE_IDET_TYPES` order)."""
    held = {ASSISTANCE_OF_IDET_TYPE[code] for code in idet_types if code in ASSISTANCE_OF_IDET_TYPE}
    return next((category for category in ASSISTANCE_IDET_TYPES if category in held), None)


def family_accounts(conn: Connection, psn_no: str, day: date, *, lock: bool) -> tuple[FamilyAccount, ...]:
    """The family accounts that may pay for ``psn_no`` on ``day`` (家庭共济), in link order: links valid
    on the day, consented and not revoked, whose holder has an active employee account. ``lock``: a
    settlement — each holder's account row is locked (in holder order, so two settlements never wait
    on each other crosswise over the same accounts) before its balance is read."""
    holders = list(dict.fromkeys(h for _, h in benefit_repo.links_on(conn, psn_no, day) if h != psn_no))
    balances: dict[str, int] = {}
    for holder in sorted(holders):
        if lock:
            found = benefit_repo.lock_account(conn, holder, FAMILY_INSUTYPE)
        else:
            row = people.insurance_row(conn, holder, FAMILY_INSUTYPE)
            found = (int(row["balc"]), str(row["psn_insu_stas"])) if row else None
        if found is not None and found[1] == "1":
            balances[holder] = found[0]
    return tuple(FamilyAccount(h, balances[h]) for h in holders if h in balances)


def load(
    p: Platform, conn: Connection, visit: dict[str, Any], hospital: Hospital, day: date, *,
    locked: dict[str, int] | None, use_account: bool, batch: str | None = None,
) -> VisitInputs:  # fmt: skip
    """Gather the inputs. ``locked``: the person's basic accumulators for ``day``'s year as the caller
    read them under their lock (:func:`~syncsettle.adapters.db.settlement.settlements.lock_basic`; not read
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
    psn_no = visit["psn_no"]
    balance = int(insurance["balc"])
    family: tuple[FamilyAccount, ...] = ()
    if use_account:
        if locked is not None:  # a settlement: the accounts that may pay are locked before they are read
            own = benefit_repo.lock_account(conn, psn_no, visit["insutype"])
            balance = own[0] if own else balance
        family = family_accounts(conn, psn_no, day, lock=locked is not None)
    od = version.outpatient_diseases
    chronic = od is not None and visit["med_type"] in od.med_types
    person = Person(
        psn_no=psn_no,
        insutype=visit["insutype"],
        psn_type=insurance["psn_type"],
        insured_region=insurance["insuplc_admdvs"],
        cross_region=CrossRegion(**cross) if cross else None,
        use_personal_account=use_account,
        account_balance=balance,
        assistance_category=assistance_category(benefit_repo.identity_types_on(conn, psn_no, day)),
        civil_servant=(insurance.get("cvlserv_flag") or "0") == "1",
        certifications=tuple(dict.fromkeys(benefit_repo.certified_on(conn, psn_no, day))) if chronic else (),
        family_accounts=family,
    )
    bill = Bill(
        med_type=visit["med_type"],
        hospital_level=hospital.hosp_lv,
        treatment_region=hospital.admdvs,
        lines=tuple(_fee_line(r) for r in lines),
        diagnoses=tuple(visit["diagnoses"] or ()),
        dise_codg=visit.get("dise_codg"),
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
        basic_from_row(basic_row, benefit_repo.read_diseases(conn, psn_no, person.insutype, year) if chronic else {}),
        legs,
        year,
        p.rules.catalogue_for(hospital.admdvs),
    )
