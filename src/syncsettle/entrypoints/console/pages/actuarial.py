"""精算分析: the released actuarial tables — an insurer's of its own products (by age band, sex,
region, pre-existing class, month) and the remainder distribution (what patients still paid after
basic insurance), a regulator's remainder distribution of a product or of everyone insured in its
regions. The same calls as ``GET /api/insurer/actuarial/aggregates``, ``…/remainder`` and
``GET /api/regulator/actuarial/remainder`` (:mod:`syncsettle.services.computing.access`): the
minimum cell size, optional noise under the caller's privacy budget, and each release audited as an
``export``. Nothing is released until the form is submitted (``run=1``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from syncsettle.adapters.clock import business_date
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.pages.privacy_budgets import STATES
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.commercial.insurer_figures import product_ids
from syncsettle.services.computing import access
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

ANALYSTS = (Role.INSURER, Role.REGULATOR)
DIMENSION_NAMES = {"age_band": "年龄段", "sex": "性别", "region": "参保地", "pre_existing": "既往症", "month": "月份"}
SEXES = {"1": "男", "2": "女"}


def products_for(p: Platform, principal: Principal) -> dict[str, str]:
    """The products the caller may ask about: an insurer's own; for a regulator every product."""
    if principal.role is Role.INSURER:
        return product_ids(p, principal)
    return {pid: rule.name for pid, rule in sorted(p.rules.products.items())}


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/actuarial", "精算分析", frozenset(ANALYSTS), section="商保", order=40))

    @router.get("/console/actuarial", response_class=HTMLResponse)
    def actuarial(
        request: Request, product: str = "", day_from: date | None = Query(None, alias="from"),
        day_to: date | None = Query(None, alias="to"), by: list[str] = Query(["age_band", "sex"]),
        epsilon: str = "", run: bool = False, principal: Principal = Depends(page(*ANALYSTS)),
    ) -> HTMLResponse:  # fmt: skip
        p = platform_of(request)
        by = [b for b in by if b]  # ``by=`` alone: no dimension, the product's total
        today = business_date(p.clock.now())
        day_from, day_to = day_from or date(today.year, 1, 1), day_to or today
        products = products_for(p, principal)
        if principal.role is Role.INSURER and not product and products:
            product = next(iter(products))
        context: dict[str, Any] = {
            "products": products, "product": product, "day_from": day_from, "day_to": day_to, "by": by,
            "epsilon": epsilon, "dimensions": DIMENSION_NAMES, "sexes": SEXES, "min_cell": access.MIN_CELL,
            "aggregates": None, "remainder": None, "error": None,
        }  # fmt: skip
        if run:
            try:
                if principal.role is Role.INSURER:
                    context["aggregates"] = access.aggregates(p, principal, product, day_from, day_to, by,
                                                              epsilon=epsilon or None)  # fmt: skip
                context["remainder"] = access.remainder(p, principal, product or None, day_from, day_to,
                                                        epsilon=epsilon or None)  # fmt: skip
            except ServiceError as exc:
                if exc.code in (Code.FORBIDDEN, Code.NOT_FOUND):  # another insurer's product: 403 / 404 page
                    raise
                context["error"] = f"{exc.message}（{exc.field}）" if exc.field else exc.message
        context["budgets"] = access.budgets(p, principal)
        context["budget_states"] = STATES
        return render(request, "actuarial.html", context, status=200 if context["error"] is None else 422)
