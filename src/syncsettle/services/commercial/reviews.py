"""The risk review queue (风险复核): legs held at the bedside and settlements the batch scan flagged.

Items: a ``leg`` is a commercial leg the 事中 findings held (its claim is ``held``, consuming no
deductible or cap); a ``flag`` is a ``risk_flags`` row of the 事后 scan. Reviewers:

- the insurer — the legs of its products, the flags on settlements one of its products paid in —
  sees the evidence its filing's granularity allows (the visit projected as at the bedside, the
  findings by :mod:`syncsettle.domain.risk.evidence`), and only under the person's ``settlement`` or
  ``quick_claim`` consent for that granularity; every showing is an audited release (or refusal);
- the regulator (医保部门), within its regions, sees the findings and the bill (audited reads).

Decisions (:class:`Decision`): ``approve`` (a held leg becomes pending and settles as its quick
claim — exactly once, the claim's state machine guarantees it), ``reject`` (with a reason the person
sees through the insured API), ``more_info`` (the item stays open, the reason says what is
missing). Each is recorded (``review_decisions``) and audited (``decision``) in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.commercial import claims as claims_repo
from syncsettle.adapters.db.commercial import filings as filings_repo
from syncsettle.adapters.db.commercial import reviews as repo
from syncsettle.adapters.db.commercial.commercial import filing_in_force
from syncsettle.adapters.db.management.dashboards import region_prefix
from syncsettle.adapters.db.settlement import settlements as settlements_repo
from syncsettle.adapters.db.settlement import visits as visit_repo
from syncsettle.domain.commercial import projections
from syncsettle.domain.commercial.pending import PendingReason
from syncsettle.domain.commercial.view import view_from_json
from syncsettle.domain.commercial.vocabulary import Granularity, Purpose
from syncsettle.domain.identity import Principal, Role
from syncsettle.domain.risk import evidence
from syncsettle.domain.settlement.model import PRIC_PLACES
from syncsettle.money import format_yuan, parse_yuan
from syncsettle.services.commercial.claims import settle_claim
from syncsettle.services.commercial.consents import Refused, release_gate
from syncsettle.services.commercial.filings import product_of
from syncsettle.services.commercial.legs import Pending
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management.audit import Action, Use, record
from syncsettle.services.platform import Platform

PURPOSE = "risk_review"
CONSENTS = (Purpose.SETTLEMENT, Purpose.QUICK_CLAIM)
CNT_PLACES = 4


class Kind(StrEnum):
    LEG = "leg"
    FLAG = "flag"


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    MORE_INFO = "more_info"


FLAG_STATUS = {Decision.APPROVE: "approved", Decision.REJECT: "rejected", Decision.MORE_INFO: "more_info"}


def record_holds(conn: Connection, setl_id: str, pending: Sequence[Pending], claim_ids: Mapping[str, str],
                 risk: Sequence[Mapping[str, Any]], now: datetime) -> None:  # fmt: skip
    """Keep, with each leg the findings held, those findings (the answer's 3102 ``risk`` entries)."""
    total = sum(parse_yuan(f["vola_amt"]) for f in risk)
    repo.add_holds(
        conn,
        [{"claim_id": claim_ids[item.leg.product.id], "setl_id": setl_id, "findings": list(risk), "vola_amt": total,
          "held_at": now} for item in pending if item.reason is PendingReason.RISK_REVIEW],
    )  # fmt: skip


# --- the queue ----------------------------------------------------------------------------------


def _rows(conn: Connection, actor: Principal, open_only: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if actor.role is Role.INSURER:
        products = repo.products_of(conn, actor.tenant)
        return (repo.held_legs(conn, insurer=actor.tenant, open_only=open_only),
                repo.flags(conn, products=products, open_only=open_only))  # fmt: skip
    if actor.role is Role.REGULATOR:
        prefix = region_prefix(actor.tenant)
        return (repo.held_legs(conn, region_prefix=prefix, open_only=open_only),
                repo.flags(conn, region_prefix=prefix, open_only=open_only))  # fmt: skip
    if actor.role is Role.INSURED:
        return repo.held_legs(conn, psn_no=actor.tenant), repo.flags(conn, psn_no=actor.tenant)
    raise ServiceError(Code.FORBIDDEN, "无权查看风险复核")


def queue(p: Platform, actor: Principal, *, open_only: bool = True) -> list[dict[str, Any]]:
    """The caller's review items (open ones by default), legs first, newest first."""
    with p.uow(readonly=True) as uow:
        legs, flags = _rows(uow.conn, actor, open_only)
        decided = {Kind.LEG: repo.decisions(uow.conn, Kind.LEG, [r["claim_id"] for r in legs]),
                   Kind.FLAG: repo.decisions(uow.conn, Kind.FLAG, [str(r["id"]) for r in flags])}  # fmt: skip
    items = [_leg_item(r, decided[Kind.LEG][r["claim_id"]]) for r in legs]
    return items + [_flag_item(r, decided[Kind.FLAG][str(r["id"])]) for r in flags]


def _decision_view(d: Mapping[str, Any]) -> dict[str, Any]:
    return {"decision": d["decision"], "reason": d["reason"], "by": f"{d['actor_role']}:{d['actor_tenant']}",
            "at": d["decided_at"].isoformat()}  # fmt: skip


def _leg_item(row: Mapping[str, Any], decided: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "kind": Kind.LEG.value, "id": row["claim_id"], "status": row["status"], "open": row["status"] == "held",
        "setl_id": row["setl_id"], "setl_date": row["setl_date"].isoformat(), "psn_no": row["psn_no"],
        "product_id": row["product_id"], "insurer_id": row["insurer_id"], "granularity": row["granularity"],
        "rules": sorted({f["rule_id"] for f in row["findings"]}), "vola_amt": format_yuan(int(row["vola_amt"])),
        "since": row["held_at"].isoformat(), "reason": row["reason"],
        "payable": format_yuan(row["payable"]) if row["payable"] is not None else None,
        "decisions": [_decision_view(d) for d in decided],
    }  # fmt: skip


def _flag_item(row: Mapping[str, Any], decided: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "kind": Kind.FLAG.value, "id": str(row["id"]), "status": row["status"], "open": row["status"] in repo.OPEN_FLAG,
        "setl_id": row["setl_id"], "psn_no": row["psn_no"], "hospital": row["fixmedins_code"],
        "rules": [row["rule_id"]], "vola_amt": format_yuan(int(row["vola_amt"])),
        "since": row["flagged_at"].isoformat(), "decisions": [_decision_view(d) for d in decided],
    }  # fmt: skip


# --- one item, with its evidence --------------------------------------------------------------------


def _item(conn: Connection, actor: Principal, kind: str, item_id: str) -> dict[str, Any]:
    """The item's row, if the caller may see it (404 when it does not exist, 403 outside its scope)."""
    row: dict[str, Any] | None
    if kind == Kind.LEG:
        row = repo.held_leg(conn, item_id)
    elif kind == Kind.FLAG and item_id.isdigit():
        row = repo.flag(conn, int(item_id))
    else:
        row = None
    if row is None:
        raise ServiceError(Code.NOT_FOUND, f"复核事项 {kind}/{item_id} 不存在", "item_id")
    if actor.role is Role.INSURER:
        mine = (row["insurer_id"] == actor.tenant if kind == Kind.LEG else bool(row["setl_id"]) and bool(
            repo.paying_products(conn, row["setl_id"], repo.products_of(conn, actor.tenant))))  # fmt: skip
    elif actor.role is Role.REGULATOR:
        region = row["region"] if row["region"] is not None else row.get("hospital_region")
        mine = region is not None and actor.owns(region)
    else:
        mine = False
    if not mine:
        raise ServiceError(Code.FORBIDDEN, "无权查看其他主体的复核事项")
    return row


def _insurer_evidence(conn: Connection, actor: Principal, kind: str, row: Mapping[str, Any],
                      now: datetime) -> dict[str, Any]:  # fmt: skip
    """What the insurer may see: the visit at its filing's granularity and the findings, under consent."""
    if kind == Kind.LEG:
        granularity, day = Granularity(row["granularity"]), row["setl_date"]
        filing = filings_repo.filing(conn, row["filing_id"])
    else:
        settled = settlements_repo.settlement(conn, row["setl_id"]) or {}
        day = settled.get("setl_date") or row["period_to"]
        product = repo.paying_products(conn, row["setl_id"], repo.products_of(conn, actor.tenant))[0]
        filing = filing_in_force(conn, product, day)
        granularity = Granularity(filing["granularity"]) if filing else Granularity.RESULT
    record_ids = [str(row["setl_id"]), _key(kind, row)]
    consent = release_gate(conn, now, actor, row["psn_no"], actor.tenant, CONSENTS, granularity, day, record_ids,
                           sorted(projections.FIELDS[granularity]))  # fmt: skip
    if isinstance(consent, Refused):  # the refusal is on the audit record
        return {"granularity": granularity.value, "withheld": "参保人未授权该粒度的数据，仅可查看事项状态与金额"}
    data: dict[str, Any] = {"setl_id": row["setl_id"], "psn_no": row["psn_no"], "setl_date": day.isoformat()}
    if kind == Kind.LEG and granularity in projections.PROJECTIONS:
        view = view_from_json(claims_repo.get_view(conn, row["setl_id"]) or {})
        version = product_of(filing).version_on(day) if filing else None
        data = projections.PROJECTIONS[granularity](view, version)
    found = [evidence.normalised(f) for f in row["findings"]] if kind == Kind.LEG else [evidence.from_flag(row)]
    shown = {"granularity": granularity.value, "visit": data,
             "findings": [evidence.for_insurer(f, granularity) for f in found]}  # fmt: skip
    fields = projections.field_names(data) + sorted({f"findings[].{k}" for f in shown["findings"] for k in f})
    _audit(conn, now, actor, Action.RELEASE, row, record_ids, fields, consent_id=consent["id"],
           purpose=consent["purpose"], granularity=granularity.value)  # fmt: skip
    return shown


def _scaled(value: int, places: int) -> str:
    whole, part = divmod(abs(value), 10**places)
    text = f"{whole}.{part:0{places}d}".rstrip("0").rstrip(".")
    return f"-{text}" if value < 0 else text


def _regulator_evidence(conn: Connection, actor: Principal, kind: str, row: Mapping[str, Any],
                        now: datetime) -> dict[str, Any]:  # fmt: skip
    """What the regulator sees inside the medical-insurance domain: the findings and the bill."""
    found = [evidence.normalised(f) for f in row["findings"]] if kind == Kind.LEG else [evidence.from_flag(row)]
    bill: list[dict[str, Any]] = []
    if row.get("mdtrt_id") and row.get("setl_id"):
        bill = [
            {"feedetl_sn": r["feedetl_sn"], "med_list_codg": r["med_list_codg"], "cnt": _scaled(r["cnt"], CNT_PLACES),
             "pric": _scaled(r["pric"], PRIC_PLACES), "det_item_fee_sumamt": format_yuan(r["det_item_fee_sumamt"]),
             "fulamt_ownpay_amt": format_yuan(r["fulamt_ownpay_amt"]), "overlmt_amt": format_yuan(r["overlmt_amt"]),
             "preselfpay_amt": format_yuan(r["preselfpay_amt"]), "inscp_scp_amt": format_yuan(r["inscp_scp_amt"])}
            for r in visit_repo.lines(conn, row["mdtrt_id"]) if r["setl_id"] == row["setl_id"]
        ]  # fmt: skip
    fields = ["findings", "bill", *sorted({f"bill[].{k}" for line in bill for k in line})]
    _audit(conn, now, actor, Action.READ, row, [str(row["setl_id"] or ""), _key(kind, row)], fields,
           granularity=Granularity.DETAIL.value)  # fmt: skip
    return {"findings": found, "bill": bill}


def item(p: Platform, actor: Principal, kind: str, item_id: str) -> dict[str, Any]:
    """One item with the evidence the caller's role allows (the showing is audited)."""
    now = p.clock.now()
    with p.uow() as uow:
        conn = uow.conn
        row = _item(conn, actor, kind, item_id)
        key = _key(kind, row)
        decided = repo.decisions(conn, kind, [key])[key]
        summary = _leg_item(row, decided) if kind == Kind.LEG else _flag_item(row, decided)
        if actor.role is Role.INSURER:
            shown = _insurer_evidence(conn, actor, kind, row, now)
        else:
            shown = _regulator_evidence(conn, actor, kind, row, now)
        uow.commit()
    return {**summary, "evidence": shown}


def _key(kind: str, row: Mapping[str, Any]) -> str:
    return str(row["claim_id"] if kind == Kind.LEG else row["id"])


def _audit(conn: Connection, now: datetime, actor: Principal, action: Action, row: Mapping[str, Any],
           record_ids: Sequence[str], fields: Sequence[str], *, consent_id: str | None = None,
           purpose: str = PURPOSE, granularity: str | None = None, outcome: str = "released",
           reason: str = "risk review") -> None:  # fmt: skip
    record(conn, now, Use(actor, action, purpose, actor.tenant, [r for r in record_ids if r], fields,
                          psn_no=row["psn_no"], consent_id=consent_id, granularity=granularity, outcome=outcome,
                          reason=reason))  # fmt: skip


# --- decisions ----------------------------------------------------------------------------------


def decide(p: Platform, actor: Principal, kind: str, item_id: str, decision: Decision, reason: str) -> dict[str, Any]:
    """Record a reviewer's decision (audited); an approved held leg then settles as its claim, once."""
    reason = reason.strip()
    if decision is not Decision.APPROVE and not reason:
        raise ServiceError(Code.FIELD, "驳回或要求补充材料须写明原因", "reason")
    now = p.clock.now()
    with p.uow() as uow:
        conn = uow.conn
        row = _item(conn, actor, kind, item_id)
        key = _key(kind, row)
        if kind == Kind.LEG:
            changed = repo.decide_held(conn, key, _leg_change(decision, reason, actor, now))
        else:
            changed = repo.set_flag_status(conn, int(key), FLAG_STATUS[decision])
        if changed != 1:
            raise ServiceError(Code.STATE, f"复核事项 {kind}/{key} 已有结论", "item_id")
        repo.add_decision(
            conn,
            {"item_kind": kind, "item_id": key, "decision": decision.value, "reason": reason,
             "actor_role": actor.role.value, "actor_tenant": actor.tenant, "actor_name": actor.name,
             "credential_id": actor.credential_id, "decided_at": now},
        )  # fmt: skip
        _audit(conn, now, actor, Action.DECISION, row, [str(row["setl_id"] or ""), key], [], outcome=decision.value,
               reason=reason or decision.value)  # fmt: skip
        uow.commit()
    if kind == Kind.LEG and decision is Decision.APPROVE:
        with suppress(ServiceError):  # if it cannot settle now it waits as a pending claim and is retried
            settle_claim(p, key, actor)
    return _after(p, actor, kind, key)


def _leg_change(decision: Decision, reason: str, actor: Principal, now: datetime) -> dict[str, Any]:
    by = {"requested_by": actor.label, "updated_at": now}
    if decision is Decision.APPROVE:
        return {**by, "status": "pending", "reason": "风险复核通过，待理赔" + (f"：{reason}" if reason else ""),
                "next_attempt_at": now}  # fmt: skip
    if decision is Decision.REJECT:
        return {**by, "status": "rejected", "reason": f"风险复核未通过：{reason}"}
    return {**by, "status": "held", "reason": f"风险复核需补充材料：{reason}"}


def _after(p: Platform, actor: Principal, kind: str, key: str) -> dict[str, Any]:
    with p.uow(readonly=True) as uow:
        row = repo.held_leg(uow.conn, key) if kind == Kind.LEG else repo.flag(uow.conn, int(key))
        assert row is not None
        decided = repo.decisions(uow.conn, kind, [key])[key]
    return _leg_item(row, decided) if kind == Kind.LEG else _flag_item(row, decided)
