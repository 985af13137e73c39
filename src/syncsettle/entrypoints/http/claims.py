"""Quick claims (快赔) over HTTP: the insured lists and triggers their own claims; an insurer lists
the claims on its products. No medical detail is shown — status, amounts and reasons only; the insurer
sees of an adjudication only what the ``result`` granularity carries (``claims.for_insurer``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from syncsettle.adapters.db import claims as repo
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.http.auth import forbid_unless, platform_of, require
from syncsettle.services.commercial import claims, pending_gauges
from syncsettle.services.errors import Code, ServiceError


def router() -> APIRouter:
    api = APIRouter(prefix="/api", tags=["quick claims"])
    pending_gauges.register()

    @api.get("/insured/claims", summary="My quick claims: pending commercial legs and what they paid")
    def my_claims(request: Request, principal: Principal = Depends(require(Role.INSURED))) -> dict[str, Any]:
        return {"claims": claims.claims_of(platform_of(request), psn_no=principal.tenant)}

    @api.post("/insured/claims/{claim_id}", summary="Claim now: settle one of my pending commercial legs")
    async def claim_now(
        claim_id: str, request: Request, principal: Principal = Depends(require(Role.INSURED))
    ) -> dict[str, Any]:
        p = platform_of(request)
        with p.uow(readonly=True) as uow:
            found = repo.claim(uow.conn, claim_id)
        if found is None:
            raise ServiceError(Code.NOT_FOUND, f"快赔 {claim_id} 不存在", "claim_id")
        forbid_unless(principal, found["psn_no"], "快赔")
        settled = await run_in_threadpool(claims.settle_claim, p, claim_id, principal)
        return {"claim": claims.public(settled)}

    @api.get("/insurer/claims", summary="Quick claims on this insurer's products")
    def insurer_claims(request: Request, principal: Principal = Depends(require(Role.INSURER))) -> dict[str, Any]:
        p = platform_of(request)
        return {"claims": claims.claims_of(p, insurer_id=principal.tenant, shown=claims.for_insurer)}

    return api
