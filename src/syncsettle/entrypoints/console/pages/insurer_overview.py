"""商保总览 (the insurer's landing page): per month and product, enrollments in force, earned
premium, claims (bedside legs and quick claims), paid amount and loss ratio — the insurer's own
figures only (:mod:`syncsettle.services.commercial.insurer_figures`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import insurer_charts, nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.commercial import insurer_figures

PERIODS = (3, 6, 12, 24)
Months = Query(12, ge=1, le=60)


def register(router: APIRouter) -> None:
    # in 总览 so it is the insurer's first menu entry, hence where it lands after logging in
    nav.register(nav.Entry("/console/insurer", "商保总览", frozenset({Role.INSURER}), section="总览", order=20))

    @router.get("/console/insurer", response_class=HTMLResponse)
    def overview(request: Request, months: int = Months,
                 principal: Principal = Depends(page(Role.INSURER))) -> HTMLResponse:  # fmt: skip
        view = insurer_figures.figures(platform_of(request), principal, months)
        charts = {"enrollments": insurer_charts.enrollments(view), "claims": insurer_charts.claims(view),
                  "loss_ratio": insurer_charts.loss_ratio(view)}  # fmt: skip
        context = {"view": view, "months": months, "periods": PERIODS, "charts": charts, "total": view.total(),
                   "by_month": view.by_month(), "by_product": view.by_product()}  # fmt: skip
        return render(request, "insurer_overview.html", context)
