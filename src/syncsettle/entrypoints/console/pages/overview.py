"""运营总览: volumes and amounts by payer, fund, insurer/product and insured region over time, for the
operator (everything, plus the interface's latency and error rate) and a regulator (the insured
regions its tenant covers). The operator also sees the outbox: how many events wait for the broker,
and whether one is configured (docs/events.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from syncsettle.adapters.db.management.dashboards import Scope, region_prefix
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import charts, nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.management import dashboards, events

ROLES = (Role.OPERATOR, Role.REGULATOR)
PERIODS = (7, 30, 90, 365)
LATENCY_WINDOW = timedelta(hours=3)
Days = Query(30, ge=1, le=366)


def _context(request: Request, principal: Principal, days: int) -> dict[str, Any]:
    p = platform_of(request)
    scope = Scope(region_prefix=region_prefix(principal.tenant)) if principal.role is Role.REGULATOR else Scope()
    since, until = dashboards.period(p, days)
    view = dashboards.overview(p, scope, since, until)
    options = {
        "daily": charts.by_payer_kind(view), "counts": charts.daily_counts(view), "funds": charts.by_fund(view),
        "products": charts.by_product(view), "regions": charts.by_region(view),
    }  # fmt: skip
    context: dict[str, Any] = {"view": view, "days": days, "periods": PERIODS, "charts": options, "latency": None}
    if principal.role is Role.OPERATOR:
        now = p.clock.now()
        lat = dashboards.recent_latency(p, now, LATENCY_WINDOW)
        context.update(latency=lat, latency_chart=charts.latency(lat),
                       events={"waiting": events.status(p), "broker": p.settings.nats_url})  # fmt: skip
    return context


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/overview", "运营总览", frozenset(ROLES), section="总览", order=10))

    @router.get("/console/overview", response_class=HTMLResponse)
    def overview(request: Request, days: int = Days, principal: Principal = Depends(page(*ROLES))) -> HTMLResponse:
        return render(request, "overview.html", _context(request, principal, days))

    @router.get("/console/overview/panel", response_class=HTMLResponse)
    def panel(request: Request, days: int = Days, principal: Principal = Depends(page(*ROLES))) -> HTMLResponse:
        return render(request, "overview_panel.html", _context(request, principal, days))
