"""Use cases of slips: a signed slip for a caller allowed to see it (one audit entry per view), and
the public verification of a slip someone shows (by QR code, or by pasting its JSON document).

Who may see a settlement's slips: the insured person (their ``psn_no``), the hospital that settled
it, the operator, a regulator whose region covers the person's insured region or the hospital's.
Insurers never see a slip: what they receive is the projection their product's granularity allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.commercial import filings as filing_repo
from syncsettle.adapters.db.settlement import people, visits
from syncsettle.adapters.db.settlement import settlements as settlement_repo
from syncsettle.domain.identity import Principal, Role
from syncsettle.domain.slip_ids import slips_of as slips_of
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management import audit
from syncsettle.services.platform import Platform
from syncsettle.services.slips.content import parse_slip_id, slip_content, slip_kinds
from syncsettle.services.slips.signing import SIGNER, SignedSlip, sign, verify

PURPOSE = "slip"


@dataclass(frozen=True, slots=True)
class Record:
    settlement: dict[str, Any]
    hospital_name: str
    hospital_region: str
    insured_region: str
    insurer_names: dict[str, str]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What ``/verify`` says: whether the signature holds over the content, whether that content is
    what the platform's records say today, and the settlement's current status."""

    valid: bool
    content: dict[str, Any] | None
    matches_record: bool
    status: str | None
    found: bool = True  # False: no slip of that id in the records (a mistyped or unknown id)


def _record(conn: Connection, setl_id: str) -> Record | None:
    row = settlement_repo.settlement(conn, setl_id)
    if row is None:
        return None
    hospital = people.hospital(conn, row["fixmedins_code"])
    visit = visits.visit(conn, row["mdtrt_id"]) or {}
    names = {}
    for leg in (row.get("output") or {}).get("commercial") or []:
        insurer = filing_repo.insurer(conn, str(leg.get("insurer")))
        if insurer is not None:
            names[insurer["insurer_id"]] = insurer["name"]
    name, region = (hospital.fixmedins_name, hospital.admdvs) if hospital else (row["fixmedins_code"], "")
    return Record(row, name, region,
                  visit.get("insuplc_admdvs", ""), names)  # fmt: skip


def may_see(principal: Principal, record: Record) -> bool:
    s = record.settlement
    match principal.role:
        case Role.OPERATOR:
            return principal.owns("*")
        case Role.REGULATOR:
            return principal.owns(record.insured_region) or principal.owns(record.hospital_region)
        case Role.HOSPITAL:
            return principal.owns(s["fixmedins_code"])
        case Role.INSURED:
            return principal.owns(s["psn_no"])
    return False


def _find(conn: Connection, slip_id: str) -> tuple[Record, str] | None:
    parsed = parse_slip_id(slip_id)
    if parsed is None:
        return None
    setl_id, kind = parsed
    record = _record(conn, setl_id)
    if record is None or kind not in slip_kinds(record.settlement):
        return None
    return record, kind


def issue(p: Platform, principal: Principal, slip_id: str) -> SignedSlip:
    """The signed slip, if ``principal`` may see it; the view (or the refusal) is audited."""
    with p.uow() as uow:
        found = _find(uow.conn, slip_id)
        if found is None:
            raise ServiceError(Code.NOT_FOUND, f"结算单 {slip_id} 不存在", "slip_id")
        record, kind = found
        content = slip_content(kind, record.settlement, record.hospital_name, record.insurer_names)
        allowed = _audited(uow.conn, p, principal, record, sorted(content))
        uow.commit()
    if not allowed:
        raise ServiceError(Code.FORBIDDEN, "无权查看其他主体的结算单", "slip_id")
    return sign(p.settings.keys.signer(SIGNER), content)


def _audited(conn: Connection, p: Platform, principal: Principal, record: Record, fields: list[str]) -> bool:
    """Whether ``principal`` may see the record's settlement; the view (or the refusal) is audited."""
    s = record.settlement
    allowed = may_see(principal, record)
    audit.record(
        conn,
        p.clock.now(),
        audit.Use(
            actor=principal, action=audit.Action.READ if allowed else audit.Action.REFUSAL, purpose=PURPOSE,
            recipient=principal.label, record_ids=[s["setl_id"]], fields=fields, psn_no=s["psn_no"],
            outcome="released" if allowed else "refused", reason="" if allowed else "not the caller's settlement",
        ),
    )  # fmt: skip
    return allowed


def settlement(p: Platform, principal: Principal, setl_id: str) -> dict[str, Any]:
    """One settlement as its slips' readers see it (the hospital's answer: ``setlinfo``, ``setldetail``,
    ``commercial`` legs, ``summary``), with its status, reversal links, hospital name and slip ids —
    for a caller who may see its slips (the same rule, audited the same way; 404 for anyone else,
    so an id does not reveal that another party's settlement exists)."""
    with p.uow() as uow:
        record = _record(uow.conn, setl_id)
        allowed = record is not None and _audited(uow.conn, p, principal, record, ["answer"])
        uow.commit()
    if record is None or not allowed:
        raise ServiceError(Code.NOT_FOUND, f"结算 {setl_id} 不存在", "setl_id")
    return {**record.settlement, "hospital_name": record.hospital_name, "slips": slips_of(record.settlement),
            "insurer_names": record.insurer_names}  # fmt: skip


def _recorded(p: Platform, slip_id: str) -> tuple[dict[str, Any], str] | None:
    with p.uow(readonly=True) as uow:
        found = _find(uow.conn, slip_id)
    if found is None:
        return None
    record, kind = found
    return (slip_content(kind, record.settlement, record.hospital_name, record.insurer_names),
            record.settlement["status"])  # fmt: skip


def check_id(p: Platform, slip_id: str, signature: str) -> Verdict:
    """A scanned QR code: the slip the records give for ``slip_id``, shown only when ``signature`` holds."""
    recorded = _recorded(p, slip_id)
    if recorded is None:
        return Verdict(False, None, False, None, found=False)
    content, status = recorded
    if not verify(p.settings.keys.public(SIGNER), content, signature):
        return Verdict(False, None, False, None)
    return Verdict(True, content, True, status)


def check_document(p: Platform, content: dict[str, Any], signature: str) -> Verdict:
    """A pasted slip document: does the signature hold over its content, and is that the record's content?"""
    valid = verify(p.settings.keys.public(SIGNER), content, signature)
    slip_id = content.get("slip_id")
    recorded = _recorded(p, slip_id) if valid and isinstance(slip_id, str) else None
    if recorded is None:
        return Verdict(valid, content, False, None)
    return Verdict(valid, content, recorded[0] == content, recorded[1])
