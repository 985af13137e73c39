"""参保与理赔: the enrollments in the insurer's products as ``GET /api/insurer/enrollments`` shows them
(contract data always; masked personal data only under the person's underwriting consent; the page
shown is what is released and audited), the month's claims paid at the bedside (its statement's
lines) and its quick claims as ``GET /api/insurer/claims`` shows them — each list paged."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from syncsettle.adapters.clock import business_date
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.clearing import statement
from syncsettle.services.commercial import claims, insurer_enrollments
from syncsettle.services.commercial.insurer_figures import months_back

INSURER = frozenset({Role.INSURER})
PAGE = 50
Page = Query(1, ge=1)
CLAIM_STATES = {"pending": "待理赔", "settled": "已理赔", "cancelled": "已取消", "held": "待复核", "rejected": "已驳回"}
ENROLLMENT_STATES = {"active": "有效", "cancelled": "已退保"}


def months(request: Request, count: int = 12) -> list[str]:
    """The last ``count`` months up to today (platform clock), newest first, ``YYYY-MM``."""
    today = business_date(platform_of(request).clock.now())
    return [f"{a.year:04d}-{a.month:02d}" for a, _ in months_back(today, count)][::-1]


def _paged(rows: list[dict[str, Any]], number: int) -> dict[str, Any]:
    return {"rows": rows[(number - 1) * PAGE : number * PAGE], "page": number, "more": len(rows) > number * PAGE}


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/insurer/claims", "参保与理赔", INSURER, section="商保", order=20))

    @router.get("/console/insurer/claims", response_class=HTMLResponse)
    def enrollments_and_claims(
        request: Request, month: str | None = None, product: str | None = None, epage: int = Page,
        lpage: int = Page, cpage: int = Page, principal: Principal = Depends(page(Role.INSURER)),
    ) -> HTMLResponse:  # fmt: skip
        p = platform_of(request)
        choices = months(request)
        month = month or choices[0]
        # one row more than a page tells whether there is a next page; only the page is released (and audited)
        enrolled = insurer_enrollments.enrollments(p, principal, product or None, limit=PAGE + 1,
                                                   offset=(epage - 1) * PAGE)  # fmt: skip
        stmt = statement.statement(p, principal.tenant, month)
        quick = claims.claims_of(p, insurer_id=principal.tenant, shown=claims.for_insurer)
        context = {
            "month": month, "months": choices, "product": product or "",
            "enrollments": {"rows": enrolled[:PAGE], "page": epage, "more": len(enrolled) > PAGE},
            "lines": _paged(stmt.lines, lpage), "statement": stmt, "quick": _paged(quick[::-1], cpage),
            "claim_states": CLAIM_STATES, "enrollment_states": ENROLLMENT_STATES,
        }  # fmt: skip
        return render(request, "insurer_claims.html", context)
