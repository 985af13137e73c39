"""Rendering console pages: one Jinja2 environment over ``templates/`` whose globals carry the
glossary (``term``, ``field``, ``payer_kind``, ``route_name``, ``status_name``), and filters for
money (``yuan``: fen → ``"1234.56"``) and masking (``mask_name``). Every page goes through
:func:`render`, which adds the caller and the caller's menu."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from syncsettle.adapters.clock import national_time
from syncsettle.adapters.observability.masking import mask_name
from syncsettle.domain import glossary
from syncsettle.domain.codes import INSUTYPES, MED_TYPES
from syncsettle.domain.identity import ROLE_NAMES, Principal
from syncsettle.entrypoints.console import nav
from syncsettle.entrypoints.http.auth import PRINCIPAL_STATE
from syncsettle.money import format_yuan

TEMPLATES = Path(str(files("syncsettle.entrypoints.console") / "templates"))
templates = Jinja2Templates(directory=str(TEMPLATES))
env = templates.env
env.globals.update(
    term=glossary.term,
    field=glossary.field,
    field_value=glossary.value,
    payer_kind=lambda kind: glossary.PAYER_KINDS.get(kind, kind),
    route_name=lambda route: glossary.ROUTES.get(route, route),
    status_name=lambda status: glossary.STATUSES.get(status, status),
    fund_name=glossary.fund_name,
    insutype_name=lambda code: INSUTYPES.get(code, code),
    med_type_name=lambda code: MED_TYPES.get(code, code),
    role_name=lambda role: ROLE_NAMES.get(role, str(role)),
)
env.filters["yuan"] = lambda fen: format_yuan(int(fen or 0))
env.filters["mask_name"] = mask_name
env.filters["china_time"] = lambda instant: national_time(instant)[:16]


def principal_of(request: Request) -> Principal | None:
    found: Principal | None = getattr(request.state, PRINCIPAL_STATE, None)
    return found


def render(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    principal = principal_of(request)
    base = {"principal": principal, "menu": nav.entries_for(principal.role) if principal else []}
    return templates.TemplateResponse(request, template, {**base, **(context or {})}, status_code=status)
