"""本院结算: a hospital's settlements and reversals (with their slips), amounts by payer over time,
and its daily figures on the 3201 basis (per day, insutype and clearing type, net of reversals)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from syncsettle.adapters.db.dashboards import Scope
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import charts, nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.management import dashboards

PAGE = 20
Days = Query(30, ge=1, le=366)


def _rows(request: Request, principal: Principal, days: int, status: tuple[str, ...], before: str | None) -> Any:
    p = platform_of(request)
    since, until = dashboards.period(p, days)
    return dashboards.settlements(p, Scope(hospital=principal.tenant), since, until, status=status, limit=PAGE,
                                  before=before)  # fmt: skip


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/hospital", "本院结算", frozenset({Role.HOSPITAL}), section="医院", order=10))

    @router.get("/console/hospital", response_class=HTMLResponse)
    def hospital(
        request: Request, days: int = Days, principal: Principal = Depends(page(Role.HOSPITAL))
    ) -> HTMLResponse:
        p = platform_of(request)
        since, until = dashboards.period(p, days)
        view = dashboards.overview(p, Scope(hospital=principal.tenant), since, until)
        context = {
            "view": view, "days": days, "periods": (7, 30, 90, 365),
            "charts": {"daily": charts.by_payer_kind(view), "funds": charts.by_fund(view)},
            "settlements": _rows(request, principal, days, ("settled", "reversed"), None),
            "reversals": _rows(request, principal, days, ("reversal",), None),
            "basis": dashboards.reconciliation_basis(p, principal.tenant, since, until),
            "page_size": PAGE,
        }  # fmt: skip
        return render(request, "hospital.html", context)

    @router.get("/console/hospital/settlements", response_class=HTMLResponse)
    def more(
        request: Request, before: str, days: int = Days, kind: str = "settled",
        principal: Principal = Depends(page(Role.HOSPITAL)),
    ) -> HTMLResponse:  # fmt: skip
        status = ("reversal",) if kind == "reversal" else ("settled", "reversed")
        rows = _rows(request, principal, days, status, before)
        return render(request, "settlement_rows.html", {"rows": rows, "days": days, "kind": kind, "page_size": PAGE})
