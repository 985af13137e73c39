"""风险复核: the review queue of insurer and regulator reviewers — legs held at the bedside and
settlements the batch scan flagged — one item with the evidence the reviewer's role allows (the
showing is audited), and the decision form (approve, reject with a reason, ask for more), which
carries the session's CSRF token: a decision posted without it is refused with 403, nothing decided."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import csrf, nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.commercial import reviews
from syncsettle.services.commercial.reviews import Decision, Kind
from syncsettle.services.errors import ServiceError

REVIEWERS = (Role.INSURER, Role.REGULATOR)
DECISIONS = {Decision.APPROVE: "通过", Decision.REJECT: "驳回", Decision.MORE_INFO: "补充材料"}
KINDS = {Kind.LEG: "暂缓的商保结算", Kind.FLAG: "事后稽核疑点"}
STATES = {"held": "待复核", "pending": "待理赔", "settled": "已理赔", "rejected": "已驳回", "cancelled": "已取消",
          "open": "待复核", "more_info": "待补充材料", "approved": "已通过"}  # fmt: skip
GRANULARITIES = {"result": "结算结果", "settlement_summary": "结算数据", "category": "费用大类", "detail": "费用明细"}


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/reviews", "风险复核", frozenset(REVIEWERS), section="监管", order=20))
    words = {"decisions": DECISIONS, "kinds": KINDS, "states": STATES, "granularities": GRANULARITIES}

    @router.get("/console/reviews", response_class=HTMLResponse)
    def queue(request: Request, all: bool = False, principal: Principal = Depends(page(*REVIEWERS))) -> HTMLResponse:
        items = reviews.queue(platform_of(request), principal, open_only=not all)
        return render(request, "reviews.html", {"items": items, "all": all, **words})

    @router.get("/console/reviews/{kind}/{item_id}", response_class=HTMLResponse)
    def item(kind: Kind, item_id: str, request: Request, principal: Principal = Depends(page(*REVIEWERS))) -> Response:
        shown = reviews.item(platform_of(request), principal, kind, item_id)
        return render(request, "review.html", {"item": shown, "error": None, **words})

    @router.post("/console/reviews/{kind}/{item_id}")
    async def decide(kind: Kind, item_id: str, request: Request, decision: Decision = Form(...),
                     reason: str = Form(""), principal: Principal = Depends(page(*REVIEWERS)),
                     _csrf: None = Depends(csrf.checked)) -> Response:  # fmt: skip
        p = platform_of(request)
        try:
            await run_in_threadpool(reviews.decide, p, principal, kind, item_id, decision, reason)
        except ServiceError as exc:
            shown = await run_in_threadpool(reviews.item, p, principal, kind, item_id)
            return render(request, "review.html", {"item": shown, "error": exc.message, **words}, status=409)
        return RedirectResponse(f"/console/reviews/{kind.value}/{item_id}", status_code=303)
