"""Quick claims (快赔) over HTTP: the insured lists and triggers their own claims; an insurer lists
the claims on its products. No medical detail is shown — status, amounts and reasons only; the insurer
sees of an adjudication only what the ``result`` granularity carries (``claims.for_insurer``).

The 商保码 (一码通赔): the insured person issues, lists, shows and revokes their own codes; the code is
presented with a settlement id by the person or by the settlement's hospital (scanned at the window),
and claims that settlement's commercial leg once (``services/commercial/claim_codes.py``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from syncsettle.adapters.db.column_limits import max_length
from syncsettle.domain.commercial.claim_code import MAX_LENGTH
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.http.auth import forbid_unless, platform_of, require
from syncsettle.services.commercial import claim_codes, claims, pending_gauges
from syncsettle.services.errors import Code, ServiceError


class CodeIn(BaseModel):
    product_id: str = Field(min_length=1, max_length=max_length("claim_codes", "product_id"))
    valid_days: int | None = Field(None, ge=1, le=claim_codes.MAX_VALID_DAYS,
                                   description=f"default {claim_codes.DEFAULT_VALID_DAYS}")  # fmt: skip


class PresentIn(BaseModel):
    code: str = Field(min_length=1, max_length=MAX_LENGTH, description="the code's text (SSC1.….…), as scanned")
    setl_id: str = Field(min_length=1, max_length=max_length("settlements", "setl_id"))


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
        found = claims.claim_row(p, claim_id)
        if found is None:
            raise ServiceError(Code.NOT_FOUND, f"快赔 {claim_id} 不存在", "claim_id")
        forbid_unless(principal, found["psn_no"], "快赔")
        settled = await run_in_threadpool(claims.settle_claim, p, claim_id, principal)
        return {"claim": claims.public(settled)}

    @api.get("/insurer/claims", summary="Quick claims on this insurer's products")
    def insurer_claims(request: Request, principal: Principal = Depends(require(Role.INSURER))) -> dict[str, Any]:
        p = platform_of(request)
        return {"claims": claims.claims_of(p, insurer_id=principal.tenant, shown=claims.for_insurer)}

    @api.get("/insured/claim-codes", summary="My 商保码 (一码通赔), newest first")
    def my_codes(request: Request, principal: Principal = Depends(require(Role.INSURED))) -> dict[str, Any]:
        return {"codes": claim_codes.mine(platform_of(request), principal)}

    @api.post("/insured/claim-codes", summary="Issue me a new 商保码 for a product (the previous one is superseded)")
    def issue_code(body: CodeIn, request: Request,
                   principal: Principal = Depends(require(Role.INSURED))) -> dict[str, Any]:  # fmt: skip
        return claim_codes.issue(platform_of(request), principal, body.product_id, valid_days=body.valid_days)

    @api.get("/insured/claim-codes/{code_id}", summary="One of my 商保码, with its signed text")
    def show_code(code_id: str, request: Request,
                  principal: Principal = Depends(require(Role.INSURED))) -> dict[str, Any]:  # fmt: skip
        return claim_codes.show(platform_of(request), principal, code_id)

    @api.post("/insured/claim-codes/{code_id}/revoke", summary="Revoke one of my 商保码: refused from now on")
    def revoke_code(code_id: str, request: Request,
                    principal: Principal = Depends(require(Role.INSURED))) -> dict[str, Any]:  # fmt: skip
        return claim_codes.revoke(platform_of(request), principal, code_id)

    @api.post("/claim-codes/present", summary="Present a 商保码 with a settlement: claim its commercial leg, once")
    async def present_code(
        body: PresentIn, request: Request, principal: Principal = Depends(require(Role.INSURED, Role.HOSPITAL))
    ) -> dict[str, Any]:
        return await run_in_threadpool(claim_codes.present, platform_of(request), principal, body.code, body.setl_id)

    return api
