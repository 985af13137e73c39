"""我的授权: an insured person's consents (insurer, purpose, scope, period, status, granted/revoked
time), each with its SM2-signed receipt to view and check, a form to grant one and a revoke button
with a confirmation step. The page calls the services behind ``/api/insured/consents`` (grant,
revoke, mine) and checks a receipt exactly as ``POST /api/public/consent-receipts/verify`` does.

Forms that change state carry the session's CSRF token (:mod:`..csrf`). Another person's consent id
answers 404 (it does not say whether the consent exists). Revoking takes effect at the next use:
the page says so, and the next settlement's commercial leg goes pending for lack of consent.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from syncsettle.adapters.clock import business_date
from syncsettle.domain.commercial.vocabulary import Purpose
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import csrf, nav, owned
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.pages.reviews import GRANULARITIES
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.api_insured import ConsentIn
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.commercial import consents
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

PURPOSES = {Purpose.UNDERWRITING: "核保", Purpose.SETTLEMENT: "结算（医保商保同步结算）", Purpose.QUICK_CLAIM: "快赔",
            Purpose.ANALYTICS: "统计分析"}  # fmt: skip
STATES = {"active": "有效", "revoked": "已撤回", "expired": "已到期", "future": "未生效"}
EFFECT = ("下次使用时生效：此后的结算中，该商保机构的商保部分将因缺少授权不再实时结算，转为快赔待办（待结商保），"
          "直到您重新授权；已完成的结算不受影响。")  # fmt: skip
FIELD_ERRORS = {
    "insurer_id": "请选择商保机构", "purpose": "请选择授权用途", "granularity": "请选择数据范围",
    "begndate": "请填写有效的开始日期（YYYY-MM-DD）", "enddate": "请填写有效的结束日期（YYYY-MM-DD）",
}  # fmt: skip
INSURED = page(Role.INSURED)
WORDS = {"purposes": PURPOSES, "granularities": GRANULARITIES, "states": STATES, "effect": EFFECT}


def state(row: dict[str, Any], today: date) -> str:
    """A consent's state today: revoked, expired, not yet in force, or active."""
    if row["revoked_at"] is not None:
        return "revoked"
    if row["enddate"] < today:
        return "expired"
    return "future" if row["begndate"] > today else "active"


def _rows(p: Platform, principal: Principal) -> list[dict[str, Any]]:
    today = business_date(p.clock.now())
    return [{**row, "state": state(row, today)} for row in reversed(consents.mine(p, principal))]


def _own(p: Platform, principal: Principal, consent_id: str) -> dict[str, Any]:
    """One of the caller's consents, or 404 (also for another person's id)."""
    for row in _rows(p, principal):
        if row["id"] == consent_id:
            return row
    raise ServiceError(Code.NOT_FOUND, f"授权 {consent_id} 不存在", "consent_id")


def _listing(request: Request, principal: Principal, error: str | None = None, form: dict[str, str] | None = None,
             status: int = 200) -> HTMLResponse:  # fmt: skip
    p = platform_of(request)
    today = business_date(p.clock.now())
    defaults = {"begndate": today.isoformat(), "enddate": (today + timedelta(days=365)).isoformat(),
                "purpose": Purpose.SETTLEMENT.value, "granularity": "", "insurer_id": ""}  # fmt: skip
    revoked = request.query_params.get("revoked")
    context = {"rows": _rows(p, principal), "insurers": consents.grantable(p, principal), "error": error,
               "form": {**defaults, **(form or {})}, "revoked": revoked, "granted": request.query_params.get("granted"),
               **WORDS}  # fmt: skip
    return render(request, "consents.html", context, status=status)


def _validated(form: dict[str, str]) -> ConsentIn | str:
    """The grant as ``POST /api/insured/consents`` validates it, or the first problem in Chinese."""
    try:
        return ConsentIn.model_validate(form)
    except ValidationError as exc:
        where = str(exc.errors()[0]["loc"][0]) if exc.errors() else ""
        return FIELD_ERRORS.get(where, "授权信息不完整")


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/consents", "我的授权", frozenset({Role.INSURED}), section="我的", order=20))

    @router.get("/console/consents", response_class=HTMLResponse)
    def listing(request: Request, principal: Principal = Depends(INSURED)) -> HTMLResponse:
        return _listing(request, principal)

    @router.post("/console/consents")
    async def grant(
        request: Request, insurer_id: str = Form(""), purpose: str = Form(""), granularity: str = Form(""),
        begndate: str = Form(""), enddate: str = Form(""), principal: Principal = Depends(INSURED),
        _csrf: None = Depends(csrf.checked),
    ) -> Response:  # fmt: skip
        form = {"insurer_id": insurer_id, "purpose": purpose, "granularity": granularity, "begndate": begndate,
                "enddate": enddate}  # fmt: skip
        body = _validated(form)
        if isinstance(body, str):
            return await run_in_threadpool(_listing, request, principal, body, form, 422)
        p = platform_of(request)
        try:
            row = await run_in_threadpool(consents.grant, p, principal, body.insurer_id, body.purpose,
                                          body.granularity, body.begndate, body.enddate)  # fmt: skip
        except ServiceError as exc:
            return await run_in_threadpool(_listing, request, principal, exc.message, form, 422)
        return RedirectResponse(f"/console/consents?granted={row['id']}", status_code=303)

    @router.get("/console/consents/{consent_id}", response_class=HTMLResponse)
    def receipt(request: Request, consent_id: str, principal: Principal = Depends(INSURED)) -> HTMLResponse:
        p = platform_of(request)
        row = _own(p, principal, consent_id)
        public = p.settings.keys.public("platform")
        context = {"row": row, "valid": consents.verify_receipt(public, row["receipt"], row["signature"]),
                   "public_key": public.to_hex(), "document": json.dumps(row["receipt"], ensure_ascii=False, indent=2),
                   "checked": None, **WORDS}  # fmt: skip
        return render(request, "consent.html", context)

    @router.post("/console/consents/{consent_id}/check", response_class=HTMLResponse)
    def check(request: Request, consent_id: str, document: str = Form(""), signature: str = Form(""),
              principal: Principal = Depends(INSURED)) -> HTMLResponse:  # fmt: skip
        """Check a (possibly edited) receipt and signature as the public verification endpoint does."""
        p = platform_of(request)
        row = _own(p, principal, consent_id)
        public = p.settings.keys.public("platform")
        try:
            pasted: Any = json.loads(document)
        except json.JSONDecodeError:
            pasted = None
        context = {"row": {**row, "signature": signature}, "valid": consents.verify_receipt(public, pasted, signature),
                   "public_key": public.to_hex(), "document": document, "checked": True, **WORDS}  # fmt: skip
        return render(request, "consent.html", context)

    @router.get("/console/consents/{consent_id}/revoke", response_class=HTMLResponse)
    def confirm(request: Request, consent_id: str, principal: Principal = Depends(INSURED)) -> HTMLResponse:
        row = _own(platform_of(request), principal, consent_id)
        return render(request, "consent_revoke.html", {"row": row, **WORDS})

    @router.post("/console/consents/{consent_id}/revoke")
    async def revoke(request: Request, consent_id: str, principal: Principal = Depends(INSURED),
                     _csrf: None = Depends(csrf.checked)) -> Response:  # fmt: skip
        p = platform_of(request)
        await owned.acting(lambda: consents.revoke(p, principal, consent_id), f"授权 {consent_id} 不存在", "consent_id")
        return RedirectResponse(f"/console/consents?revoked={consent_id}", status_code=303)
