"""The lifecycle steps of a filing as HTTP routes: one ``POST …/filings/{filing_id}/<step>`` per
action, taking an optional ``{"reason": …}``. The insurer's and the regulator's routers each add
the steps of the lifecycle table that belong to them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from syncsettle.domain.commercial.lifecycle import FilingAction
from syncsettle.domain.identity import Principal
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.entrypoints.http.params import DbId
from syncsettle.entrypoints.http.views import filing_view
from syncsettle.services.commercial import filings


class ReasonIn(BaseModel):
    reason: str = ""


def add_step_routes(router: APIRouter, actions: tuple[FilingAction, ...], who: Any, party: str) -> None:
    """Add a route per action to ``router``; ``who`` is the ``Depends(require(...))`` of the party."""
    for action in actions:
        _add(router, action, who, party)


def _add(router: APIRouter, action: FilingAction, who: Any, party: str) -> None:
    def step(filing_id: DbId, request: Request, body: ReasonIn | None = None, me: Principal = who) -> dict[str, Any]:
        reason = body.reason if body else ""
        return filing_view(filings.take_step(platform_of(request), me, filing_id, action, reason))

    path = f"/filings/{{filing_id}}/{action.value.replace('_', '-')}"
    router.post(path, summary=f"{action.value} (see the lifecycle table)", name=f"{party}_{action.value}")(step)
