"""待结商保与快赔: the commercial legs still waiting (per insurer and reason: how many and the fen
they wait on — the ``/metrics`` gauges' read, ``pending_gauges.pending_by_insurer``) and the quick
claims with their status, reason and number of attempts (``claims.claims_of``, as the claims APIs
show them). The operator sees every insurer; an insurer only its own, shown as its claims API shows
it (``claims.for_insurer``: the reason's standard text, no medical detail)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from syncsettle.domain.commercial.pending import PendingReason
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.pages.reviews import STATES
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.money import format_yuan
from syncsettle.services.commercial import claims
from syncsettle.services.commercial.pending_gauges import pending_by_insurer

ROLES = (Role.OPERATOR, Role.INSURER)
WAITING_FIRST = {"pending": 0, "held": 1}


def reason_text(code: str | None) -> str:
    if not code:
        return ""
    try:
        return PendingReason(code).text
    except ValueError:
        return code


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/pending", "待结商保与快赔", frozenset(ROLES), section="结算", order=10))

    @router.get("/console/pending", response_class=HTMLResponse)
    def pending(request: Request, principal: Principal = Depends(page(*ROLES))) -> HTMLResponse:
        p = platform_of(request)
        mine = principal.tenant if principal.role is Role.INSURER else None
        waiting = [
            {"insurer": insurer, "reason_code": reason, "reason": reason_text(reason), "legs": count,
             "amount": format_yuan(amount)}
            for (insurer, reason), (count, amount) in sorted(pending_by_insurer(p, ("pending", "held")).items())
            if mine is None or insurer == mine
        ]  # fmt: skip
        shown = claims.for_insurer if mine else claims.public
        rows: list[dict[str, Any]] = [
            c | {"settled": datetime.fromisoformat(c["settled_at"]) if c["settled_at"] else None}
            for c in claims.claims_of(p, insurer_id=mine, shown=shown)
        ]
        rows.sort(key=lambda c: WAITING_FIRST.get(c["status"], 2))  # stable: oldest first within a status
        context = {"waiting": waiting, "claims": rows, "states": STATES, "reason_text": reason_text,
                   "open": sum(1 for c in rows if c["status"] in WAITING_FIRST)}  # fmt: skip
        return render(request, "pending.html", context)
