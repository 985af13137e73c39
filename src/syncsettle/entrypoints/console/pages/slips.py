"""A settlement's slips (结算单) as an HTML page, a PDF and a signed JSON document, for whoever may see
the settlement (the insured person, the hospital, the operator, a regulator of the region)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from syncsettle.adapters.slips.pdf import render_pdf
from syncsettle.adapters.slips.qr import qr_png, qr_svg
from syncsettle.domain.identity import Principal, Role
from syncsettle.domain.slip_layout import sections
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.slips import issue
from syncsettle.services.slips.signing import SIGNER, SignedSlip

ROLES = (Role.INSURED, Role.HOSPITAL, Role.OPERATOR, Role.REGULATOR)


def verify_url(request: Request, slip: SignedSlip) -> str:
    """The URL the QR code carries: the platform's ``/verify`` with the slip id and its signature, at
    its public address (``SYNCSETTLE_PUBLIC_BASE_URL``), else at the address the request came in on."""
    base = platform_of(request).settings.public_base_url or str(request.base_url).rstrip("/")
    return f"{base}/verify?slip={slip.slip_id}&sig={slip.signature}"


def register(router: APIRouter) -> None:
    @router.get("/console/slips/{slip_id}", response_class=HTMLResponse)
    def slip_page(request: Request, slip_id: str, principal: Principal = Depends(page(*ROLES))) -> HTMLResponse:
        p = platform_of(request)
        slip = issue.issue(p, principal, slip_id)
        url = verify_url(request, slip)
        context = {"slip": slip, "sections": sections(slip.content), "verify_url": url, "qr": qr_svg(url),
                   "public_key": p.settings.keys.public(SIGNER).to_hex()}  # fmt: skip
        return render(request, "slip.html", context)

    @router.get("/console/slips/{slip_id}/pdf")
    def slip_pdf(request: Request, slip_id: str, principal: Principal = Depends(page(*ROLES))) -> Response:
        p = platform_of(request)
        slip = issue.issue(p, principal, slip_id)
        url = verify_url(request, slip)
        body = render_pdf(
            slip.content["title"], slip.content["issuer"], sections(slip.content), slip.slip_id, url, slip.signature,
            qr_png(url), p.settings.keys.public(SIGNER).to_hex(),
        )  # fmt: skip
        headers = {"Content-Disposition": f'inline; filename="{slip.slip_id}.pdf"'}
        return Response(body, media_type="application/pdf", headers=headers)

    @router.get("/console/slips/{slip_id}/json")
    def slip_json(request: Request, slip_id: str, principal: Principal = Depends(page(*ROLES))) -> Response:
        slip = issue.issue(platform_of(request), principal, slip_id)
        body = json.dumps(slip.document(), ensure_ascii=False, indent=2)
        headers = {"Content-Disposition": f'attachment; filename="{slip.slip_id}.json"'}
        return Response(body, media_type="application/json", headers=headers)
