"""The risk review queue over HTTP (风险复核): insurer and regulator reviewers list held legs and
flagged settlements, open one with the evidence their role allows (audited), and decide — approve,
reject or ask for more information (audited); the person sees the outcome of their own items.

Paths: ``/api/insurer/reviews…``, ``/api/regulator/reviews…``, ``/api/insured/reviews``. An item is
``{kind}/{item_id}``: ``leg/<claim_id>`` or ``flag/<risk flag id>``; another tenant's item answers 403.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.http.auth import platform_of, require
from syncsettle.services.commercial import reviews
from syncsettle.services.commercial.reviews import Decision, Kind

router = APIRouter(prefix="/api", tags=["risk review"])


class DecisionIn(BaseModel):
    decision: Decision
    reason: str = Field("", max_length=500, description="required to reject or to ask for more information")


def _routes(role: Role, prefix: str) -> None:
    reviewer = Depends(require(role))

    @router.get(f"{prefix}/reviews", summary="My review queue: held legs and flagged settlements")
    def queue(request: Request, all: bool = False, me: Principal = reviewer) -> dict[str, Any]:
        return {"items": reviews.queue(platform_of(request), me, open_only=not all)}

    @router.get(f"{prefix}/reviews/{{kind}}/{{item_id}}", summary="One item with the evidence my role allows (audited)")
    def item(kind: Kind, item_id: str, request: Request, me: Principal = reviewer) -> dict[str, Any]:
        return reviews.item(platform_of(request), me, kind, item_id)

    @router.post(f"{prefix}/reviews/{{kind}}/{{item_id}}/decision", summary="Approve, reject or ask for more (audited)")
    async def decide(kind: Kind, item_id: str, body: DecisionIn, request: Request,
                     me: Principal = reviewer) -> dict[str, Any]:  # fmt: skip
        p = platform_of(request)
        return await run_in_threadpool(reviews.decide, p, me, kind, item_id, body.decision, body.reason)


_routes(Role.INSURER, "/insurer")
_routes(Role.REGULATOR, "/regulator")


@router.get("/insured/reviews", summary="My items under risk review and their outcome (with the reasons)")
def my_reviews(request: Request, me: Principal = Depends(require(Role.INSURED))) -> dict[str, Any]:
    return {"items": reviews.queue(platform_of(request), me, open_only=False)}
