"""本院结算: a hospital's settlements and reversals (only its own visits), filtered by date range and
status and paged, each settlement opening its detail — every payer's share (``setlinfo`` and the
``setldetail`` fund lines, each commercial leg settled or pending with the reason, the one-stop
summary) and its slips; amounts by payer over time, and its daily figures on the 3201 basis (per
day, insutype and clearing type, net of reversals)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from syncsettle.adapters.db.management.dashboards import Scope
from syncsettle.domain.glossary import STATUSES
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import charts, nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.pages.insured import LEG_STATES
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.management import dashboards
from syncsettle.services.slips import issue

PAGE = 20
HOSPITAL = page(Role.HOSPITAL)
SETTLED, REVERSAL = ("settled", "reversed"), ("reversal",)


@dataclass(frozen=True, slots=True)
class Filter:
    """The listing's filter: the last ``days`` days, or ``since``/``until`` when given; ``status`` one
    of :data:`~syncsettle.domain.glossary.STATUSES` (empty: all)."""

    days: int = 30
    since: date | None = None
    until: date | None = None
    status: str = ""

    def period(self, request: Request) -> tuple[date, date]:
        since, until = dashboards.period(platform_of(request), self.days)
        return self.since or since, self.until or until

    def statuses(self, kind: str) -> tuple[str, ...]:
        """The statuses of one table (``settled`` or ``reversal``) this filter lets through."""
        wanted = REVERSAL if kind == "reversal" else SETTLED
        return tuple(s for s in wanted if not self.status or s == self.status)

    def query(self) -> str:
        parts = {"days": self.days, "since": self.since or "", "until": self.until or "", "status": self.status}
        return "&".join(f"{k}={v}" for k, v in parts.items())


def filtered(
    days: int = Query(30, ge=1, le=366), since: date | None = None, until: date | None = None, status: str = ""
) -> Filter:
    return Filter(days, since, until, status if status in STATUSES else "")


def _rows(request: Request, principal: Principal, f: Filter, kind: str, before: str | None) -> list[dict[str, Any]]:
    statuses = f.statuses(kind)
    if not statuses:
        return []
    since, until = f.period(request)
    return dashboards.settlements(platform_of(request), Scope(hospital=principal.tenant), since, until,
                                  status=statuses, limit=PAGE, before=before)  # fmt: skip


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/hospital", "本院结算", frozenset({Role.HOSPITAL}), section="医院", order=10))

    @router.get("/console/hospital", response_class=HTMLResponse)
    def hospital(
        request: Request, f: Filter = Depends(filtered), principal: Principal = Depends(HOSPITAL)
    ) -> HTMLResponse:
        p = platform_of(request)
        since, until = f.period(request)
        view = dashboards.overview(p, Scope(hospital=principal.tenant), since, until)
        context = {
            "view": view, "days": f.days, "periods": (7, 30, 90, 365), "filter": f, "statuses": STATUSES,
            "charts": {"daily": charts.by_payer_kind(view), "funds": charts.by_fund(view)},
            "settlements": _rows(request, principal, f, "settled", None),
            "reversals": _rows(request, principal, f, "reversal", None),
            "basis": dashboards.reconciliation_basis(p, principal.tenant, since, until),
            "page_size": PAGE,
        }  # fmt: skip
        return render(request, "hospital.html", context)

    @router.get("/console/hospital/settlements", response_class=HTMLResponse)
    def more(request: Request, before: str, kind: str = "settled", f: Filter = Depends(filtered),
             principal: Principal = Depends(HOSPITAL)) -> HTMLResponse:  # fmt: skip
        rows = _rows(request, principal, f, kind, before)
        return render(request, "settlement_rows.html", {"rows": rows, "filter": f, "kind": kind, "page_size": PAGE})

    @router.get("/console/hospital/settlements/{setl_id}", response_class=HTMLResponse)
    def detail(request: Request, setl_id: str, principal: Principal = Depends(HOSPITAL)) -> HTMLResponse:
        shown = issue.settlement(platform_of(request), principal, setl_id)
        return render(request, "hospital_settlement.html", {"s": shown, "leg_states": LEG_STATES})
