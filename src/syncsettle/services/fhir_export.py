"""FHIR R4 export (docs/fhir.md): ``ExplanationOfBenefit`` and ``ClaimResponse`` searches by
patient and date, for the insured person, for an insurer, and the platform's own export (CLI).

- The insured person (tenant = ``psn_no``) searches their own settlements only: each settlement's
  resource (items, every payer's part) and each commercial leg's, at ``result`` granularity.
- An insurer (tenant = insurer id) gets only the legs of its own products. Each leg goes through
  the :func:`release_gate` every other insurer route uses — a ``settlement`` or ``quick_claim``
  consent at the leg's approved granularity, in force on the settlement date — and is built from
  the projection at that granularity alone; a refusal is audited and the Bundle carries an
  OperationOutcome instead of the leg. Every release is audited with the fields released.
- :func:`export` (the CLI) builds the same resources for one settlement or one person's period.

The leg payload: where a pending leg's view was kept (``claim_views``) it is the very projection
the insurer's channel uses (:data:`projections.PROJECTIONS`); otherwise it is built from the
settlement's national figures (the self-pay before any commercial product) and the settled fee
lines, then cut down to :data:`projections.FIELDS` of the granularity, so a field the granularity
does not allow cannot be in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.commercial import claims as claims_repo
from syncsettle.adapters.db.commercial.commercial import filing_in_force
from syncsettle.adapters.db.settlement import settlements as settlements_repo
from syncsettle.adapters.db.settlement import visits as visit_repo
from syncsettle.domain.commercial import projections
from syncsettle.domain.commercial.view import view_from_json
from syncsettle.domain.commercial.vocabulary import ROUTE_GRANULARITY, Granularity, Purpose, Route
from syncsettle.domain.fhir import projection as fhir
from syncsettle.domain.identity import Principal, Role
from syncsettle.money import format_yuan, parse_yuan
from syncsettle.services.commercial.consents import Refused, release_gate
from syncsettle.services.commercial.filings import product_of
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management.audit import Action, Use, record
from syncsettle.services.platform import Platform

MEDIA_TYPE = "application/fhir+json"
RESOURCE_TYPES = (fhir.EOB, fhir.CR)
CONSENTS = (Purpose.SETTLEMENT, Purpose.QUICK_CLAIM)
_CREATED = re.compile(r"^(eq|ge|gt|le|lt)?(\d{4}-\d{2}-\d{2})$")


def date_range(created: Sequence[str]) -> tuple[date | None, date | None]:
    """The ``[begin, end]`` of FHIR ``created`` search values (``ge2026-01-01``, ``lt2026-02-01``,
    ``2026-01-15`` for one day); several values intersect."""
    begin: date | None = None
    end: date | None = None
    for value in created:
        m = _CREATED.match(value.strip())
        if not m:
            raise ServiceError(Code.FIELD, f"created 须为 [eq|ge|gt|le|lt]YYYY-MM-DD：{value!r}", "created")
        try:
            day = date.fromisoformat(m[2])
        except ValueError as exc:
            raise ServiceError(Code.FIELD, f"created 日期无效：{value!r}", "created") from exc
        prefix = m[1] or "eq"
        if (prefix == "gt" and day == date.max) or (prefix == "lt" and day == date.min):
            raise ServiceError(Code.FIELD, f"created 超出日期范围：{value!r}", "created")
        lo = {"eq": day, "ge": day, "gt": day + timedelta(days=1) if prefix == "gt" else day}.get(prefix)
        hi = {"eq": day, "le": day, "lt": day - timedelta(days=1) if prefix == "lt" else day}.get(prefix)
        if lo is not None:
            begin = lo if begin is None else max(begin, lo)
        if hi is not None:
            end = hi if end is None else min(end, hi)
    return begin, end


def _check_type(resource_type: str) -> None:
    if resource_type not in RESOURCE_TYPES:
        raise ServiceError(Code.FIELD, f"resource type must be one of {', '.join(RESOURCE_TYPES)}", "resource_type")


def _pick(pair: tuple[dict[str, Any], dict[str, Any]], resource_type: str | None) -> list[dict[str, Any]]:
    eob, cr = pair
    return [eob, cr] if resource_type is None else [eob if resource_type == fhir.EOB else cr]


def _settled_lines(conn: Connection, settlement: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [r for r in visit_repo.lines(conn, settlement["mdtrt_id"]) if r["setl_id"] == settlement["setl_id"]]


def _diagnoses(conn: Connection, mdtrt_id: str) -> list[str]:
    visit = visit_repo.visit(conn, mdtrt_id) or {}
    out = []
    for d in visit.get("diagnoses") or []:
        code = d.get("diag_code") if isinstance(d, dict) else d
        if code:
            out.append(str(code))
    return out


def _result_payload(settlement: Mapping[str, Any]) -> dict[str, Any]:
    return {"setl_id": settlement["setl_id"], "psn_no": settlement["psn_no"],
            "setl_date": settlement["setl_date"].isoformat()}  # fmt: skip


def _national_payload(conn: Connection, settlement: Mapping[str, Any], granularity: Granularity) -> dict[str, Any]:
    """The visit at ``granularity`` from the settlement's national figures (before any commercial
    product), cut down to the granularity's fields."""
    info = settlement["output"]["setlinfo"]
    fen = {k: parse_yuan(str(info.get(k) or "0.00")) for k in ("fulamt_ownpay_amt", "overlmt_selfpay",
                                                                 "preselfpay_amt")}  # fmt: skip
    selfpay = int(settlement["medfee_sumamt"]) - int(settlement["fund_pay_sumamt"])
    data: dict[str, Any] = {
        **_result_payload(settlement), "med_type": settlement["med_type"], "insutype": settlement["insutype"],
        "selfpay_amt": format_yuan(selfpay), "inscp_selfpay_amt": format_yuan(max(0, selfpay - sum(fen.values()))),
        "medfee_sumamt": format_yuan(int(settlement["medfee_sumamt"])),
        "fund_pay_sumamt": format_yuan(int(settlement["fund_pay_sumamt"])),
        **{k: format_yuan(v) for k, v in fen.items()},
    }  # fmt: skip
    if granularity is Granularity.DETAIL:
        data["diagnoses"] = _diagnoses(conn, settlement["mdtrt_id"])
        data["lines"] = [{k: (format_yuan(int(r[k])) if k.endswith("amt") else r[k]) for k in projections.LINE_FIELDS}
                         for r in _settled_lines(conn, settlement)]  # fmt: skip
    allowed = projections.FIELDS[granularity]
    return {k: v for k, v in data.items() if k in allowed}


def _leg_granularity(conn: Connection, leg: Mapping[str, Any], day: date) -> tuple[Granularity, dict[str, Any] | None]:
    filing = filing_in_force(conn, str(leg["product"]), day)
    if filing is not None and filing.get("granularity"):
        return Granularity(filing["granularity"]), filing
    return ROUTE_GRANULARITY.get(Route(str(leg.get("route") or "embedded")), Granularity.RESULT), filing


def leg_payload(conn: Connection, settlement: Mapping[str, Any], leg: Mapping[str, Any], granularity: Granularity,
                filing: Mapping[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    """What of the visit the leg's insurer may receive at ``granularity`` (the projection payload)."""
    if granularity not in projections.PROJECTIONS:
        return _result_payload(settlement)
    waiting = leg.get("status") in ("pending", "held")
    kept = claims_repo.get_view(conn, settlement["setl_id"]) if waiting else None
    if kept:
        version = product_of(filing).version_on(settlement["setl_date"]) if filing else None
        data = projections.PROJECTIONS[granularity](view_from_json(kept), version)
        return {k: v for k, v in data.items() if k in projections.FIELDS[granularity]}
    return _national_payload(conn, settlement, granularity)


def leg_of_insurer(leg: Mapping[str, Any]) -> dict[str, Any]:
    """The leg's own result as its insurer may see it (responsibility ids, payable, reason codes)."""
    out = {k: leg.get(k) for k in ("product", "insurer", "name", "payable", "status", "reason_code")}
    out["responsibilities"] = [{k: r.get(k) for k in ("id", "name", "payable", "reason_code")}
                               for r in leg.get("responsibilities", [])]  # fmt: skip
    return out


def current_leg(conn: Connection, leg: Mapping[str, Any]) -> dict[str, Any]:
    """The leg as it stands now: a leg left pending (or held) at the bedside takes its quick claim's state
    (settled later with its adjudication; ``held`` for review; rejected or cancelled)."""
    out = dict(leg)
    if leg.get("status") not in ("pending", "held") or not leg.get("claim_id"):
        return out
    claim = claims_repo.claim(conn, str(leg["claim_id"]))
    if claim is None:
        return out
    if claim["status"] == "settled" and claim["result"] is not None:
        out.update(status="settled", payable=claim["result"]["payable"],
                   responsibilities=claim["result"]["responsibilities"])  # fmt: skip
    elif claim["status"] in ("rejected", "cancelled"):
        out.update(status=claim["status"], reason_code=claim["status"])
    else:
        out.update(reason_code=claim["reason_code"])
    return out


def _settlements(conn: Connection, psn_no: str, begin: date | None, end: date | None) -> list[dict[str, Any]]:
    return settlements_repo.of_person(conn, psn_no, begin, end)


def _own(conn: Connection, settlement: Mapping[str, Any], resource_type: str | None) -> list[dict[str, Any]]:
    """A settlement and its legs as the person (or the platform) sees them."""
    out = _pick(fhir.settlement_resources(settlement, _settled_lines(conn, settlement),
                                          _diagnoses(conn, settlement["mdtrt_id"])), resource_type)  # fmt: skip
    for leg in settlement["output"].get("commercial", []):
        pair = fhir.leg_resources(leg_of_insurer(current_leg(conn, leg)), _result_payload(settlement), "result",
                                  settlement["status"])  # fmt: skip
        out += _pick(pair, resource_type)
    return out


def search(p: Platform, actor: Principal, resource_type: str, patient: str | None,
           created: Sequence[str] = ()) -> dict[str, Any]:  # fmt: skip
    """A searchset Bundle of ``resource_type`` for ``patient`` (a psn_no, or ``Patient/<psn_no>``)
    and ``created`` (dates, :func:`date_range`)."""
    _check_type(resource_type)
    if not patient:
        raise ServiceError(Code.FIELD, "patient（人员编号）为必填检索参数", "patient")
    patient = patient.removeprefix("Patient/")  # a reference, or the bare psn_no
    begin, end = date_range(created)
    if actor.role is Role.INSURED:
        if patient != actor.tenant:
            raise ServiceError(Code.FORBIDDEN, "只能查询本人的结算")
        with p.uow(readonly=True) as uow:
            found = [r for s in _settlements(uow.conn, patient, begin, end) for r in _own(uow.conn, s, resource_type)]
        return fhir.bundle(found, timestamp=p.clock.now().isoformat())
    if actor.role is Role.INSURER:
        return _insurer_search(p, actor, resource_type, patient, begin, end)
    raise ServiceError(Code.FORBIDDEN, "仅限参保人本人或商保机构")


def _insurer_search(p: Platform, actor: Principal, resource_type: str, patient: str, begin: date | None,
                    end: date | None) -> dict[str, Any]:  # fmt: skip
    now = p.clock.now()
    found: list[dict[str, Any]] = []
    withheld: list[dict[str, Any]] = []
    with p.uow() as uow:  # writes the audit entries of what it releases and refuses
        conn = uow.conn
        for settlement in _settlements(conn, patient, begin, end):
            for leg in settlement["output"].get("commercial", []):
                if leg.get("insurer") != actor.tenant:
                    continue
                day = settlement["setl_date"]
                granularity, filing = _leg_granularity(conn, leg, day)
                record_ids = [str(settlement["setl_id"]), f"fhir:{settlement['setl_id']}:{leg['product']}"]
                consent = release_gate(conn, now, actor, patient, actor.tenant, CONSENTS, granularity, day,
                                       record_ids, sorted(projections.FIELDS[granularity]))  # fmt: skip
                if isinstance(consent, Refused):
                    withheld.append(fhir.outcome(f"{settlement['setl_id']}/{leg['product']}: {consent.code}"))
                    continue
                payload = leg_payload(conn, settlement, leg, granularity, filing)
                pair = fhir.leg_resources(leg_of_insurer(current_leg(conn, leg)), payload, granularity.value,
                                          settlement["status"])  # fmt: skip
                found += _pick(pair, resource_type)
                fields = [f"{resource_type}:{name}" for name in projections.field_names(payload)]
                use = Use(actor, Action.RELEASE, consent["purpose"], actor.tenant, record_ids, fields,
                          psn_no=patient, consent_id=consent["id"], granularity=granularity.value)  # fmt: skip
                record(conn, now, use)
        uow.commit()
    return fhir.bundle(found, withheld, timestamp=now.isoformat())


def export(p: Platform, *, setl_id: str | None = None, psn_no: str | None = None, begin: date | None = None,
           end: date | None = None) -> dict[str, Any]:  # fmt: skip
    """The platform's export (CLI): a ``collection`` Bundle of one settlement's resources, or of a
    person's settlements in ``[begin, end]`` — the settlement, and every leg at ``result``."""
    with p.uow(readonly=True) as uow:
        if setl_id is not None:
            one = settlements_repo.settlement(uow.conn, setl_id)
            if one is None or one["refd_setl_flag"] != "0":
                raise ServiceError(Code.NOT_FOUND, f"结算 {setl_id} 不存在", "setl_id")
            chosen = [one]
        elif psn_no is not None:
            chosen = _settlements(uow.conn, psn_no, begin, end)
        else:
            raise ServiceError(Code.FIELD, "须给出 setl_id 或 psn_no", "setl_id")
        found = [r for s in chosen for r in _own(uow.conn, s, None)]
    return fhir.bundle(found, kind="collection", timestamp=p.clock.now().isoformat())


def amounts(resource: Mapping[str, Any], key: str = "total") -> dict[str, Decimal]:
    """``code → value`` of a resource's totals (or header adjudications), by their first coding (tests, docs)."""
    return {e["category"]["coding"][0]["code"]: Decimal(str(e["amount"]["value"])) for e in resource.get(key, [])}
