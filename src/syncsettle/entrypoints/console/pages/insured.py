"""我的保单与结算: an insured person's policies — their own and the family members' they enrolled and
pay for — with cancellation (退保, the pro-rata refund shown before and after a confirmation step),
their items under risk review and the outcome, their settlements with both slips and how each
commercial leg went (settled, or pending with the reason), and this period's split of their bills
between the funds, commercial insurance, the account and cash.

Reads and writes go through the services behind ``/api/insured/policies``, ``…/enrollments/{id}/cancel``
and ``/api/insured/reviews``; the cancel form carries the session's CSRF token.

商保码 (一码通赔): each of the person's active codes as a QR (the code's signed text, which the
hospital's window scans) with its expiry, a form to generate one per product they hold, and one to
revoke it — through the services behind ``/api/insured/claim-codes``.

推送的消息 (结算单据实时推送): the latest slips, reversals and quick-claim results the broker consumer
pushed to the person (``/api/insured/notices``), each linking its slips."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from syncsettle.adapters.db.management.dashboards import Scope
from syncsettle.adapters.slips.qr import qr_svg
from syncsettle.domain.glossary import PAYER_KINDS
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import csrf, nav, owned
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.pages.reviews import KINDS, STATES
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.entrypoints.http.params import DbId
from syncsettle.money import format_yuan
from syncsettle.services.commercial import claim_codes, policies, reviews
from syncsettle.services.errors import ServiceError
from syncsettle.services.management import dashboards
from syncsettle.services.platform import Platform
from syncsettle.services.slips import push

Days = Query(365, ge=1, le=3660)
INSURED = page(Role.INSURED)
POLICY_STATES = {"active": "有效", "cancelled": "已退保"}
PAID_BY = {"personal_account": "个人账户", "cash": "现金"}
NOTICES_SHOWN = 20
NOTICE_KINDS = {"settled": "结算单", "reversed": "结算已撤销", "claim_settled": "快赔进度"}
LEG_STATES = {"settled": "已结算", "pending": "待结（已转快赔）", "held": "待审核（风险复核）"}


def named(p: Platform, enrollment: dict[str, Any]) -> dict[str, Any]:
    """An enrollment view with its product's name and insurer from the rulebook."""
    rule = p.rules.products.get(enrollment["product_id"])
    return {**enrollment, "name": rule.name if rule else enrollment["product_id"],
            "insurer": rule.insurer if rule else enrollment["insurer_id"]}  # fmt: skip


def _split(totals: dict[str, int]) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "item"}, "legend": {"bottom": 0},
        "series": [{"name": "支付构成", "type": "pie", "radius": ["35%", "65%"], "data": [
            {"name": PAYER_KINDS[kind], "value": format_yuan(totals[key])}
            for kind, key in (("fund", "public_funds"), ("product", "commercial"),
                              ("personal_account", "personal_account"), ("cash", "cash"))
            if totals[key]
        ]}],
    }  # fmt: skip


def _missing(enrollment_id: int) -> str:
    return f"参保记录 {enrollment_id} 不存在"


def _codes(p: Platform, principal: Principal) -> list[dict[str, Any]]:
    """The person's active, unexpired codes, each with its QR (inline SVG of the code's text)."""
    rows = [c for c in claim_codes.mine(p, principal, active_only=True) if not c["expired"]]
    return [{**c, "qr": qr_svg(c["code"])} for c in rows]


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/me", "我的保单与结算", frozenset({Role.INSURED}), section="我的", order=10))

    @router.get("/console/me", response_class=HTMLResponse)
    def me(request: Request, days: int = Days, principal: Principal = Depends(INSURED)) -> HTMLResponse:
        p = platform_of(request)
        since, until = dashboards.period(p, days)
        scope = Scope(psn_no=principal.tenant)
        totals = dashboards.totals(p, scope, since, until)
        context = {
            "days": days, "totals": totals, "split": _split(totals),
            "policies": [named(p, e) for e in policies.my_policies(p, principal)],
            "reviews": reviews.queue(p, principal, open_only=False),
            "settlements": dashboards.settlements(p, scope, since, until, status=("settled", "reversed"), limit=100),
            "cancelled": request.query_params.get("cancelled"), "policy_states": POLICY_STATES, "paid_by": PAID_BY,
            "leg_states": LEG_STATES, "review_states": STATES, "review_kinds": KINDS,
            "codes": _codes(p, principal), "code_note": request.query_params.get("code"),
            "notices": push.mine(p, principal, NOTICES_SHOWN), "notice_kinds": NOTICE_KINDS,
            "broker": bool(p.settings.nats_url),
        }  # fmt: skip
        return render(request, "insured.html", context)

    @router.get("/console/me/enrollments/{enrollment_id}/cancel", response_class=HTMLResponse)
    def confirm_cancel(request: Request, enrollment_id: DbId, principal: Principal = Depends(INSURED)) -> HTMLResponse:
        p = platform_of(request)
        try:
            quote = policies.refund_quote(p, principal, enrollment_id)
        except ServiceError as exc:
            raise owned.hidden(exc, _missing(enrollment_id), "enrollment_id") from exc
        return render(request, "cancel.html", {"e": named(p, quote), "policy_states": POLICY_STATES,
                                               "paid_by": PAID_BY})  # fmt: skip

    @router.post("/console/me/enrollments/{enrollment_id}/cancel")
    async def cancel(request: Request, enrollment_id: DbId, principal: Principal = Depends(INSURED),
                     _csrf: None = Depends(csrf.checked)) -> Response:  # fmt: skip
        p = platform_of(request)
        missing = _missing(enrollment_id)
        await owned.acting(lambda: policies.cancel(p, principal, enrollment_id), missing, "enrollment_id")
        return RedirectResponse(f"/console/me?cancelled={enrollment_id}", status_code=303)

    @router.post("/console/me/claim-codes")
    async def issue_code(request: Request, product_id: str = Form(""), principal: Principal = Depends(INSURED),
                         _csrf: None = Depends(csrf.checked)) -> Response:  # fmt: skip
        p = platform_of(request)
        await run_in_threadpool(lambda: claim_codes.issue(p, principal, product_id))
        return RedirectResponse("/console/me?code=issued#claim-codes", status_code=303)

    @router.post("/console/me/claim-codes/{code_id}/revoke")
    async def revoke_code(request: Request, code_id: str, principal: Principal = Depends(INSURED),
                          _csrf: None = Depends(csrf.checked)) -> Response:  # fmt: skip
        p = platform_of(request)
        await owned.acting(lambda: claim_codes.revoke(p, principal, code_id), f"商保码 {code_id} 不存在", "code_id")
        return RedirectResponse("/console/me?code=revoked#claim-codes", status_code=303)
