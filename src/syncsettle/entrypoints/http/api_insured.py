"""The insured person's API (参保人): my policies, one-click enrollment and cancellation, my consents
(grant, revoke, signed receipt), who used my data, and my settlements as FHIR R4 resources
(``/fhir/ExplanationOfBenefit``, ``/fhir/ClaimResponse``; docs/fhir.md). The tenant is the person's ``psn_no``: every
route acts on the caller's own records, and one naming another person's record answers 403."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from syncsettle.adapters.db.column_limits import max_length
from syncsettle.domain.commercial.vocabulary import Granularity, Purpose
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.http.auth import platform_of, require
from syncsettle.entrypoints.http.fhir_routes import add_fhir_routes
from syncsettle.entrypoints.http.params import Before, DbId, PageLimit
from syncsettle.entrypoints.http.views import consent_view
from syncsettle.services.commercial import consents, enrollment, policies
from syncsettle.services.commercial.enrollment import Member
from syncsettle.services.management import data_use
from syncsettle.services.slips import push

router = APIRouter(prefix="/api/insured", tags=["insured"])
INSURED = Depends(require(Role.INSURED))


class MemberIn(BaseModel):
    certno: str = Field(min_length=1, max_length=50)
    psn_name: str = Field(min_length=1, max_length=100)


class EnrollIn(BaseModel):
    product_id: str = Field(max_length=max_length("enrollments", "product_id"))
    members: list[MemberIn] = Field([], max_length=20)
    paid_by: str = Field("personal_account", max_length=max_length("enrollments", "paid_by"))
    insutype: str | None = Field(None, max_length=max_length("insurance_rows", "insutype"))
    agree: bool = Field(True, description="grant the underwriting and settlement consents with this click")


class ConsentIn(BaseModel):
    insurer_id: str = Field(max_length=max_length("consents", "insurer_id"))
    purpose: Purpose
    granularity: Granularity
    begndate: date
    enddate: date


def _enrolled(result: dict[str, Any]) -> dict[str, Any]:
    return {"enrollments": [policies.view(r) for r in result["enrollments"]], "declined": result["declined"],
            "consents": [consent_view(c) for c in result["consents"]]}  # fmt: skip


@router.get("/policies", summary="My enrollments and those I pay for (family members)")
def my_policies(request: Request, me: Principal = INSURED) -> list[dict[str, Any]]:
    return policies.my_policies(platform_of(request), me)


@router.get("/enrollment-form", summary="The one-click form, prefilled from the medical-insurance domain")
def enrollment_form(product_id: str, request: Request, me: Principal = INSURED) -> dict[str, Any]:
    return policies.enrollment_form(platform_of(request), me, product_id)


@router.post("/enrollments", summary="Enroll (one click): consents, underwriting, premium, enrollment")
def enroll(body: EnrollIn, request: Request, me: Principal = INSURED) -> dict[str, Any]:
    members = [Member(m.certno, m.psn_name) for m in body.members]
    result = enrollment.enroll(platform_of(request), me, body.product_id, members=members, paid_by=body.paid_by,
                               insutype=body.insutype, agree=body.agree)  # fmt: skip
    return _enrolled(result)


@router.post("/enrollments/{enrollment_id}/cancel", summary="Cancel: cover stops today, pro-rata refund")
def cancel(enrollment_id: DbId, request: Request, me: Principal = INSURED) -> dict[str, Any]:
    return policies.cancel(platform_of(request), me, enrollment_id)


@router.get("/notices", summary="What was pushed to me: slips, reversals, quick-claim progress")
def my_notices(request: Request, limit: PageLimit = 50, me: Principal = INSURED) -> list[dict[str, Any]]:
    return push.mine(platform_of(request), me, limit)


@router.get("/consents", summary="My consents, with their signed receipts")
def my_consents(request: Request, me: Principal = INSURED) -> list[dict[str, Any]]:
    return [consent_view(c) for c in consents.mine(platform_of(request), me)]


@router.post("/consents", summary="Grant an insurer a consent (purpose, granularity, period)")
def grant(body: ConsentIn, request: Request, me: Principal = INSURED) -> dict[str, Any]:
    row = consents.grant(platform_of(request), me, body.insurer_id, body.purpose, body.granularity, body.begndate,
                         body.enddate)  # fmt: skip
    return consent_view(row)


@router.post("/consents/{consent_id}/revoke", summary="Revoke a consent: effective at the next use")
def revoke(consent_id: str, request: Request, me: Principal = INSURED) -> dict[str, Any]:
    return consent_view(consents.revoke(platform_of(request), me, consent_id))


@router.get("/consents/{consent_id}/receipt", summary="The SM2-signed receipt of a consent and the key to check it")
def receipt(consent_id: str, request: Request, me: Principal = INSURED) -> dict[str, Any]:
    return consents.receipt(platform_of(request), me, consent_id)


@router.get("/data-uses", summary="Who used my data: every release, read and refusal about me")
def data_uses(request: Request, limit: PageLimit = 100, before: Before = None, me: Principal = INSURED) -> list[Any]:
    return data_use.entries(platform_of(request), me, limit=limit, before=before)


add_fhir_routes(router, INSURED, "my own settlements")
