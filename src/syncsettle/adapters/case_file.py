"""The case format of ``syncsettle quote CASE.json`` (shared/reference/case-format.md).

:func:`read_case` turns the JSON into the engine's frozen inputs (every problem → one
:class:`InvalidInput` naming the field); :func:`render_settlement` turns a :class:`Settlement` back
into the output object, amounts as two-decimal yuan strings.

In a case, ``accumulators.basic.deductible_used``/``fund_paid`` are the figures of the benefit the
bill falls under (inpatient or ordinary outpatient), see docs/engine-readings.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from syncsettle.adapters.json_reader import Reader
from syncsettle.adapters.rulebook import Rulebook
from syncsettle.domain.codes import CHRGITM_LVS, HOSPITAL_LEVELS, INSUTYPES, MED_TYPES, PSN_TYPES
from syncsettle.domain.rules.policy import PolicyVersion
from syncsettle.domain.rules.product import Product
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.domain.settlement.model import (
    PRIC_PLACES,
    BasicAccumulators,
    BenefitAccumulator,
    Bill,
    Coverage,
    CrossRegion,
    FamilyAccount,
    FeeLine,
    GivenBasic,
    Person,
    ProductAccumulators,
    ResponsibilityAccumulator,
)
from syncsettle.domain.settlement.waterfall import Settlement, settle
from syncsettle.money import format_ratio, format_yuan

CNT_PLACES = 4
_BASIC_KEYS = {
    "deductible_used", "fund_paid", "admissions", "subsidy_base", "subsidy_paid", "cvlserv_paid", "maf_paid",
    "referrals", "referred_admissions", "assistance_base", "maf_base", "chronic_deductible_used", "disease_paid",
}  # fmt: skip
ASSISTANCE_CATEGORIES = {"tekun": "特困供养", "dibao": "低保", "fanpin": "防止返贫监测/低收入"}
_VALIDITY = ("begndate", "enddate")
_GIVEN_AMOUNTS = [
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    "hifp_pay",
    "hifmi_pay",
    "hifob_pay",
    "cvlserv_pay",
    "maf_pay",
    "oth_pay",
    "acct_pay",
]


@dataclass(frozen=True)
class Case:
    """A parsed case: everything :func:`settle` needs."""

    day: date
    person: Person
    bill: Bill
    policy: PolicyVersion | None
    given: GivenBasic | None
    coverages: tuple[tuple[Product, Coverage], ...]
    basic_accumulators: BasicAccumulators
    catalogue: dict[str, Any]


def parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput("case", f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None


def _cross_region(r: Reader | None) -> CrossRegion | None:
    if r is None:
        return None
    r.check_keys({"filed", "kind", "filed_region"})
    if not isinstance(r.raw("filed"), bool):
        raise InvalidInput(r.at("filed"), "must be true or false")
    kinds = {"long_term": "", "temporary": "", "referral": "", "emergency": ""}
    kind = r.req_text("kind", codes=kinds)
    filed_region = r.region("filed_region") if r.has("filed_region") else None
    return CrossRegion(filed=r.flag("filed"), kind=kind, filed_region=filed_region)  # type: ignore[arg-type]


def _valid_on(r: Reader, day: date, start: str = "begndate", end: str = "enddate") -> bool:
    """Whether a validity range (``begndate``/``enddate``, inclusive, either may be absent) covers ``day``."""
    begin, until = r.day(start, required=False), r.day(end, required=False)
    if begin and until and until < begin:
        raise InvalidInput(r.at(end), f"ends before it begins ({begin.isoformat()})")
    return (begin is None or begin <= day) and (until is None or day <= until)


def _assistance(r: Reader, day: date) -> str | None:
    """``assistance_category``: a category code, or ``{"category", "begndate", "enddate"}``; the
    category counts only on days inside its validity range (also given as ``assistance_begndate`` /
    ``assistance_enddate`` beside the code)."""
    raw = r.raw("assistance_category", required=False)
    if raw is None or raw == "none":
        return None
    if isinstance(raw, dict):
        sub = Reader(raw, r.at("assistance_category"))
        sub.check_keys({"category", *_VALIDITY})
        category = sub.req_text("category", codes=ASSISTANCE_CATEGORIES)
        return category if _valid_on(sub, day) else None
    category = r.req_text("assistance_category", codes=ASSISTANCE_CATEGORIES)
    return category if _valid_on(r, day, "assistance_begndate", "assistance_enddate") else None


def _civil_servant(r: Reader) -> bool:
    """``cvlserv_flag`` (national: "1" civil servant, "0" not; 1/0/true/false accepted) or the older
    ``civil_servant`` flag."""
    raw = r.raw("cvlserv_flag", required=False)
    if raw is None:
        return r.flag("civil_servant")
    if raw in ("1", 1, True):
        return True
    if raw in ("0", 0, False):
        return False
    raise InvalidInput(r.at("cvlserv_flag"), f'must be "1" or "0", got {raw!r}')


def _certifications(r: Reader, day: date) -> tuple[str, ...]:
    """门慢门特 certifications valid on ``day``: codes, or ``{"dise_codg", "begndate", "enddate"}``."""
    found = []
    for i, item in enumerate(r.items("certifications", required=False)):
        if isinstance(item, str) and item.strip():
            found.append(item.strip())
            continue
        sub = Reader(item, f"{r.at('certifications')}[{i}]")
        sub.check_keys({"dise_codg", "dise_name", *_VALIDITY})
        code = sub.req_text("dise_codg")
        if _valid_on(sub, day):
            found.append(code)
    return tuple(dict.fromkeys(found))


def _family_accounts(r: Reader, day: date, insutype: str) -> tuple[FamilyAccount, ...]:
    """家庭共济 links in link order: ``{"psn_no", "account_balance", "begndate", "enddate", "consented",
    "revoked"}``; only links valid on ``day``, consented (default true) and not revoked pay."""
    items = r.items("family_accounts", required=False)
    if items and insutype != "310":
        raise InvalidInput(r.at("family_accounts"), "家庭共济 is for employees (insutype 310) only")
    found = []
    for i, item in enumerate(items):
        sub = Reader(item, f"{r.at('family_accounts')}[{i}]")
        sub.check_keys({"psn_no", "account_balance", *_VALIDITY, "consented", "revoked"})
        member = FamilyAccount(psn_no=sub.req_text("psn_no"), balance=sub.yuan("account_balance"))
        if _valid_on(sub, day) and sub.flag("consented", default=True) and not sub.flag("revoked"):
            found.append(member)
    return tuple(found)


def _person(r: Reader, day: date) -> Person:
    insutype = r.req_text("insutype", codes=INSUTYPES)
    return Person(
        psn_no=r.req_text("psn_no"),
        insutype=insutype,
        psn_type=r.req_text("psn_type", codes=PSN_TYPES),
        insured_region=r.region("insured_region"),
        cross_region=_cross_region(r.child("cross_region", required=False)),
        use_personal_account=r.flag("use_personal_account"),
        account_balance=r.yuan("account_balance"),
        assistance_category=_assistance(r, day),
        civil_servant=_civil_servant(r),
        certifications=_certifications(r, day),
        family_accounts=_family_accounts(r, day, insutype),
    )


def _line(r: Reader, index: int) -> FeeLine:
    lv = r.text("chrgitm_lv", required=False, codes=CHRGITM_LVS)
    return FeeLine(
        feedetl_sn=r.text("feedetl_sn", required=False) or str(index + 1),
        med_list_codg=r.req_text("med_list_codg"),
        cnt=r.scaled("cnt", CNT_PLACES, positive=True),
        pric=r.scaled("pric", PRIC_PLACES),
        chrgitm_lv=lv,
        selfpay_prop=r.ratio("selfpay_prop"),
        pric_uplmt=r.yuan("pric_uplmt_amt") if r.has("pric_uplmt_amt") else None,
        med_chrgitm_type=r.text("med_chrgitm_type", required=False),
    )


def _bill(r: Reader) -> Bill:
    raw_items = r.items("items")
    if not raw_items:
        raise InvalidInput(r.at("items"), "a bill needs at least one fee line")
    lines = tuple(_line(Reader(item, f"{r.at('items')}[{i}]"), i) for i, item in enumerate(raw_items))
    seen: set[str] = set()
    for i, line in enumerate(lines):
        if line.feedetl_sn in seen:
            raise InvalidInput(f"{r.at('items')}[{i}].feedetl_sn", f"{line.feedetl_sn!r} appears twice in the bill")
        seen.add(line.feedetl_sn)
    diagnoses = r.items("diagnoses", required=False)
    if not all(isinstance(d, str) for d in diagnoses):
        raise InvalidInput(r.at("diagnoses"), "must be a list of ICD-10 code strings")
    return Bill(
        med_type=r.req_text("med_type", codes=MED_TYPES),
        hospital_level=r.req_text("hospital_level", codes=HOSPITAL_LEVELS),
        treatment_region=r.region("treatment_region"),
        lines=lines,
        diagnoses=tuple(diagnoses),
        dise_codg=r.text("dise_codg", required=False),
    )


def _basic_accumulators(r: Reader | None, person: Person, bill: Bill) -> BasicAccumulators:
    """Year-to-date figures. ``deductible_used``/``fund_paid`` are those of the benefit the bill falls
    under: for a 门慢 bill the one 门慢 deductible and its disease's fund payments (unless given as
    ``chronic_deductible_used`` / ``disease_paid``), for 门特 the inpatient figures (they share its cap).
    ``referrals`` (referred admissions this year) defaults, for a bill on a referral filing, to
    ``admissions``: a case that counts earlier admissions on a referral filing counts referrals."""
    if r is None:
        return BasicAccumulators()
    r.check_keys(_BASIC_KEYS)
    benefit = BenefitAccumulator(r.yuan("deductible_used"), r.yuan("fund_paid"))
    categories = tuple(
        (kind, r.yuan(key))
        for kind, key in (("civil_servant", "cvlserv_paid"), ("medical_assistance", "maf_paid"))
        if r.has(key)
    )
    admissions = r.integer("admissions")
    referral = person.cross_region is not None and person.cross_region.kind == "referral" and person.cross_region.filed
    if r.has("referrals") or r.has("referred_admissions"):
        referrals = r.integer("referrals" if r.has("referrals") else "referred_admissions")
    else:
        referrals = admissions if referral else 0
    chronic = bill.med_type == "14"
    disease_paid: tuple[tuple[str, int], ...] = ()
    paid_r = r.child("disease_paid", required=False)
    if paid_r is not None:
        disease_paid = tuple(sorted((code, paid_r.yuan(code)) for code in paid_r.data))
    elif chronic and (bill.dise_codg or bill.diagnoses):
        disease_paid = ((bill.dise_codg or bill.diagnoses[0], benefit.fund_paid),)
    return BasicAccumulators(
        inpatient=benefit,
        outpatient=benefit,
        admissions=admissions,
        subsidy_base=r.yuan("subsidy_base"),
        subsidy_paid=r.yuan("subsidy_paid"),
        category_paid=categories,
        assistance_base=r.yuan("assistance_base" if r.has("assistance_base") else "maf_base"),
        chronic_deductible_used=(
            r.yuan("chronic_deductible_used")
            if r.has("chronic_deductible_used")
            else (benefit.deductible_used if chronic else 0)
        ),
        disease_paid=disease_paid,
        referrals=referrals,
    )


def _product_accumulators(r: Reader | None, product: Product, day: date) -> ProductAccumulators:
    if r is None:
        return ProductAccumulators()
    version = product.version_on(day) or product.versions[-1]
    ids = {resp.id for resp in version.responsibilities}
    r.check_keys(ids | {"total_paid"})
    per = []
    for resp_id in sorted(ids):
        sub = r.child(resp_id, required=False)
        if sub is not None:
            sub.check_keys({"deductible_used", "paid"})
            per.append((resp_id, ResponsibilityAccumulator(sub.yuan("deductible_used"), sub.yuan("paid"))))
    total = r.yuan("total_paid") if r.has("total_paid") else None
    return ProductAccumulators(tuple(per), total)


def _given(r: Reader) -> GivenBasic:
    allowed = {*_GIVEN_AMOUNTS, "pool_prop_selfpay", "psn_part_amt", "psn_cash_pay", "fund_pay_sumamt"}
    r.check_keys(allowed)
    amounts = {key: r.yuan(key, required=key == "medfee_sumamt") for key in _GIVEN_AMOUNTS}
    given = GivenBasic(**amounts, pool_prop_selfpay=r.ratio("pool_prop_selfpay"))
    for key, value in (
        ("fund_pay_sumamt", given.fund_pay_sumamt),
        ("psn_part_amt", given.medfee_sumamt - given.fund_pay_sumamt),
        ("psn_cash_pay", given.medfee_sumamt - given.fund_pay_sumamt - given.acct_pay),
    ):
        if r.has(key) and r.yuan(key) != value:
            raise InvalidInput(r.at(key), f"does not add up: the other amounts give {format_yuan(value)}")
    return given


def read_case(data: Any, book: Rulebook) -> Case:
    """Validate a case (already parsed JSON) against the rulebook."""
    r = Reader(data, "")
    r.check_keys({"date", "person", "policy", "basic_result", "products", "accumulators", "bill"})
    day = r.day("date")
    assert day is not None
    person_r = r.child("person")
    assert person_r is not None
    person = _person(person_r, day)
    bill_r = r.child("bill")
    assert bill_r is not None
    bill = _bill(bill_r)

    has_policy, has_given = r.has("policy"), r.has("basic_result")
    if has_policy == has_given:
        raise InvalidInput(
            "policy", "give exactly one of policy or basic_result" + (" (both given)" if has_policy else "")
        )
    policy_version = None
    given = None
    if has_policy:
        policy_id = r.req_text("policy")
        policy = book.policies.get(policy_id)
        if policy is None:
            raise InvalidInput("policy", f"unknown policy {policy_id!r} (known: {', '.join(sorted(book.policies))})")
        policy_version = policy.version_on(day)
        if policy_version is None:
            raise InvalidInput("policy", f"{policy_id} has no version in force on {day.isoformat()}")
        if person.insutype != policy.insutype:
            raise InvalidInput(
                "person.insutype", f"{person.insutype} does not match policy {policy_id} (insutype {policy.insutype})"
            )
    else:
        given_r = r.child("basic_result")
        assert given_r is not None
        given = _given(given_r)

    acc_r = r.child("accumulators", required=False)
    if acc_r is not None:
        acc_r.check_keys({"basic", "products"})
    basic_acc = _basic_accumulators(acc_r.child("basic", required=False) if acc_r else None, person, bill)
    prod_acc_r = acc_r.child("products", required=False) if acc_r else None

    product_ids = r.items("products", required=False)
    enrollments = person_r.child("enrollments", required=False)
    coverages = []
    for i, pid in enumerate(product_ids):
        if not isinstance(pid, str):
            raise InvalidInput(f"products[{i}]", "must be a product id string")
        product = book.products.get(pid)
        if product is None:
            raise InvalidInput(f"products[{i}]", f"unknown product {pid!r} (known: {', '.join(sorted(book.products))})")
        if pid in product_ids[:i]:
            raise InvalidInput(f"products[{i}]", f"{pid} is listed twice")
        enrolled = enrollments.child(pid, required=False) if enrollments else None
        coverages.append(
            (
                product,
                Coverage(
                    product_id=pid,
                    pre_existing=person_r.flag("pre_existing"),
                    enrolled_years=person_r.integer("enrolled_years", default=1),
                    claim_free_years=person_r.integer("claim_free_years"),
                    claimed_last_year=person_r.flag("claimed_last_year"),
                    enrolled_from=enrolled.day("start", required=False) if enrolled else None,
                    enrolled_to=enrolled.day("end", required=False) if enrolled else None,
                    accumulators=_product_accumulators(
                        prod_acc_r.child(pid, required=False) if prod_acc_r else None, product, day
                    ),
                ),
            )
        )
    if prod_acc_r is not None:
        for pid in prod_acc_r.data:
            if pid not in product_ids:
                raise InvalidInput(prod_acc_r.at(pid), "accumulators for a product not listed in products")
    # touch the optional person fields so unknown keys are reported
    person_r.check_keys(
        {
            "psn_no", "insutype", "psn_type", "insured_region", "pre_existing", "enrolled_years", "claim_free_years",
            "claimed_last_year", "cross_region", "use_personal_account", "account_balance", "assistance_category",
            "civil_servant", "enrollments", "psn_name", "cvlserv_flag", "assistance_begndate", "assistance_enddate",
            "certifications", "family_accounts",
        }
    )  # fmt: skip
    person_r.flag("pre_existing")
    person_r.integer("enrolled_years", default=1)
    person_r.integer("claim_free_years")
    person_r.flag("claimed_last_year")
    bill_r.check_keys({"med_type", "hospital_level", "treatment_region", "items", "diagnoses", "dise_codg"})
    return Case(
        day=day,
        person=person,
        bill=bill,
        policy=policy_version,
        given=given,
        coverages=tuple(coverages),
        basic_accumulators=basic_acc,
        catalogue=book.catalogue_for(bill.treatment_region),
    )


def price_case(case: Case) -> Settlement:
    return settle(
        day=case.day,
        person=case.person,
        bill=case.bill,
        coverages=case.coverages,
        basic_accumulators=case.basic_accumulators,
        catalogue=case.catalogue,
        policy=case.policy,
        given=case.given,
    )


def render_setlinfo(s: Settlement) -> dict[str, str]:
    leg = s.basic
    t = leg.totals
    y = format_yuan
    return {
        "medfee_sumamt": y(t.medfee_sumamt),
        "fulamt_ownpay_amt": y(t.fulamt_ownpay_amt),
        "overlmt_selfpay": y(t.overlmt_selfpay),
        "preselfpay_amt": y(t.preselfpay_amt),
        "inscp_scp_amt": y(t.inscp_scp_amt),
        "act_pay_dedc": y(leg.act_pay_dedc),
        "hifp_pay": y(leg.hifp_pay),
        "pool_prop_selfpay": format_ratio(leg.pool_prop_selfpay),
        "hifmi_pay": y(leg.hifmi_pay),
        "hifob_pay": y(leg.hifob_pay),
        "cvlserv_pay": y(leg.cvlserv_pay),
        "maf_pay": y(leg.maf_pay),
        "oth_pay": y(leg.oth_pay),
        "fund_pay_sumamt": y(leg.fund_pay_sumamt),
        "psn_part_amt": y(s.psn_part_amt),
        "acct_pay": y(s.acct_pay),
        "acct_mulaid_pay": y(s.acct_mulaid_pay),
        "psn_cash_pay": y(s.psn_part_amt - s.acct_pay - s.acct_mulaid_pay),
    }


def render_setldetail(s: Settlement) -> list[dict[str, str]]:
    return [
        {
            "fund_pay_type": d.fund_pay_type,
            "fund_pay_type_name": d.fund_pay_type_name,
            "inscp_scp_amt": format_yuan(d.inscp_scp_amt),
            "crt_payb_lmt_amt": format_yuan(d.crt_payb_lmt_amt),
            "fund_payamt": format_yuan(d.fund_payamt),
            "setl_proc_info": d.setl_proc_info,
        }
        for d in s.basic.details
    ]


def render_commercial(s: Settlement) -> list[dict[str, Any]]:
    return [
        {
            "product": p.product_id,
            "name": p.name,
            "insurer": p.insurer,
            "route": p.route,
            "priority": p.priority,
            "payable": format_yuan(p.payable),
            "responsibilities": [
                {
                    "id": r.id,
                    "name": r.name,
                    "base": format_yuan(r.base),
                    "deductible_applied": format_yuan(r.deductible_applied),
                    "ratio": format_ratio(r.ratio),
                    "payable": format_yuan(r.payable),
                    "reason": r.reason,
                    "reason_code": r.reason_code,
                }
                for r in p.responsibilities
            ],
        }
        for p in s.products
    ]


def render_settlement(s: Settlement) -> dict[str, Any]:
    """The case-format output object."""
    y = format_yuan
    after = s.basic_after
    name = s.basic.benefit or "inpatient"
    if name == "chronic":  # the one 门慢 deductible, and what the fund paid for this disease
        deductible, fund = after.chronic_deductible_used, after.disease(s.basic.disease or "")
    else:
        benefit = after.benefit("inpatient" if name == "special" else name)
        deductible, fund = benefit.deductible_used, benefit.fund_paid
    basic_after: dict[str, Any] = {
        "deductible_used": y(deductible),
        "fund_paid": y(fund),
        "admissions": after.admissions,
        "subsidy_base": y(after.subsidy_base),
        "subsidy_paid": y(after.subsidy_paid),
        "referrals": after.referrals,
        "assistance_base": y(after.assistance_base),
        "chronic_deductible_used": y(after.chronic_deductible_used),
        "disease_paid": {code: y(paid) for code, paid in after.disease_paid},
    }
    for kind, key in (("civil_servant", "cvlserv_paid"), ("medical_assistance", "maf_paid")):
        if kind in dict(s.basic_after.category_paid):
            basic_after[key] = y(s.basic_after.category(kind))
    products_after: dict[str, Any] = {}
    for p in s.products:
        acc = p.accumulators_after
        entry: dict[str, Any] = {
            rid: {"deductible_used": y(a.deductible_used), "paid": y(a.paid)} for rid, a in acc.responsibilities
        }
        entry["total_paid"] = y(acc.total())
        products_after[p.product_id] = entry
    return {
        "setlinfo": render_setlinfo(s),
        "setldetail": render_setldetail(s),
        "commercial": render_commercial(s),
        "summary": {
            "total": y(s.total),
            "public_funds": y(s.public_funds),
            "commercial": y(s.commercial),
            "personal_account": y(s.acct_pay + s.acct_mulaid_pay),
            "family_account": y(s.acct_mulaid_pay),
            "cash": y(s.cash),
        },
        "accumulators_after": {"basic": basic_after, "products": products_after},
        "notes": [s.basic.note] if s.basic.note else [],
    }
