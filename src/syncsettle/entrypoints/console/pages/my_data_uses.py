"""谁用了我的数据: every release, read and refusal about the insured person, newest first, a page at
a time — the read behind ``GET /api/insured/data-uses`` (the audit log as the person may see it):
when, who (the insurer or other recipient), for what purpose, at which granularity, under which
consent, and with what result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from syncsettle.domain import glossary
from syncsettle.domain.identity import ROLE_NAMES, Principal, Role
from syncsettle.entrypoints.console import nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.pages.consents import PURPOSES
from syncsettle.entrypoints.console.pages.reviews import GRANULARITIES
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.entrypoints.http.params import Before
from syncsettle.services.commercial import consents
from syncsettle.services.management import data_use

PAGE = 50
ACTIONS = {"release": "已提供", "read": "已查阅", "refusal": "已拒绝提供", "export": "已导出", "decision": "授权或决定"}
ROLE_LABELS = {r.value: name for r, name in ROLE_NAMES.items()}
OTHER_PURPOSES = {"slip": "查看结算单", "enrollment": "投保/退保", "review": glossary.TERMS["risk_review"]}


def _row(entry: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    at = datetime.fromisoformat(str(entry["at"]).replace("Z", "+00:00"))
    role, _, tenant = str(entry["actor"]).partition(":")
    actor = f"{ROLE_LABELS.get(role, role)} {names.get(tenant, tenant)}"
    return {**entry, "at": at, "who": glossary.recipient(entry["recipient"], names), "actor": actor.strip(),
            "reason": glossary.note(entry["reason"]),
            "purpose_name": PURPOSES.get(entry["purpose"]) or OTHER_PURPOSES.get(entry["purpose"], entry["purpose"]),
            "granularity_name": GRANULARITIES.get(entry["granularity"] or "", entry["granularity"] or ""),
            "result": ACTIONS.get(entry["action"], entry["action"])}  # fmt: skip


def register(router: APIRouter) -> None:
    entry = nav.Entry("/console/my-data-uses", "谁用了我的数据", frozenset({Role.INSURED}), section="我的", order=30)
    nav.register(entry)

    @router.get("/console/my-data-uses", response_class=HTMLResponse)
    def my_data_uses(request: Request, before: Before = None,
                  principal: Principal = Depends(page(Role.INSURED))) -> HTMLResponse:  # fmt: skip
        p = platform_of(request)
        names = {i["insurer_id"]: i["name"] for i in consents.grantable(p, principal)}
        entries = data_use.entries(p, principal, limit=PAGE, before=before)
        rows = [_row(e, names) for e in entries]
        older = rows[-1]["entry_id"] if len(rows) == PAGE else None
        return render(request, "my_data_uses.html", {"rows": rows, "before": before, "older": older})
