"""对账结果: the hospitals' reconciliation runs — 3201 totals (the platform's figures against the
hospital's, matched or with what differs) and 3202 detail (how many settlements match, how many
differ) — kept by ``hospital_reconciliation`` in each run's own transaction, and the tracked
discrepancies behind the differences with their resolution state (``discrepancies.listing``).

The operator sees every hospital (section 清分对账); a hospital sees only its own (section 医院,
its own path so each menu keeps its place)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from syncsettle.domain.clearing.reconciliation import DESCRIPTIONS, HOSPITAL_FIELDS
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.clearing import discrepancies
from syncsettle.services.clearing.hospital_reconciliation import runs

KINDS = {"3201": "对总账（3201）", "3202": "对明细账（3202）"}
RESULTS = {"0": "平", "1": "不平"}
STATES = {"open": "待处理", "investigating": "核查中", "resolved": "已解决", "written_off": "已核销"}


def _context(request: Request, hospital: str | None) -> dict[str, Any]:
    p = platform_of(request)
    return {
        "runs": runs(p, hospital),
        "discrepancies": [d | {"updated": datetime.fromisoformat(d["updated_at"])}
                          for d in discrepancies.listing(p, source="hospital", party=hospital)],
        "hospital": hospital, "kinds": KINDS, "results": RESULTS, "states": STATES, "reasons": DESCRIPTIONS,
        "fields": HOSPITAL_FIELDS,
    }  # fmt: skip


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/reconciliation", "对账结果", frozenset({Role.OPERATOR}), section="清分对账",
                           order=20))  # fmt: skip
    nav.register(nav.Entry("/console/reconciliation/mine", "对账结果", frozenset({Role.HOSPITAL}), section="医院",
                           order=20))  # fmt: skip

    @router.get("/console/reconciliation", response_class=HTMLResponse)
    def every_hospital(request: Request, principal: Principal = Depends(page(Role.OPERATOR))) -> HTMLResponse:
        return render(request, "reconciliation.html", _context(request, None))

    @router.get("/console/reconciliation/mine", response_class=HTMLResponse)
    def mine(request: Request, principal: Principal = Depends(page(Role.HOSPITAL))) -> HTMLResponse:
        return render(request, "reconciliation.html", _context(request, principal.tenant))
