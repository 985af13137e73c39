"""对账单: the insurer's monthly statement (one line per settlement line; reversals as negated lines)
to download as CSV or XLSX — the same rendering as ``syncsettle statement`` — and its prefunding
position and alerts as ``GET /api/insurer/prefunding`` and ``/api/insurer/alerts`` show them."""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from syncsettle.adapters.statement_files import to_csv, write_xlsx
from syncsettle.domain.glossary import COLUMNS
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.downloads import for_excel
from syncsettle.entrypoints.console.pages.insurer_claims import months
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.api_alerts import insurer_alerts, my_prefunding
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.clearing import statement
from syncsettle.services.errors import Code, ServiceError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}
ALERT_KINDS = {"prefund_exhausted": "备付金不足"}


def _download(stmt: statement.Statement, fmt: str) -> Response:
    name = f"statement-{stmt.insurer}-{stmt.month}.{fmt}"
    if fmt == "csv":
        body = for_excel(to_csv(stmt.columns, stmt.lines, stmt.trailer))
    else:
        out = io.BytesIO()
        write_xlsx(out, f"{stmt.insurer} {stmt.month}", stmt.columns, stmt.lines, stmt.trailer,
                   header=[COLUMNS.get(c, c) for c in stmt.columns])  # fmt: skip
        body = out.getvalue()
    return Response(body, media_type=FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/insurer/statements", "对账单与备付金", frozenset({Role.INSURER}), section="商保",
                           order=30))  # fmt: skip

    @router.get("/console/insurer/statements", response_class=HTMLResponse)
    def statements(request: Request, month: str | None = None,
                   principal: Principal = Depends(page(Role.INSURER))) -> HTMLResponse:  # fmt: skip
        choices = months(request)
        month = month or choices[0]
        stmt = statement.statement(platform_of(request), principal.tenant, month)
        context: dict[str, Any] = {
            "month": month, "months": choices, "statement": stmt, "alert_kinds": ALERT_KINDS,
            "prefunding": my_prefunding(request, principal), "alerts": insurer_alerts(request, me=principal)["alerts"],
        }  # fmt: skip
        return render(request, "insurer_statements.html", context)

    @router.get("/console/insurer/statements/{month}.{fmt}")
    def download(month: str, fmt: str, request: Request,
                 principal: Principal = Depends(page(Role.INSURER))) -> Response:  # fmt: skip
        if fmt not in FORMATS:
            raise ServiceError(Code.NOT_FOUND, f"不支持的格式 {fmt}（csv 或 xlsx）", "fmt")
        return _download(statement.statement(platform_of(request), principal.tenant, month), fmt)
