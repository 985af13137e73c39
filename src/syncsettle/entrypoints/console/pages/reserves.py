"""准备金告警: every prefunded insurer's position — reserve, exposure (legs reserved and not yet
cleared), net-debit cap and headroom (reserve + cap − exposure) — with a bar chart of reserve
against exposure, and the open alerts (``prefund_exhausted``: legs that waited because the reserve
and cap were used up). The operator sees every insurer; a regulator the insurers admitted in its
regions (``admission.listing``). Reads ``prefunding.positions`` (the read behind
``GET /api/insurer/prefunding``) and ``prefund.alerts_of`` (behind ``GET /api/operator/alerts``)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import charts, nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.clearing import prefunding
from syncsettle.services.commercial import prefund
from syncsettle.services.management import admission

ROLES = (Role.OPERATOR, Role.REGULATOR)
ALERT_KINDS = {prefund.ALERT: "备付金及净借记上限已用尽"}


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/reserves", "准备金告警", frozenset(ROLES), section="商保", order=40))

    @router.get("/console/reserves", response_class=HTMLResponse)
    def reserves(request: Request, principal: Principal = Depends(page(*ROLES))) -> HTMLResponse:
        p = platform_of(request)
        rows, alerts = prefunding.positions(p), prefund.alerts_of(p, open_only=True)
        if principal.role is Role.REGULATOR:
            mine = {r["insurer_id"] for r in admission.listing(p, principal)}
            rows = [r for r in rows if r["insurer"] in mine]
            alerts = [a for a in alerts if a["insurer"] in mine]
        alerts = [a | {"raised": datetime.fromisoformat(a["raised_at"]), "last": datetime.fromisoformat(a["last_at"])}
                  for a in alerts]  # fmt: skip
        context = {"rows": rows, "alerts": alerts, "chart": charts.reserves(rows), "kinds": ALERT_KINDS}
        return render(request, "reserves.html", context)
