"""清分窗口: the clearing centre's settlement windows (state, items, instructions, totals, checksum)
and, for the chosen window, gross and net per payer × hospital with the payment instructions to
download as CSV and JSON — the files of ``syncsettle clearing`` (``clear.instruction_file``, the one
renderer of instructions, with its totals and SM3 checksum)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from syncsettle.domain.glossary import fund_name
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.downloads import CSV, for_excel
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.clearing import clear, windows

ROLES = (Role.OPERATOR,)
WINDOW_STATES = {"OPEN": "开放", "CLOSED": "已关闭", "PENDING_SETTLEMENT": "待划拨", "SETTLED": "已结清",
                 "ABORTED": "已中止"}  # fmt: skip
INSTRUCTION_STATES = {"issued": "已下达", "confirmed": "已确认", "void": "已作废"}
LEDGERS = {"medical": "医保基金账套", "commercial": "商保资金账套"}
CLEARED = ("PENDING_SETTLEMENT", "SETTLED")


def payer_name(payer: str) -> str:
    """``fund:370600:310100`` → 基金名（参保地）; ``insurer:X`` → 商保机构 X."""
    kind, _, rest = payer.partition(":")
    if kind == "fund":
        region, _, fund = rest.partition(":")
        return f"{fund_name(fund)}（{region}）"
    return f"商保机构 {rest}" if kind == "insurer" else payer


def _context(request: Request, window_id: str | None) -> dict[str, Any]:
    p = platform_of(request)
    rows = windows.status(p)
    chosen = window_id or next((w["window_id"] for w in rows if w["status"] in CLEARED), None)
    context: dict[str, Any] = {"windows": rows, "chosen": chosen, "positions": [], "states": WINDOW_STATES,
                               "instruction_states": INSTRUCTION_STATES, "ledgers": LEDGERS, "payer_name": payer_name,
                               "cleared": False}  # fmt: skip
    if chosen:
        context["window"] = windows.status(p, window_id=chosen)[0]
        context["positions"] = windows.positions(p, chosen)
        context["cleared"] = context["window"]["status"] in CLEARED
    return context


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/clearing", "清分窗口", frozenset(ROLES), section="清分对账", order=10))

    @router.get("/console/clearing", response_class=HTMLResponse)
    def clearing(request: Request, window: str | None = None, principal: Principal = Depends(page(*ROLES))) -> Any:
        return render(request, "clearing.html", _context(request, window))

    @router.get("/console/clearing/{window_id}/instructions.csv")
    def instructions_csv(window_id: str, request: Request, principal: Principal = Depends(page(*ROLES))) -> Response:
        body = clear.instruction_file(platform_of(request), window_id, "csv")
        headers = {"Content-Disposition": f'attachment; filename="{window_id}-instructions.csv"'}
        return Response(for_excel(str(body)), media_type=CSV, headers=headers)

    @router.get("/console/clearing/{window_id}/instructions.json")
    def instructions_json(window_id: str, request: Request, principal: Principal = Depends(page(*ROLES))) -> Response:
        body = clear.instruction_file(platform_of(request), window_id, "json")
        headers = {"Content-Disposition": f'attachment; filename="{window_id}-instructions.json"'}
        return JSONResponse(body, headers=headers)
