"""Who is looking at the console: the session middleware, the page dependency, login and logout.

:class:`Sessions` resumes the session cookie on every request (except static files) and puts the
principal where ``entrypoints/http/auth.require`` looks first, so the platform's JSON APIs under
``/api`` accept a console session as well as a bearer token (``SameSite=Lax`` keeps other sites'
forms from posting with it). A page declares its roles with ``Depends(page(Role.X, ...))``: without
a session it redirects to the login page (htmx requests get ``HX-Redirect``), for another role it
answers 403 with a page. The roles are kept on the dependency (:func:`page_roles`) for a test that
walks every console route.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console import nav
from syncsettle.entrypoints.console.render import principal_of, render
from syncsettle.entrypoints.http.auth import PRINCIPAL_STATE, platform_of, roles_of
from syncsettle.services.errors import ServiceError
from syncsettle.services.management import sessions
from syncsettle.services.platform import Platform

STATIC_PREFIXES = ("/console/static/", "/console/fonts/")
CONSOLE_MARKER = "syncsettle_console_roles"  # kept apart from the APIs' marker: pages redirect, APIs answer 401


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class PageForbidden(Exception):
    pass


class Sessions:
    """ASGI middleware: a valid session cookie (and no ``Authorization`` header) → ``request.state`` principal."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(STATIC_PREFIXES):
            connection = HTTPConnection(scope)
            value = connection.cookies.get(sessions.COOKIE)
            if value and "authorization" not in connection.headers:
                platform: Platform = scope["app"].state.platform
                principal = await run_in_threadpool(sessions.resume, platform, value)
                if principal is not None:
                    scope.setdefault("state", {})[PRINCIPAL_STATE] = principal
        await self.app(scope, receive, send)


def page(*roles: Role) -> Callable[[Request], Principal]:
    """A dependency admitting console users of ``roles``."""
    allowed = frozenset(roles)

    def dependency(request: Request) -> Principal:
        principal = principal_of(request)
        if principal is None:
            raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        if principal.role not in allowed:
            raise PageForbidden()
        return principal

    setattr(dependency, CONSOLE_MARKER, allowed)
    return dependency


def page_roles(route: APIRoute) -> frozenset[Role] | None:
    """The roles a console page admits (``None``: a public page such as ``/verify``)."""
    return roles_of(route, CONSOLE_MARKER)


def login_required(request: Request, exc: LoginRequired) -> Response:
    target = f"/console/login?next={quote(exc.next_path, safe='')}"
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def forbidden(request: Request, _exc: PageForbidden) -> HTMLResponse:
    return render(request, "error.html", {"title": "无权访问", "message": "当前角色不能打开此页面。"}, status=403)


def _safe_next(value: str | None) -> str | None:
    """Only a path of this site (no scheme, no host, no ``//``) is followed after logging in."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


def register(router: APIRouter) -> None:
    @router.get("/console/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str | None = None) -> HTMLResponse:
        return render(request, "login.html", {"next": _safe_next(next) or "", "error": None})

    @router.post("/console/login", include_in_schema=False)
    def login(request: Request, token: str = Form(""), next: str = Form("")) -> Response:
        p = platform_of(request)
        try:
            principal, value, _expires = sessions.login(p, token)
        except ServiceError as exc:
            return render(request, "login.html", {"next": _safe_next(next) or "", "error": exc.message}, status=401)
        response = RedirectResponse(_safe_next(next) or nav.home(principal.role), status_code=303)
        response.set_cookie(
            sessions.COOKIE, value, max_age=int(sessions.LIFETIME.total_seconds()), path="/",
            httponly=True, samesite="lax", secure=request.url.scheme == "https",
        )  # fmt: skip
        return response

    @router.post("/console/logout", include_in_schema=False)
    def logout() -> Response:
        response = RedirectResponse("/console/login", status_code=303)
        response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="lax")
        return response
