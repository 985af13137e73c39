"""产品备案审核: the regulator's filing review queue (its regions only; submitted first, then the
others with their status), one filing with a summary of its rule file and its lifecycle events, and
the forms of the steps the lifecycle table gives the regulator from the filing's status — approve
(route, data granularity, effective window: the inputs of ``POST /api/regulator/filings/{id}/approve``),
reject, suspend and force out (each with a required reason), resume.

Every step goes through :func:`syncsettle.services.commercial.filings.take_step`, so a refused step
(missing reason, invalid window, a route the rules cannot be adjudicated on) writes nothing and is
shown on the page with the service's Chinese message. Both forms carry the session's CSRF token
(:mod:`~syncsettle.entrypoints.console.csrf`): a post without it is refused with 403 before any step.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from syncsettle.domain.commercial.lifecycle import STEPS, FilingAction
from syncsettle.domain.commercial.vocabulary import ROUTE_GRANULARITY, FilingStatus, Granularity, Route
from syncsettle.domain.identity import Principal, Role
from syncsettle.domain.rules.product import Product
from syncsettle.entrypoints.console import csrf, nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.pages.reviews import GRANULARITIES
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.entrypoints.http.params import DbId
from syncsettle.money import format_ratio, format_yuan
from syncsettle.services.commercial import filings
from syncsettle.services.errors import Code, ServiceError

ROLES = (Role.REGULATOR,)
FILING_STATUSES = {
    "draft": "草稿", "submitted": "待审核", "approved": "已批准", "rejected": "已驳回", "on_sale": "在售",
    "active": "承保中", "suspended": "已暂停", "exited": "已退出",
}  # fmt: skip
ACTIONS = {
    FilingAction.APPROVE: "批准", FilingAction.REJECT: "驳回", FilingAction.SUSPEND: "暂停销售",
    FilingAction.RESUME: "恢复", FilingAction.FORCE_EXIT: "责令退出",
}  # fmt: skip
REASON_STEPS = tuple(a for a in ACTIONS if a is not FilingAction.APPROVE)  # the steps of the reason form
COMPONENTS = {
    "in_scope_selfpay": "政策范围内个人自付", "preselfpay": "乙类先行自付", "cross_region_selfpay": "异地就医增加自付",
    "overlimit": "超限价自费", "out_of_scope": "政策范围外费用",
}  # fmt: skip
MED_TYPE_SCOPES = {"inpatient": "住院", "outpatient": "门诊", "any": "不限"}


def queue_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Submitted filings first (oldest first: the queue), then the others, most recently moved first."""
    waiting = sorted((r for r in rows if r["status"] == FilingStatus.SUBMITTED), key=lambda r: r["updated_at"])
    others = sorted((r for r in rows if r["status"] != FilingStatus.SUBMITTED), key=lambda r: r["updated_at"],
                    reverse=True)  # fmt: skip
    return waiting + others


def steps_from(status: str) -> list[FilingAction]:
    """The regulator's steps the lifecycle table allows from ``status`` (the forms the page shows)."""
    return [a for a in ACTIONS if FilingStatus(status) in STEPS[a].sources]


def _component(code: str) -> str:
    kind, _, name = code.partition(":")
    return f"药品目录 {name}" if kind == "drug_list" else COMPONENTS.get(code, code)


def rule_summary(product: Product) -> list[dict[str, Any]]:
    """Per version of the rule file: its dates, waiting period, person cap and, per responsibility,
    what it covers, for which care, its standard deductible, ratios (standard / pre-existing) and
    annual cap — amounts in yuan, ratios as decimals (``format_ratio``)."""
    out = []
    for v in product.versions:
        resps = [
            {"id": r.id, "name": r.name, "covers": "、".join(_component(c) for c in r.covers),
             "med_types": MED_TYPE_SCOPES.get(r.med_types, r.med_types) if isinstance(r.med_types, str)
             else "、".join(r.med_types),
             "deductible": format_yuan(r.deductible.standard), "ratio": format_ratio(r.ratio.standard),
             "ratio_pre_existing": format_ratio(r.ratio.pre_existing) if r.ratio.pre_existing is not None else "",
             "cap": format_yuan(r.cap)}
            for r in v.responsibilities
        ]  # fmt: skip
        out.append({
            "version": v.version, "effective_from": v.effective_from, "effective_to": v.effective_to,
            "waiting_period_days": v.waiting_period_days,
            "person_cap": format_yuan(v.person_cap) if v.person_cap is not None else "",
            "excluded_diagnoses": "、".join(v.excluded_diagnoses),
            "shared_caps": [f"{c.id}：{'、'.join(c.responsibilities)} 共用 {format_yuan(c.cap)} 元"
                            for c in v.shared_caps],
            "responsibilities": resps,
        })  # fmt: skip
    return out


def _day(value: str, label: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ServiceError(Code.FIELD, f"{label}须为日期（YYYY-MM-DD）", label) from None


def message(exc: ServiceError, action: FilingAction) -> str:
    """The page's words for a refused step: the lifecycle names actions and fields in English
    (``reject 必须说明理由``), the page says it in the console's terms; other messages pass through."""
    if exc.field == "reason":
        return f"{ACTIONS.get(action, action.value)}必须填写理由"
    if exc.field == "approved_to" and exc.code is Code.FIELD:
        return "生效终止日早于生效起始日"
    if exc.field == "status":
        return f"备案当前状态不能{ACTIONS.get(action, action.value)}：{exc.message}"
    return exc.message


def _words() -> dict[str, Any]:
    return {
        "filing_statuses": FILING_STATUSES, "actions": ACTIONS, "granularities": GRANULARITIES,
        "routes": [r.value for r in Route], "granularity_choices": [g.value for g in Granularity],
        "route_granularity": {r.value: g.value for r, g in ROUTE_GRANULARITY.items()},
    }  # fmt: skip


def _detail(request: Request, principal: Principal, filing_id: int, error: str | None = None,
            form: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:  # fmt: skip
    row = filings.get(platform_of(request), principal, filing_id)
    context = {
        "filing": row, "rules": rule_summary(filings.product_of(row)), "steps": steps_from(row["status"]),
        "reason_steps": REASON_STEPS, "error": error, "form": form or {}, **_words(),
    }  # fmt: skip
    return render(request, "filing.html", context, status=status)


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/filings", "产品备案审核", frozenset(ROLES), section="商保", order=10))

    @router.get("/console/filings", response_class=HTMLResponse)
    def queue(request: Request, principal: Principal = Depends(page(*ROLES))) -> HTMLResponse:
        rows = queue_order(filings.listing(platform_of(request), principal))
        waiting = sum(1 for r in rows if r["status"] == FilingStatus.SUBMITTED)
        return render(request, "filings.html", {"rows": rows, "waiting": waiting, **_words()})

    @router.get("/console/filings/{filing_id}", response_class=HTMLResponse)
    def detail(filing_id: DbId, request: Request, principal: Principal = Depends(page(*ROLES))) -> HTMLResponse:
        return _detail(request, principal, filing_id)

    @router.post("/console/filings/{filing_id}/approve")
    async def approve(
        filing_id: DbId, request: Request, route: str = Form(""), granularity: str = Form(""),
        approved_from: str = Form(""), approved_to: str = Form(""), reason: str = Form(""),
        principal: Principal = Depends(page(*ROLES)), _csrf: None = Depends(csrf.checked),
    ) -> Response:  # fmt: skip
        form = {"route": route, "granularity": granularity, "approved_from": approved_from,
                "approved_to": approved_to, "reason": reason}  # fmt: skip
        try:
            begin, end = _day(approved_from, "生效起始日"), _day(approved_to, "生效终止日")
            await run_in_threadpool(
                filings.take_step, platform_of(request), principal, filing_id, FilingAction.APPROVE, reason,
                route=route or None, granularity=granularity or None, approved_from=begin, approved_to=end,
            )  # fmt: skip
        except ServiceError as exc:
            if exc.code in (Code.NOT_FOUND, Code.FORBIDDEN):
                raise
            shown = message(exc, FilingAction.APPROVE)
            return await run_in_threadpool(_detail, request, principal, filing_id, shown, form, 409)
        return RedirectResponse(f"/console/filings/{filing_id}", status_code=303)

    @router.post("/console/filings/{filing_id}/step")
    async def step(
        filing_id: DbId, request: Request, action: FilingAction = Form(...), reason: str = Form(""),
        principal: Principal = Depends(page(*ROLES)), _csrf: None = Depends(csrf.checked),
    ) -> Response:  # fmt: skip
        try:
            if action not in REASON_STEPS:
                raise ServiceError(Code.FIELD, "批准请使用批准表单（须填写生效期间）", "action")
            await run_in_threadpool(filings.take_step, platform_of(request), principal, filing_id, action, reason)
        except ServiceError as exc:
            if exc.code in (Code.NOT_FOUND, Code.FORBIDDEN):
                raise
            shown = message(exc, action)
            return await run_in_threadpool(_detail, request, principal, filing_id, shown, {"reason": reason}, 409)
        return RedirectResponse(f"/console/filings/{filing_id}", status_code=303)
