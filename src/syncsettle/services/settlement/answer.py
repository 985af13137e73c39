"""The hospital's answer to a (pre-)settlement: national ``setlinfo``/``setldetail``, one
``commercial`` entry per product (settled with its adjudication; pending with the reason and the
claim that will settle it later; or held for risk review until a reviewer approves it), and the
one-stop ``summary`` of who pays what now (``personal_account`` is the person's own account and the
family accounts together, as in the case format; ``family_account``, present when family accounts
paid, the 家庭共济 part)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from syncsettle.adapters.case_file import render_commercial, render_setldetail
from syncsettle.domain.settlement.waterfall import Settlement
from syncsettle.money import format_yuan
from syncsettle.services.commercial.claims import status_of
from syncsettle.services.commercial.legs import Leg, Pending
from syncsettle.services.settlement.inputs import VisitInputs
from syncsettle.services.settlement.setlinfo import render_live


def commercial_entries(s: Settlement, legs: Sequence[Leg], pending: Sequence[Pending],
                       claim_ids: Mapping[str, str]) -> list[dict[str, Any]]:  # fmt: skip
    """Settled and pending legs, in filing priority order; the route shown is the filing's."""
    routes = {leg.product.id: leg.filing["route"] for leg in legs}
    entries = [{**e, "route": routes.get(e["product"], e["route"]), "status": "settled"} for e in render_commercial(s)]
    for item in pending:
        product = item.leg.product
        entries.append(
            {"product": product.id, "name": product.name, "insurer": item.leg.insurer, "route": item.leg.route.value,
             "priority": product.priority, "status": status_of(item), "payable": "0.00",
             "claim_id": claim_ids.get(product.id), "reason_code": item.reason.value, "reason": item.reason.text}
        )  # fmt: skip
    order = {leg.product.id: i for i, leg in enumerate(legs)}
    return sorted(entries, key=lambda e: (e["priority"], order.get(e["product"], 0)))


def render(s: Settlement, vi: VisitInputs, setl_id: str | None, when: Any, pending: Sequence[Pending] = (),
           claim_ids: Mapping[str, str] | None = None, msgid: str = "") -> dict[str, Any]:  # fmt: skip
    """The hospital's answer: national setlinfo (with the commercial share, :mod:`.setlinfo`) and
    setldetail (the basic insurance's own), the commercial legs, the one-stop summary."""
    setlinfo = render_live(
        s, visit=vi.visit, person_row=vi.person_row, psn_type=vi.person.psn_type, insutype=vi.person.insutype,
        insured_region=vi.person.insured_region, balance_before=vi.person.account_balance, when=when,
        msgid=msgid, setl_id=setl_id, civil_servant=vi.person.civil_servant,
    )  # fmt: skip
    summary = {
        "total": format_yuan(s.total),
        "public_funds": format_yuan(s.public_funds),
        "commercial": format_yuan(s.commercial),
        "personal_account": format_yuan(s.acct_pay + s.acct_mulaid_pay),
        "cash": format_yuan(s.cash),
        "patient_pays_now": format_yuan(s.acct_pay + s.acct_mulaid_pay + s.cash),
    }
    if s.acct_mulaid_pay:  # only when family accounts paid, so answers without 家庭共济 keep their shape
        summary["family_account"] = format_yuan(s.acct_mulaid_pay)
    waiting = [p for p in pending if status_of(p) == "pending"]
    if waiting:
        names = "、".join(p.leg.product.name for p in waiting)
        summary["commercial_pending"] = (
            f"{names}未能实时结算，已转快赔；本次个人先行支付 {summary['patient_pays_now']} 元"
        )
    held = [p for p in pending if status_of(p) == "held"]
    if held:
        names = "、".join(p.leg.product.name for p in held)
        summary["commercial_held"] = (
            f"{names}因风控提示暂缓结算，待审核通过后理赔（不占用免赔额与限额）；"
            f"本次个人先行支付 {summary['patient_pays_now']} 元"
        )
    return {
        "setlinfo": setlinfo,
        "setldetail": render_setldetail(s),
        "commercial": commercial_entries(s, vi.legs, pending, claim_ids or {}),
        "summary": summary,
    }
