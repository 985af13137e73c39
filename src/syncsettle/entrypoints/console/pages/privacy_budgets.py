"""隐私预算: the regulator grants, views and revokes privacy budgets — a total epsilon per requester
(an insurer admitted in its regions, or its own bureau ``regulator:<scope>``) and dataset, with an
optional last day — the same use cases as ``/api/regulator/privacy-budgets``
(:mod:`syncsettle.services.computing.budgets`). Each budget shows total, spent and remaining; every
grant and revocation is an audited decision, every spend an audited export (数据使用监测). The forms
carry the session's CSRF token; a mistake is shown on the form (422) and nothing is changed. The
operator may look, not decide."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from syncsettle.adapters.db.management.dashboards import region_prefix
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import csrf, nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.computing import budgets
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management import admission
from syncsettle.services.platform import Platform

READERS = (Role.REGULATOR, Role.OPERATOR)
STATES = {"active": "可用", "exhausted": "已用完", "expired": "已过期", "revoked": "已撤销"}
PATH = "/console/privacy-budgets"


def datasets(p: Platform, principal: Principal) -> dict[str, str]:
    """Dataset names a grant may name, with what each is (suggestions: a replay's candidate id is free)."""
    out: dict[str, str] = {}
    for pid, rule in sorted(p.rules.products.items()):
        out[f"product:{pid}"] = f"精算汇总表 · {rule.name}"
        out[f"remainder:{pid}"] = f"个人负担分布 · {rule.name}（商保机构查询）"
    if principal.role is Role.REGULATOR:
        prefix = region_prefix(principal.tenant)
        out[f"remainder:*:{prefix}" if prefix else "remainder:*"] = "个人负担分布 · 本辖区全部参保人（医保部门查询）"
    return out


def _context(p: Platform, principal: Principal, form: dict[str, Any], error: str | None) -> dict[str, Any]:
    requesters = [r["insurer_id"] for r in admission.listing(p, principal) if r.get("status") == "admitted"]
    if principal.role is Role.REGULATOR:
        requesters.append(f"regulator:{principal.tenant}")
    return {"rows": budgets.listing(p, principal), "states": STATES, "requesters": requesters,
            "datasets": datasets(p, principal), "form": form, "error": error}  # fmt: skip


def _message(exc: ServiceError) -> str:
    return f"{exc.message}（{exc.field}）" if exc.field else exc.message


def register(router: APIRouter) -> None:
    nav.register(nav.Entry(PATH, "隐私预算", frozenset(READERS), section="监管", order=30))

    @router.get(PATH, response_class=HTMLResponse)
    def listing(request: Request, principal: Principal = Depends(page(*READERS))) -> HTMLResponse:
        return render(request, "privacy_budgets.html", _context(platform_of(request), principal, {}, None))

    @router.post(PATH)
    async def grant(
        request: Request, requester: str = Form(""), dataset: str = Form(""), epsilon: str = Form(""),
        expires_on: str = Form(""), reason: str = Form(""), principal: Principal = Depends(page(Role.REGULATOR)),
        _csrf: None = Depends(csrf.checked),
    ) -> Response:  # fmt: skip
        p = platform_of(request)
        form = {"requester": requester, "dataset": dataset, "epsilon": epsilon, "expires_on": expires_on,
                "reason": reason}  # fmt: skip
        try:
            try:
                day = date.fromisoformat(expires_on) if expires_on else None
            except ValueError:
                raise ServiceError(Code.FIELD, "到期日须为 YYYY-MM-DD 格式的日期", "expires_on") from None
            await run_in_threadpool(budgets.grant, p, principal, requester, dataset, epsilon, expires_on=day,
                                    reason=reason)  # fmt: skip
        except ServiceError as exc:
            if exc.code is Code.FORBIDDEN:
                raise
            context = await run_in_threadpool(_context, p, principal, form, _message(exc))
            return render(request, "privacy_budgets.html", context, status=422)
        return RedirectResponse(PATH, status_code=303)

    @router.post(f"{PATH}/revoke")
    async def revoke(
        request: Request, requester: str = Form(""), dataset: str = Form(""), reason: str = Form(""),
        principal: Principal = Depends(page(Role.REGULATOR)), _csrf: None = Depends(csrf.checked),
    ) -> Response:  # fmt: skip
        p = platform_of(request)
        try:
            await run_in_threadpool(budgets.revoke, p, principal, requester, dataset, reason)
        except ServiceError as exc:
            if exc.code is Code.FORBIDDEN:
                raise
            context = await run_in_threadpool(_context, p, principal, {}, _message(exc))
            return render(request, "privacy_budgets.html", context, status=422)
        return RedirectResponse(PATH, status_code=303)
