"""我的产品: the insurer's filings (each product version it filed) with status, approved window,
route, granularity and premium; one filing with its lifecycle events and its rule file (YAML, the
file a what-if replay starts from). The same service calls as ``GET /api/insurer/filings[/{id}]``;
another insurer's filing answers 403."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.entrypoints.http.params import DbId
from syncsettle.entrypoints.http.views import filing_view
from syncsettle.services.commercial import filings

INSURER = frozenset({Role.INSURER})
FILING_STATUSES = {"draft": "草稿", "submitted": "待审核", "approved": "已核准", "rejected": "已驳回",
                   "on_sale": "在售", "active": "生效中", "suspended": "已暂停", "exited": "已退出"}  # fmt: skip
GRANULARITIES = {"result": "结算结果", "settlement_summary": "结算数据", "category": "费用大类", "detail": "费用明细"}


def _named(row: dict[str, Any]) -> dict[str, Any]:
    content = row.get("content") or {}
    return {**filing_view(row), "name": content.get("name", row["product_id"])}


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/insurer/products", "我的产品", INSURER, section="商保", order=10))
    words = {"statuses": FILING_STATUSES, "granularities": GRANULARITIES}

    @router.get("/console/insurer/products", response_class=HTMLResponse)
    def products(request: Request, principal: Principal = Depends(page(Role.INSURER))) -> HTMLResponse:
        rows = [_named(r) for r in filings.listing(platform_of(request), principal)]
        return render(request, "insurer_products.html", {"filings": rows, **words})

    @router.get("/console/insurer/products/{filing_id}", response_class=HTMLResponse)
    def product(filing_id: DbId, request: Request, principal: Principal = Depends(page(Role.INSURER))) -> HTMLResponse:
        row = filings.get(platform_of(request), principal, filing_id)
        return render(request, "insurer_product.html", {"filing": _named(row), **words})

    @router.get("/console/insurer/products/{filing_id}/rules.yaml")
    def rule_file(filing_id: DbId, request: Request, principal: Principal = Depends(page(Role.INSURER))) -> Response:
        row = filings.get(platform_of(request), principal, filing_id)
        body = yaml.safe_dump(row["content"], allow_unicode=True, sort_keys=False)
        name = f"{row['product_id']}-v{row['version']}.yaml"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(body, media_type="application/yaml", headers=headers)
