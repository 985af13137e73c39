"""我的保单与结算: an insured person's policies (enrollments) and settlements with both slips, and this
period's split of their bills between the funds, commercial insurance, the account and cash."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from syncsettle.adapters.db.dashboards import Scope
from syncsettle.domain.glossary import PAYER_KINDS
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.money import format_yuan
from syncsettle.services.management import dashboards

Days = Query(365, ge=1, le=3660)


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/me", "我的保单与结算", frozenset({Role.INSURED}), section="我的", order=10))

    @router.get("/console/me", response_class=HTMLResponse)
    def me(request: Request, days: int = Days, principal: Principal = Depends(page(Role.INSURED))) -> HTMLResponse:
        p = platform_of(request)
        since, until = dashboards.period(p, days)
        scope = Scope(psn_no=principal.tenant)
        totals = dashboards.totals(p, scope, since, until)
        split = {
            "tooltip": {"trigger": "item"}, "legend": {"bottom": 0},
            "series": [{"name": "支付构成", "type": "pie", "radius": ["35%", "65%"], "data": [
                {"name": PAYER_KINDS[kind], "value": format_yuan(totals[key])}
                for kind, key in (("fund", "public_funds"), ("product", "commercial"),
                                  ("personal_account", "personal_account"), ("cash", "cash"))
                if totals[key]
            ]}],
        }  # fmt: skip
        context = {
            "days": days, "totals": totals, "split": split, "policies": dashboards.policies(p, principal.tenant),
            "settlements": dashboards.settlements(p, scope, since, until, status=("settled", "reversed"), limit=100),
        }  # fmt: skip
        return render(request, "insured.html", context)
