"""HL7 FHIR R4 ``ExplanationOfBenefit`` and ``ClaimResponse`` of a settlement and of each commercial
leg: a projection, like :mod:`syncsettle.domain.commercial.projections`, never a copy of the raw
medical-insurance data.

- :func:`settlement_resources`, for the insured person (their own settlement) and the platform's
  CLI: the whole bill. Items are the settled fee lines (quantity, unit price, net) with their
  national split (``eligible`` = 政策范围内, and ``copay`` with the reasons ``out_of_scope``,
  ``overlimit``, ``preselfpay``); the header adjudications and totals say what each payer paid
  (pooled fund, critical illness, large-expense, civil servant, medical assistance, personal and
  family account, each commercial product, cash). It names the person by ``psn_no`` only: no
  name, no certificate number, no birth date.
- :func:`leg_resources`, for an insurer: one product's leg built from the projection payload at
  the leg's approved granularity (:data:`syncsettle.domain.commercial.projections.FIELDS`) and the
  leg's own result. ``result`` gives the payable and each responsibility's amount and reason code;
  ``settlement_summary`` adds med_type, insutype and the self-pay amounts; ``category`` the
  bill's total, the public funds and the self-pay by class; ``detail`` the itemised lines and the
  diagnoses. :data:`LEG_ELEMENTS` lists the top-level elements each granularity may carry (the
  tests hold every resource against it).

Amounts arrive as two-decimal yuan strings (fen inside, :func:`syncsettle.money.format_yuan`) and
become FHIR ``Money`` (decimal, currency CNY). Every resource is built as a plain dict and then
parsed by the ``fhir.resources`` R4B models (:func:`validated`), so nothing leaves unvalidated.
Pure functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
from fhir.resources.R4B.operationoutcome import OperationOutcome

from syncsettle.domain.fhir import codes as c
from syncsettle.money import format_yuan

EOB, CR = "ExplanationOfBenefit", "ClaimResponse"
MODELS: dict[str, Any] = {EOB: ExplanationOfBenefit, CR: ClaimResponse, "OperationOutcome": OperationOutcome}
CNT_PLACES, PRIC_PLACES = 4, 6  # national interface: cnt (16,4), pric (16,6)

_COMMON = frozenset({"resourceType", "id", "meta", "identifier", "status", "type", "use", "patient", "created",
                     "insurer", "outcome", "adjudication", "total", "processNote", "contained",
                     "insurance"})  # fmt: skip
_EOB_ONLY = frozenset({"provider", "billablePeriod"})
LEG_ELEMENTS: dict[str, frozenset[str]] = {
    "result": _COMMON | _EOB_ONLY,
    "settlement_summary": _COMMON | _EOB_ONLY | {"subType"},
    "category": _COMMON | _EOB_ONLY | {"subType"},
    "detail": _COMMON | _EOB_ONLY | {"subType", "item", "diagnosis"},
}
"""Per granularity, the top-level elements a leg's resource may carry."""


def money(yuan: str | int) -> dict[str, Any]:
    """FHIR Money from a two-decimal yuan string (or fen as int)."""
    text = format_yuan(yuan) if isinstance(yuan, int) else yuan
    return {"value": Decimal(text), "currency": c.CURRENCY}


def _scaled(value: int, places: int) -> Decimal:
    return Decimal(value).scaleb(-places).normalize()


def _concept(*codings: dict[str, str], text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": list(codings)}
    if text:
        out["text"] = text
    return out


def _adjudication(category: dict[str, Any], amount: str | int, reason_code: str | None = None) -> dict[str, Any]:
    out = {"category": category, "amount": money(amount)}
    if reason_code:
        out["reason"] = c.reason(reason_code)
    return out


def _hl7(code: str) -> dict[str, Any]:
    return _concept(c.coding(c.HL7_ADJUDICATION, code))


def resource_id(kind: str, *parts: str) -> str:
    """A FHIR id (``[A-Za-z0-9.-]{1,64}``): ``eob-<setl_id>[-<product>]``, hashed when too long."""
    prefix = "eob" if kind == EOB else "cr"
    text = "-".join((prefix, *parts)).replace("_", "-")
    if len(text) > 64 or any(not (ch.isascii() and (ch.isalnum() or ch in "-.")) for ch in text):
        text = f"{prefix}-{parts[0]}-{hashlib.sha256('-'.join(parts).encode()).hexdigest()[:16]}"
    return text


def payer_category(payer: str, fund_pay_type: str | None = None, product: str | None = None) -> dict[str, Any]:
    """The category of a payer's part: a :data:`~syncsettle.domain.fhir.codes.PAYER` coding, with the
    national fund_pay_type or the commercial product as a second coding."""
    codings = [c.coding(c.PAYER, payer, c.PAYER_NAMES.get(payer))]
    if fund_pay_type:
        codings.append(c.fund_pay_type_coding(fund_pay_type))
    if product:
        codings.append(c.coding(c.PRODUCT, product))
    return _concept(*codings)


def _status(settlement_status: str) -> str:
    return "cancelled" if settlement_status == "reversed" else "active"


def _absent() -> dict[str, Any]:
    """A required reference the projection does not allow (the hospital, for an insurer)."""
    return {"extension": [{"url": c.DATA_ABSENT, "valueCode": "masked"}]}


def _identifier(setl_id: str, product: str | None = None) -> list[dict[str, str]]:
    return [{"system": c.SETL_ID, "value": setl_id if product is None else f"{setl_id}/{product}"}]


def _patient(psn_no: str) -> dict[str, Any]:
    return {"reference": f"Patient/{psn_no}", "identifier": {"system": c.PSN_NO, "value": psn_no}}


def _coverage(ref_id: str, psn_no: str, payor: str, kind: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Coverage", "id": ref_id, "status": "active", "type": kind,
            "beneficiary": {"reference": f"Patient/{psn_no}"}, "payor": [{"display": payor}]}  # fmt: skip


# -- the whole settlement ------------------------------------------------------------------------


def _payer_parts(settlement: Mapping[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """(category, yuan) of every payer that paid a non-zero part, in the national order, then each
    commercial product, then cash."""
    output = settlement["output"]
    info = output["setlinfo"]
    parts = []
    for payer, (field, fund) in c.PAYERS.items():
        if payer == "cash":
            continue
        amount = str(info.get(field) or "0.00")
        if Decimal(amount) == 0:
            continue
        if payer == "hifp":
            fund = c.HIFP_FUND.get(settlement["insutype"])
        parts.append((payer_category(payer, fund), amount))
    for leg in output.get("commercial", []):
        if Decimal(str(leg.get("payable") or "0")) != 0 and leg.get("status", "settled") == "settled":
            parts.append((payer_category("commercial", product=str(leg["product"])), str(leg["payable"])))
    parts.append((payer_category("cash"), str(info.get("psn_cash_pay") or "0.00")))
    return parts


def _line_item(sequence: int, line: Mapping[str, Any], claim_response: bool, *, priced: bool = True) -> dict[str, Any]:
    """One fee line: what was billed, what was eligible and the reason-coded self-pay. ``priced``: a
    stored fee line (amounts in fen, with quantity and unit price); otherwise a ``detail`` projection
    line (yuan strings, no quantity or price)."""

    def amount(field: str) -> str | int:
        return line[field] if priced else str(line[field])

    adjudication = [_adjudication(_hl7("submitted"), amount("det_item_fee_sumamt")),
                    _adjudication(_hl7("eligible"), amount("inscp_scp_amt"))]  # fmt: skip
    for field, why in c.LINE_REASONS.items():
        if line[field] if priced else Decimal(str(line[field])) != 0:
            adjudication.append(_adjudication(_hl7("copay"), amount(field), why))
    if claim_response:
        return {"itemSequence": sequence, "adjudication": adjudication}
    item: dict[str, Any] = {
        "sequence": sequence,
        "category": _concept(c.coding(c.CHRGITM_TYPE, str(line["med_chrgitm_type"]))),
        "productOrService": _concept(c.coding(c.MED_LIST, str(line["med_list_codg"]))),
        "modifier": [_concept(c.coding(c.CHRGITM_LV, str(line["chrgitm_lv"])))],
    }
    if priced:
        item["quantity"] = {"value": _scaled(int(line["cnt"]), CNT_PLACES)}
        item["unitPrice"] = {"value": _scaled(int(line["pric"]), PRIC_PLACES), "currency": c.CURRENCY}
    item["net"] = money(amount("det_item_fee_sumamt"))
    item["adjudication"] = adjudication
    return item


def settlement_resources(settlement: Mapping[str, Any], lines: Sequence[Mapping[str, Any]],
                         diagnoses: Sequence[str] = ()) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """The settlement's EOB and ClaimResponse (validated JSON-ready dicts). ``settlement`` is a
    ``settlements`` row with its stored answer (``output``); ``lines`` its settled fee lines
    (``fee_lines`` rows: fen, cnt to 4 and pric to 6 places); ``diagnoses`` ICD-10 codes."""
    output = settlement["output"]
    info = output["setlinfo"]
    setl_id, psn_no, med_type = settlement["setl_id"], settlement["psn_no"], settlement["med_type"]
    coverages = [_coverage("basic", psn_no, "基本医疗保险", _concept(c.insutype_coding(settlement["insutype"])))]
    for i, leg in enumerate(output.get("commercial", []), start=1):
        coverages.append(_coverage(f"product{i}", psn_no, str(leg.get("insurer", "")),
                                   _concept(c.coding(c.PRODUCT, str(leg["product"]), leg.get("name")))))  # fmt: skip
    parts = _payer_parts(settlement)
    header = [_adjudication(cat, amount) for cat, amount in parts]
    for detail in output.get("setldetail", []):  # the national per-fund lines, with their eligible base
        cat = payer_category("fund", str(detail["fund_pay_type"]))
        header.append(_adjudication(_concept(*cat["coding"][1:], c.coding(c.HL7_ADJUDICATION, "eligible")),
                                    str(detail["inscp_scp_amt"])))  # fmt: skip
    for field, why in c.CLASS_REASONS.items():  # what the patient bore and why (national setlinfo)
        source = {"overlmt_selfpay": "overlmt_selfpay", "fulamt_ownpay_amt": "fulamt_ownpay_amt",
                  "preselfpay_amt": "preselfpay_amt"}.get(field)  # fmt: skip
        if source and Decimal(str(info.get(source) or "0")) != 0:
            header.append(_adjudication(_hl7("copay"), str(info[source]), why))
    if Decimal(str(info.get("act_pay_dedc") or "0")) != 0:
        header.append(_adjudication(_hl7("deductible"), str(info["act_pay_dedc"])))
    totals = [
        {"category": _hl7("submitted"), "amount": money(str(info["medfee_sumamt"]))},
        {"category": _hl7("eligible"), "amount": money(str(info["inscp_scp_amt"]))},
        {"category": _hl7("benefit"), "amount": money(int(settlement["fund_pay_sumamt"])
                                                          + int(settlement["commercial_sumamt"]))},
        *({"category": cat, "amount": money(amount)} for cat, amount in parts),
    ]  # fmt: skip
    pending = [x for x in output.get("commercial", []) if x.get("status", "settled") != "settled"]
    notes = [{"number": n, "type": "display", "text": f"{leg['product']}: {leg.get('reason', '')}"}
             for n, leg in enumerate(pending, 1)]  # fmt: skip
    common: dict[str, Any] = {
        "identifier": _identifier(setl_id),
        "status": _status(settlement["status"]),
        "type": _concept(c.claim_type_coding(med_type), c.coding(c.CLAIM_KIND, "settlement")),
        "use": "claim",
        "patient": _patient(psn_no),
        "created": settlement["setl_time"].isoformat(),
        "insurer": {
            "display": "基本医疗保险经办机构",
            "identifier": {"system": c.ADMDVS, "value": str(info.get("clr_optins") or "")},
        },
        "outcome": "partial" if notes else "complete",
        "adjudication": header,
        "total": totals,
    }
    if notes:
        common["processNote"] = notes
    provider = {"identifier": {"system": c.FIXMEDINS, "value": settlement["fixmedins_code"]}}
    eob = {
        "resourceType": EOB, "id": resource_id(EOB, setl_id), "contained": coverages, **common,
        "subType": _concept(c.med_type_coding(med_type)), "provider": provider,
        "insurance": [{"focal": i == 0, "coverage": {"reference": f"#{cov['id']}"}} for i, cov in enumerate(coverages)],
        "item": [_line_item(n, line, False) for n, line in enumerate(lines, start=1)],
    }  # fmt: skip
    if diagnoses:
        eob["diagnosis"] = [{"sequence": n, "diagnosisCodeableConcept": _concept(c.coding(c.ICD10, d))}
                            for n, d in enumerate(diagnoses, start=1)]  # fmt: skip
    cr = {"resourceType": CR, "id": resource_id(CR, setl_id), **common, "subType": eob["subType"],
          "item": [_line_item(n, line, True) for n, line in enumerate(lines, start=1)]}  # fmt: skip
    if not eob["item"]:
        del eob["item"], cr["item"]
    return validated(eob), validated(cr)


# -- one commercial leg --------------------------------------------------------------------------


def _leg_header(leg: Mapping[str, Any], payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    product = str(leg["product"])
    out = []
    status = leg.get("status", "settled")
    payable = str(leg.get("payable") or "0.00")
    if status == "settled":
        out.append(_adjudication(payer_category("commercial", product=product), payable, "paid"))
    else:
        out.append(_adjudication(payer_category("commercial", product=product), "0.00",
                                 str(leg.get("reason_code") or status)))  # fmt: skip
    for r in leg.get("responsibilities", []):
        category = _concept(c.coding(c.RESPONSIBILITY, f"{product}#{r['id']}", r.get("name")),
                            c.coding(c.HL7_ADJUDICATION, "benefit"))  # fmt: skip
        out.append(_adjudication(category, str(r["payable"]), str(r.get("reason_code") or "paid")))
    for field, why in c.CLASS_REASONS.items():  # the self-pay by class, as far as the granularity tells
        if field in payload:
            out.append(_adjudication(_hl7("copay"), str(payload[field]), why))
    if "selfpay_amt" in payload:
        out.append(_adjudication(_hl7("copay"), str(payload["selfpay_amt"])))
    return out


def leg_resources(leg: Mapping[str, Any], payload: Mapping[str, Any], granularity: str,
                  settlement_status: str = "settled") -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """One leg's EOB and ClaimResponse for its insurer. ``leg`` is the leg of the stored answer
    (product, insurer, payable, status, pending ``reason_code``, responsibilities with payable and
    reason_code); ``payload`` the projection of the visit at ``granularity`` (``setl_id``,
    ``psn_no``, ``setl_date`` and the granularity's fields). Only ``payload`` and the leg's result
    are read: nothing else of the settlement can reach the resource."""
    setl_id, psn_no, product = str(payload["setl_id"]), str(payload["psn_no"]), str(leg["product"])
    status = leg.get("status", "settled")
    pending = status != "settled"
    kind = [c.coding(c.CLAIM_KIND, "commercial")]
    if "med_type" in payload:
        kind.insert(0, c.claim_type_coding(str(payload["med_type"])))
    coverage_type = [c.coding(c.PRODUCT, product, leg.get("name"))]
    if "insutype" in payload:
        coverage_type.append(c.insutype_coding(str(payload["insutype"])))
    totals = [{"category": _hl7("benefit"), "amount": money("0.00" if pending else str(leg.get("payable") or "0.00"))}]
    if "medfee_sumamt" in payload:
        totals.insert(0, {"category": _hl7("submitted"), "amount": money(str(payload["medfee_sumamt"]))})
    if "fund_pay_sumamt" in payload:
        totals.append({"category": payer_category("fund"), "amount": money(str(payload["fund_pay_sumamt"]))})
    common: dict[str, Any] = {
        "meta": {"tag": [c.coding(c.GRANULARITY, granularity)]},
        "identifier": _identifier(setl_id, product),
        "status": _status(settlement_status),
        "type": _concept(*kind),
        "use": "claim",
        "patient": _patient(psn_no),
        "created": str(payload["setl_date"]),
        "insurer": {"reference": f"Organization/{leg['insurer']}"},
        "outcome": "queued" if pending else "complete",
        "adjudication": _leg_header(leg, payload),
        "total": totals,
    }
    if pending:
        common["processNote"] = [{"number": 1, "type": "display", "text": c.REASONS.get(
            str(leg.get("reason_code") or ""), str(leg.get("reason_code") or status))}]  # fmt: skip
    if "med_type" in payload:
        common["subType"] = _concept(c.med_type_coding(str(payload["med_type"])))
    coverage = _coverage("product", psn_no, str(leg["insurer"]), _concept(*coverage_type))
    eob = {"resourceType": EOB, "id": resource_id(EOB, setl_id, product), **common, "contained": [coverage],
           "provider": _absent(), "insurance": [{"focal": True, "coverage": {"reference": "#product"}}]}  # fmt: skip
    cr = {"resourceType": CR, "id": resource_id(CR, setl_id, product), **common}
    lines = payload.get("lines") or []
    if lines:
        eob["item"] = [_line_item(n, line, False, priced=False) for n, line in enumerate(lines, start=1)]
        cr["item"] = [_line_item(n, line, True, priced=False) for n, line in enumerate(lines, start=1)]
    if payload.get("diagnoses"):
        eob["diagnosis"] = [{"sequence": n, "diagnosisCodeableConcept": _concept(c.coding(c.ICD10, str(d)))}
                            for n, d in enumerate(payload["diagnoses"], start=1)]  # fmt: skip
    return validated(eob), validated(cr)


# -- validation and bundles ----------------------------------------------------------------------


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """Parse ``resource`` with the fhir.resources R4B model of its type (raises on anything the
    specification does not allow) and return the model's own JSON form."""
    model = MODELS[resource["resourceType"]].model_validate(resource)
    return _json_form(model)


def _json_form(model: Any) -> dict[str, Any]:
    import json

    data: dict[str, Any] = json.loads(model.model_dump_json())
    return data


def outcome(text: str, code: str = "suppressed") -> dict[str, Any]:
    """An OperationOutcome telling why entries were left out (a refused consent)."""
    return validated({"resourceType": "OperationOutcome",
                      "issue": [{"severity": "information", "code": code, "diagnostics": text}]})  # fmt: skip


def bundle(resources: Sequence[dict[str, Any]], outcomes: Sequence[dict[str, Any]] = (), *,
           kind: str = "searchset", base: str = c.BASE, timestamp: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A ``searchset`` (or ``collection``) Bundle of ``resources`` (search mode ``match``) and
    ``outcomes`` (mode ``outcome``), each already :func:`validated`. The envelope is validated by
    the Bundle model without its resources (parsing them a second time would double the cost);
    the tests parse whole Bundles back."""
    found: list[tuple[str | None, dict[str, Any], str]] = [
        (f"{base}/{r['resourceType']}/{r['id']}", r, "match") for r in resources
    ]
    found += [(None, o, "outcome") for o in outcomes]
    shells: list[dict[str, Any]] = []
    for url, _r, mode in found:
        shell: dict[str, Any] = {} if url is None else {"fullUrl": url}
        if kind == "searchset":
            shell["search"] = {"mode": mode}
        shells.append(shell)
    data: dict[str, Any] = {"resourceType": "Bundle", "type": kind, "entry": shells}
    if kind == "searchset":
        data["total"] = len(resources)
    if timestamp:
        data["timestamp"] = timestamp
    out = _json_form(Bundle.model_validate(data))
    entries = []
    for (url, resource, _mode), shell in zip(found, shells, strict=True):
        entry: dict[str, Any] = {"fullUrl": url} if url else {}
        entry["resource"] = resource
        if "search" in shell:
            entry["search"] = shell["search"]
        entries.append(entry)
    out["entry"] = entries
    if not out["entry"]:
        del out["entry"]
    return out
