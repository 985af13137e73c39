"""Rendering console pages: one Jinja2 environment over ``templates/`` whose globals carry the
glossary (``term``, ``field``, ``payer_kind``, ``route_name``, ``status_name``), and filters for
money (``yuan``: fen → ``"1234.56"``) and masking (``mask_name``). Every page goes through
:func:`render`, which adds the caller and the caller's menu."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from syncsettle.adapters.clock import national_time
from syncsettle.adapters.observability.masking import mask_name
from syncsettle.domain import glossary
from syncsettle.domain.codes import INSUTYPES, MED_TYPES
from syncsettle.domain.identity import ROLE_NAMES, Principal
from syncsettle.entrypoints.console import nav
from syncsettle.entrypoints.http.auth import PRINCIPAL_STATE
from syncsettle.money import format_yuan
from syncsettle.services.commercial import filings as commercial_filings

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


def china_time(instant: datetime | str | None) -> Markup:
    """An instant (aware ``datetime`` or ISO string, as the services hand them) as Beijing time to
    the minute with its zone shown: ``2025-06-01 09:30 UTC+8`` (a bare date or ``None`` as is)."""
    if instant is None or instant == "":
        return Markup("")
    if isinstance(instant, str):
        try:
            instant = datetime.fromisoformat(instant.replace("Z", "+00:00"))
        except ValueError:
            return Markup(escape(instant))
    if instant.tzinfo is None:  # stored naive by SQLite: the platform writes UTC
        instant = instant.replace(tzinfo=UTC)
    shown = national_time(instant)[:16]
    return Markup(f'<time datetime="{instant.isoformat()}">{shown}<span class="tz"> UTC+8</span></time>')


env.filters["china_time"] = china_time


def active_entry(menu: Any, path: str) -> str | None:
    """The one menu entry a page belongs to: the longest entry path that is ``path`` or a parent of it
    (``/console/insurer/products/x`` is under 产品, not also under ``/console/insurer``)."""
    paths = [entry.path for _section, entries in menu for entry in entries]
    under = [p for p in paths if path == p or path.startswith(p.rstrip("/") + "/")]
    return max(under, key=len) if under else None


env.globals["active_entry"] = active_entry


def principal_of(request: Request) -> Principal | None:
    found: Principal | None = getattr(request.state, PRINCIPAL_STATE, None)
    return found


def _product_names(request: Request) -> dict[str, str]:
    """Product id → name, for pages that list products by id (people read names, not slugs)."""
    platform = getattr(request.app.state, "platform", None)
    products = getattr(getattr(platform, "rules", None), "products", None) or {}
    return {pid: product.name for pid, product in products.items()}


def _insurer_names(request: Request) -> dict[str, str]:
    """Insurer id → the name it was admitted under."""
    platform = getattr(request.app.state, "platform", None)
    if platform is None:
        return {}
    return commercial_filings.insurer_names(platform)


def render(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    principal = principal_of(request)
    base = {"principal": principal, "menu": nav.entries_for(principal.role) if principal else [],
            "product_names": _product_names(request), "insurer_names": _insurer_names(request)}  # fmt: skip
    return templates.TemplateResponse(request, template, {**base, **(context or {})}, status_code=status)
