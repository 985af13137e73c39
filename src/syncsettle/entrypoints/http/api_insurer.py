"""The insurer's API (商保机构): its filings (draft, revise, submit, withdraw, launch, activate,
exit), its products' enrollments (masked, only what the persons' consents allow) and the audit of
the data it received, and the FHIR R4 search of its own legs (``/fhir/ExplanationOfBenefit``,
``/fhir/ClaimResponse``: under consent, at each leg's granularity; docs/fhir.md). The tenant is the
insurer id; another insurer's filing answers 403."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, Field

from syncsettle.adapters.db.column_limits import max_length
from syncsettle.domain.commercial.lifecycle import FilingAction
from syncsettle.domain.identity import Principal, Role
from syncsettle.domain.rules.fields import Amount
from syncsettle.entrypoints.http.auth import platform_of, require
from syncsettle.entrypoints.http.fhir_routes import add_fhir_routes
from syncsettle.entrypoints.http.filing_steps import add_step_routes
from syncsettle.entrypoints.http.params import Before, DbId, PageLimit
from syncsettle.entrypoints.http.views import filing_view
from syncsettle.services.commercial import filings, insurer_enrollments
from syncsettle.services.management import data_use

router = APIRouter(prefix="/api/insurer", tags=["insurer"])
INSURER = Depends(require(Role.INSURER))
INSURER_STEPS = (FilingAction.SUBMIT, FilingAction.WITHDRAW, FilingAction.LAUNCH, FilingAction.ACTIVATE,
                 FilingAction.EXIT)  # fmt: skip


class DraftIn(BaseModel):
    content: dict[str, Any] = Field(description="the product rule file (kind: product), as JSON")
    region: str = Field(pattern=r"^[0-9]{6}$")  # ASCII digits: the regex's \d takes "３７０６００" too
    premium: Amount = Field(description='yuan per insured person per year, e.g. "99.00"')
    underwriting: dict[str, Any] | None = None
    line: str | None = Field(None, max_length=max_length("product_filings", "line"))


class ReviseIn(BaseModel):
    content: dict[str, Any] | None = None
    premium: Amount | None = None
    underwriting: dict[str, Any] | None = None


@router.get("/filings", summary="My filings")
def my_filings(request: Request, me: Principal = INSURER) -> list[dict[str, Any]]:
    return [filing_view(r) for r in filings.listing(platform_of(request), me)]


@router.post("/filings", summary="Draft a new product version")
def draft(body: DraftIn, request: Request, me: Principal = INSURER) -> dict[str, Any]:
    p = platform_of(request)
    filing_id = filings.draft(p, me, body.content, region=body.region, premium=body.premium,
                              underwriting=body.underwriting, line=body.line)  # fmt: skip
    return filing_view(filings.get(p, me, filing_id), content=True)


@router.get("/filings/{filing_id}", summary="One filing with its rule file and lifecycle events")
def filing(filing_id: DbId, request: Request, me: Principal = INSURER) -> dict[str, Any]:
    return filing_view(filings.get(platform_of(request), me, filing_id), content=True)


@router.put("/filings/{filing_id}", summary="Revise a draft (rule file, premium, underwriting rule)")
def revise(filing_id: DbId, request: Request, body: ReviseIn = Body(...), me: Principal = INSURER) -> dict[str, Any]:
    details = {name: getattr(body, name) for name in body.model_fields_set}  # values as parsed (fen, not yuan)
    return filing_view(filings.take_step(platform_of(request), me, filing_id, FilingAction.REVISE, **details))


add_step_routes(router, INSURER_STEPS, INSURER, "insurer")


@router.get("/enrollments", summary="Enrollments in my products: masked, only what consent allows (audited)")
def enrollments(request: Request, product_id: str | None = None, me: Principal = INSURER) -> list[dict[str, Any]]:
    return insurer_enrollments.enrollments(platform_of(request), me, product_id)


@router.get("/data-received", summary="Audit of the medical-insurance data I received (and was refused)")
def data_received(
    request: Request, limit: PageLimit = 100, before: Before = None, me: Principal = INSURER
) -> list[Any]:
    return data_use.entries(platform_of(request), me, limit=limit, before=before)


add_fhir_routes(router, INSURER, "the insurer's own legs, under consent")
