"""Public endpoints (no credentials): the platform's SM2 public key, checking a consent receipt or
an inclusion proof with it, the latest signed checkpoint and the products on sale. Everything here
is safe to publish: keys and signatures are meant to be checked by anyone."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request

from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.entrypoints.http.views import filing_view
from syncsettle.services.commercial import filings as commercial_filings
from syncsettle.services.commercial.consents import verify_receipt
from syncsettle.services.management import audit_proofs
from syncsettle.services.management.audit_proofs import verify_bundle

router = APIRouter(prefix="/api/public", tags=["public"])


@router.get("/platform-key", summary="The platform's SM2 public key (consent receipts, audit checkpoints)")
def platform_key(request: Request) -> dict[str, str]:
    public = platform_of(request).settings.keys.public("platform")
    return {"algorithm": "SM2 with SM3, user ID 1234567812345678", "public_key": public.to_hex(),
            "pem": public.to_pem().decode()}  # fmt: skip


@router.post("/consent-receipts/verify", summary="Check a consent receipt's SM2 signature")
def verify_consent_receipt(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, bool]:
    public = platform_of(request).settings.keys.public("platform")
    return {"valid": verify_receipt(public, body.get("receipt"), str(body.get("signature", "")))}


@router.post("/audit-proofs/verify", summary="Check an inclusion proof bundle against its signed checkpoint")
def verify_audit_proof(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, bool]:
    return {"valid": verify_bundle(platform_of(request).settings.keys.public("platform"), body)}


@router.get("/audit/checkpoint", summary="The latest signed tree head of the audit log (null while empty)")
def latest_checkpoint(request: Request) -> dict[str, Any] | None:
    return audit_proofs.latest_checkpoint(platform_of(request))


@router.get("/products", summary="Products open for enrollment today")
def products(request: Request) -> list[dict[str, Any]]:
    return [filing_view(r) for r in commercial_filings.open_for_enrollment(platform_of(request))]
