"""数据使用监测: who accessed whose data, for what purpose, under which consent, at which granularity
and with what outcome — the audit entries a regulator may read (persons insured in its regions; a
national regulator and the operator: all), the same read as ``GET /api/regulator/data-uses``
(``data_use.entries``), filterable by receiving insurer and purpose, newest first, one page of
:data:`PAGE` entries at a time (older pages by the last entry id)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.pages.reviews import GRANULARITIES
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.entrypoints.http.params import Before
from syncsettle.services.management import admission, data_use

ROLES = (Role.REGULATOR, Role.OPERATOR)
PAGE = 50
PURPOSES = {"settlement": "结算", "quick_claim": "快赔", "underwriting": "核保", "analytics": "精算分析"}
ACTIONS = {"release": "数据出域", "read": "查阅", "refusal": "拒绝提供", "export": "导出", "decision": "审核决定"}
OUTCOMES = {"released": "已提供", "refused": "已拒绝", "undelivered": "未送达", "suppressed": "已抑制"}


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/data-uses", "数据使用监测", frozenset(ROLES), section="监管", order=10))

    @router.get("/console/data-uses", response_class=HTMLResponse)
    def data_uses(
        request: Request, insurer: str = "", purpose: str = "", before: Before = None,
        principal: Principal = Depends(page(*ROLES)),
    ) -> HTMLResponse:  # fmt: skip
        p = platform_of(request)
        rows = data_use.entries(p, principal, limit=PAGE + 1, before=before, recipient=insurer or None,
                                purpose=purpose or None)  # fmt: skip
        more = len(rows) > PAGE
        rows = [r | {"when": datetime.fromisoformat(r["at"])} for r in rows[:PAGE]]
        context = {
            "rows": rows, "insurer": insurer, "purpose": purpose, "before": before,
            "next_before": rows[-1]["entry_id"] if more else None,
            "insurers": [r["insurer_id"] for r in admission.listing(p, principal)],
            "purposes": PURPOSES, "actions": ACTIONS, "outcomes": OUTCOMES, "granularities": GRANULARITIES,
        }  # fmt: skip
        return render(request, "data_uses.html", context)
