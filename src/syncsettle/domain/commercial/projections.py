"""The only payloads that leave the medical-insurance domain: one projection per granularity.

- ``result`` (route ``embedded``), :func:`result`: the payable amount and, per responsibility, its
  payable and result category;
- ``dual_platform``, :func:`minimum_necessary`: only what this product's rules read — the burden
  classes its responsibilities cover, its own drug-list totals, the diagnoses its exclusions name,
  the insutype and cross-region status only when its rules depend on them;
- ``settlement_summary``, :func:`settlement_summary`: visit type (med_type, insutype, cross-region
  status), the self-pay amount and the in-policy self-pay amount;
- ``category``, :func:`category`: the summary plus the total, the public funds paid and the
  self-pay by class;
- ``detail``, :func:`detail`: the category plus the itemised fee lines, the diagnoses and the
  self-pay by class of the lines on this product's drug lists.

Every payload also names the settlement (``setl_id``), the person (``psn_no``: the insurer's own
policyholder) and the date. Amounts are yuan strings. The self-pay figures are what the patient
still owes when this product's turn comes (after the public funds and the products before it).

:data:`FIELDS` lists each granularity's fields (and :data:`NESTED` the fields inside its lists);
the tests hold every payload that crosses the channel against them. Pure functions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from syncsettle.domain.commercial.view import VisitView
from syncsettle.domain.commercial.vocabulary import Granularity
from syncsettle.domain.rules.product import BASE_COMPONENTS, ProductVersion
from syncsettle.domain.settlement.burden import COMPONENTS
from syncsettle.domain.settlement.commercial import ProductResult
from syncsettle.money import format_yuan

_Y = format_yuan

CLASS_FIELDS = {
    "in_scope_selfpay": "inscp_selfpay_amt",  # 政策范围内个人自付
    "preselfpay": "preselfpay_amt",  # 乙类先行自付
    "cross_region_selfpay": "cross_region_selfpay",  # 异地就医先行自付
    "overlimit": "overlmt_selfpay",  # 超限价自付
    "out_of_scope": "fulamt_ownpay_amt",  # 全自费
}
"""Burden component → the payload field that carries what is left of it."""

IDENTITY = frozenset({"setl_id", "psn_no", "setl_date"})
RESULT_FIELDS = IDENTITY | {"payable", "responsibilities"}
SUMMARY_FIELDS = IDENTITY | {"med_type", "insutype", "cross_region_status", "selfpay_amt", "inscp_selfpay_amt"}
CATEGORY_FIELDS = SUMMARY_FIELDS | {"medfee_sumamt", "fund_pay_sumamt", *CLASS_FIELDS.values()}
DETAIL_FIELDS = CATEGORY_FIELDS | {"diagnoses", "lines", "drug_rows"}
MINIMUM_FIELDS = IDENTITY | {"med_type", "insutype", "cross_region_status", "diagnoses", "drug_totals",
                             *CLASS_FIELDS.values()}  # fmt: skip
"""Everything :func:`minimum_necessary` may send; for one product it sends only a part (:func:`minimum_fields`)."""

FIELDS: dict[Granularity, frozenset[str]] = {
    Granularity.RESULT: RESULT_FIELDS,
    Granularity.SETTLEMENT_SUMMARY: SUMMARY_FIELDS,
    Granularity.CATEGORY: CATEGORY_FIELDS,
    Granularity.DETAIL: DETAIL_FIELDS,
}
LINE_FIELDS = frozenset({"feedetl_sn", "med_list_codg", "med_chrgitm_type", "chrgitm_lv", "det_item_fee_sumamt",
                         "fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt"})  # fmt: skip
NESTED: dict[str, frozenset[str]] = {
    "responsibilities": frozenset({"id", "payable", "reason_code"}),
    "lines": LINE_FIELDS,
    "drug_rows": frozenset({"med_list_codg", *CLASS_FIELDS.values()}),
    "drug_totals": frozenset({"med_list_codg", "amount"}),
}


def field_names(payload: dict[str, Any]) -> list[str]:
    """Every field a payload carries: ``key``, and ``key[].sub`` inside lists of objects (sorted)."""
    names: set[str] = set()
    for key, value in payload.items():
        names.add(key)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    names.update(f"{key}[].{sub}" for sub in item)
    return sorted(names)


def _identity(view: VisitView) -> dict[str, Any]:
    return {"setl_id": view.setl_id, "psn_no": view.psn_no, "setl_date": view.setl_date.isoformat()}


def result(setl_id: str, psn_no: str, day: date, outcome: ProductResult) -> dict[str, Any]:
    """``result``: what a product pays, and per responsibility its payable and result category."""
    return {
        "setl_id": setl_id,
        "psn_no": psn_no,
        "setl_date": day.isoformat(),
        "payable": _Y(outcome.payable),
        "responsibilities": [
            {"id": r.id, "payable": _Y(r.payable), "reason_code": r.reason_code} for r in outcome.responsibilities
        ],
    }


def settlement_summary(view: VisitView, version: ProductVersion | None = None) -> dict[str, Any]:
    """``settlement_summary``: visit type, the self-pay amount and the in-policy self-pay amount."""
    left = view.left()
    return {
        **_identity(view),
        "med_type": view.med_type,
        "insutype": view.insutype,
        "cross_region_status": view.cross_region_status,
        "selfpay_amt": _Y(sum(left.values())),
        "inscp_selfpay_amt": _Y(left["in_scope_selfpay"]),
    }


def category(view: VisitView, version: ProductVersion | None = None) -> dict[str, Any]:
    """``category``: the summary, the bill's total and public funds, and the self-pay by class."""
    left = view.left()
    return {
        **settlement_summary(view),
        "medfee_sumamt": _Y(view.medfee_sumamt),
        "fund_pay_sumamt": _Y(view.fund_pay_sumamt),
        **{CLASS_FIELDS[name]: _Y(amount) for name, amount in left.items()},
    }


def _codes(version: ProductVersion | None) -> frozenset[str]:
    return frozenset(version.list_of_code) if version is not None else frozenset()


def detail(view: VisitView, version: ProductVersion | None = None) -> dict[str, Any]:
    """``detail``: the category, the itemised lines with their splits, the diagnoses, and the self-pay
    by class of the lines on this product's drug lists (``drug_rows``, included in the classes)."""
    codes = _codes(version)
    return {
        **category(view),
        "diagnoses": list(view.diagnoses),
        "lines": [
            {"feedetl_sn": s.feedetl_sn, "med_list_codg": s.med_list_codg, "med_chrgitm_type": s.med_chrgitm_type,
             "chrgitm_lv": s.chrgitm_lv, "det_item_fee_sumamt": _Y(s.det_item_fee_sumamt),
             "fulamt_ownpay_amt": _Y(s.fulamt_ownpay_amt), "overlmt_amt": _Y(s.overlmt_amt),
             "preselfpay_amt": _Y(s.preselfpay_amt), "inscp_scp_amt": _Y(s.inscp_scp_amt)}
            for s in view.lines
        ],
        "drug_rows": [
            {"med_list_codg": code, **{CLASS_FIELDS[n]: _Y(a) for n, a in zip(COMPONENTS, amounts, strict=True)}}
            for code, amounts in view.rows
            if code is not None and code in codes
        ],
    }  # fmt: skip


def minimum_fields(version: ProductVersion) -> frozenset[str]:
    """The fields :func:`minimum_necessary` sends for this product version, from its rules alone."""
    resps = version.responsibilities
    fields = set(IDENTITY) | {"med_type"}
    fields |= {CLASS_FIELDS[c] for r in resps for c in r.covers if c in BASE_COMPONENTS}
    if any(r.deductible.by_insutype for r in resps):
        fields.add("insutype")
    if any(r.ratio.cross_region for r in resps):
        fields.add("cross_region_status")
    if version.drug_lists:
        fields.add("drug_totals")
    if version.excluded_diagnoses:
        fields.add("diagnoses")
    return frozenset(fields)


def minimum_necessary(view: VisitView, version: ProductVersion) -> dict[str, Any]:
    """``dual_platform``: only what this product version's rules read (:func:`minimum_fields`); the
    classes exclude the lines on its drug lists, which go as one total per code; of the diagnoses,
    only those its exclusions name."""
    fields = minimum_fields(version)
    codes = _codes(version)
    left = view.left(codes)
    out: dict[str, Any] = {**_identity(view), "med_type": view.med_type}
    out.update({CLASS_FIELDS[n]: _Y(a) for n, a in left.items() if CLASS_FIELDS[n] in fields})
    if "insutype" in fields:
        out["insutype"] = view.insutype
    if "cross_region_status" in fields:
        out["cross_region_status"] = view.cross_region_status
    if "drug_totals" in fields:
        out["drug_totals"] = [{"med_list_codg": c, "amount": _Y(a)} for c, a in view.drug_totals(codes).items()]
    if "diagnoses" in fields:
        prefixes = tuple(p.upper() for p in version.excluded_diagnoses)
        out["diagnoses"] = [d for d in view.diagnoses if d.upper().startswith(prefixes)]
    return out


Projection = Callable[[VisitView, ProductVersion | None], dict[str, Any]]
PROJECTIONS: dict[Granularity, Projection] = {
    Granularity.SETTLEMENT_SUMMARY: settlement_summary,
    Granularity.CATEGORY: category,
    Granularity.DETAIL: detail,
}
"""The insurer-side (direct) routes: granularity → projection."""

_OTHERS = frozenset(BASE_COMPONENTS) - {"in_scope_selfpay"}


def computable(version: ProductVersion, granularity: Granularity | str) -> str | None:
    """Why a product version's rules cannot be evaluated exactly from a projection at ``granularity``
    (``"minimum"`` for the dual platform), or ``None`` when they can. Responsibilities must cover
    disjoint classes (so how one payment is spread over cells never changes another's base); without
    item lines there can be no drug lists and no diagnosis exclusions; the summary tells the
    in-policy self-pay apart from the rest, and nothing finer. The filing lifecycle approves a
    route only where this holds (``lifecycle.route_problem``)."""
    covers = [set(r.covers) & set(BASE_COMPONENTS) for r in version.responsibilities]
    for i, a in enumerate(covers):
        for b in covers[i + 1 :]:
            if a & b:
                return f"responsibilities share the classes {sorted(a & b)}"
    if granularity in ("minimum", Granularity.DETAIL):
        return None
    if version.drug_lists:
        return "drug lists need item lines (detail)"
    if version.excluded_diagnoses:
        return "diagnosis exclusions need the diagnoses (detail)"
    if granularity == Granularity.SETTLEMENT_SUMMARY:
        for r, c in zip(version.responsibilities, covers, strict=True):
            if c != {"in_scope_selfpay"} and not c >= _OTHERS:
                return f"{r.id} covers {sorted(c)}: the summary only tells in-policy self-pay from the rest"
    if granularity == Granularity.RESULT:
        return "a result carries no data to evaluate rules on"
    return None
