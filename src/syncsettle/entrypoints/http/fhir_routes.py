"""FHIR search routes (``GET …/fhir/ExplanationOfBenefit`` and ``…/fhir/ClaimResponse``), added to
the insurer's and the insured person's routers: a searchset Bundle as ``application/fhir+json``,
by ``patient`` (a psn_no) and ``created`` (``ge2026-01-01`` style, repeatable). What each caller
may see is decided in :mod:`syncsettle.services.fhir_export`."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query, Request, Response

from syncsettle.domain.identity import Principal
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services import fhir_export

Patient = Query(None, max_length=30, description="the person (psn_no)")
Created = Query([], max_length=4, description="settlement date: [eq|ge|gt|le|lt]YYYY-MM-DD, repeatable")


class FhirResponse(Response):
    media_type = fhir_export.MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def add_fhir_routes(router: APIRouter, who: Any, label: str) -> None:
    """``GET /fhir/<type>`` for both resource types on ``router``, for the caller ``who`` allows."""
    for resource_type in fhir_export.RESOURCE_TYPES:

        def search(request: Request, patient: str | None = Patient, created: list[str] = Created,
                   me: Principal = who, _type: str = resource_type) -> FhirResponse:  # fmt: skip
            bundle = fhir_export.search(platform_of(request), me, _type, patient, created)
            return FhirResponse(bundle)

        router.add_api_route(
            f"/fhir/{resource_type}", search, methods=["GET"], response_class=FhirResponse,
            summary=f"FHIR R4 {resource_type} search ({label}): a searchset Bundle by patient and created",
        )  # fmt: skip
