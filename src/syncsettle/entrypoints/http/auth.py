"""Authentication and role checks for the platform's APIs (everything but the national ``/fsi/api``).

A route declares who may call it with ``principal: Principal = Depends(require(Role.INSURER, ...))``
and checks the tenant itself (``principal.owns(...)``), answering 403 for another tenant's data.
The roles a route admits are kept on the dependency (:func:`roles_of`), so the authorisation matrix
test can enumerate every route of the app and try every role × own/other tenant.

Errors of these APIs are JSON ``{"error": {"code": "SS-xxxx", "message": "…", "field": …}}`` with
an HTTP status that fits the stable code (see :data:`STATUS`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import DataError

from syncsettle.adapters.rulebook import loc_to_path
from syncsettle.domain.identity import ROLE_NAMES, Principal, Role
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.entrypoints.http.validation_messages import chinese
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management import identity
from syncsettle.services.platform import Platform

STATUS = {
    Code.UNAUTHORISED: 401,
    Code.FORBIDDEN: 403,
    Code.NOT_FOUND: 404,
    Code.MALFORMED: 422,
    Code.FIELD: 422,
    Code.STATE: 409,
    Code.DUPLICATE: 409,
    Code.CONFLICT: 409,
    Code.TOO_LARGE: 413,
}
PRINCIPAL_STATE = "syncsettle_principal"  # a console session may put the principal on request.state


def platform_of(request: Request) -> Platform:
    p: Platform = request.app.state.platform
    return p


def bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None


def require(*roles: Role) -> Callable[[Request], Principal]:
    """A dependency admitting callers of ``roles`` (401 without valid credentials, 403 for another role)."""
    allowed = frozenset(roles)

    def dependency(request: Request) -> Principal:
        principal: Principal | None = getattr(request.state, PRINCIPAL_STATE, None)
        if principal is None:
            token = bearer(request)
            if not token:
                raise ServiceError(Code.UNAUTHORISED, "缺少凭证（Authorization: Bearer <凭证编号>.<密钥>）")
            principal = identity.authenticate(platform_of(request), token)
        if principal.role not in allowed:
            raise ServiceError(Code.FORBIDDEN, f"角色 {ROLE_NAMES[principal.role]} 无权访问")
        return principal

    dependency.syncsettle_roles = allowed  # type: ignore[attr-defined]
    return dependency


def forbid_unless(principal: Principal, tenant: str, what: str) -> None:
    """403 unless ``principal`` acts for ``tenant``."""
    if not principal.owns(tenant):
        raise ServiceError(Code.FORBIDDEN, f"无权访问其他主体的{what}")


def roles_of(route: APIRoute, marker: str = "syncsettle_roles") -> frozenset[Role] | None:
    """The roles a route admits, or ``None`` for a public route (no ``require`` dependency). Console
    pages mark theirs as ``syncsettle_console_roles`` (see ``entrypoints/console/auth.page_roles``)."""
    for dep in route.dependant.dependencies:
        roles = getattr(dep.call, marker, None)
        if roles is not None:
            return frozenset(roles)
    return None


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every API route of ``app`` with its full path, routers included with ``include_router``
    flattened (FastAPI ≥ 0.16x keeps them as wrappers in ``app.routes``)."""
    from fastapi import routing

    flatten = getattr(routing, "_iter_included_route_candidates", None)
    routes = flatten(app.routes) if flatten is not None else app.routes
    return [r for r in routes if isinstance(r, APIRoute)]


def error_body(exc: ServiceError) -> dict[str, Any]:
    return {"error": {"code": exc.code.value, "message": exc.message, "field": exc.field}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse(error_body(exc), status_code=STATUS.get(exc.code, 400))

    @app.exception_handler(InvalidInput)
    async def _invalid(_request: Request, exc: InvalidInput) -> JSONResponse:
        return JSONResponse(error_body(ServiceError(Code.FIELD, exc.reason, exc.field)), status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        """A body, path or query parameter FastAPI could not read: the same error shape, the field
        path, a Chinese message; beside it FastAPI's ``detail`` list, each ``msg`` Chinese too."""
        errors = list(exc.errors()) or [{"loc": (), "type": "invalid"}]
        detail = [{"loc": [str(part) for part in e.get("loc", ())], "msg": f"[{Code.FIELD.value}] {chinese(e)}"}
                  for e in errors]  # fmt: skip
        first = errors[0]
        field = loc_to_path([part for part in first.get("loc", ()) if part not in ("body", "query", "path")])
        body = error_body(ServiceError(Code.FIELD, chinese(first), field or None))
        return JSONResponse({**body, "detail": detail}, status_code=422)

    @app.exception_handler(UnicodeEncodeError)
    async def _unstorable(_request: Request, exc: UnicodeEncodeError) -> JSONResponse:
        """A backstop behind the edge guard: text with a lone surrogate cannot be encoded to store."""
        message = "含不成对的代理字符，不是合法的 Unicode 文本"
        return JSONResponse(error_body(ServiceError(Code.FIELD, message)), status_code=422)

    @app.exception_handler(DataError)
    async def _out_of_range(_request: Request, exc: DataError) -> JSONResponse:
        """A backstop behind the validation of each route: a value the database refused for its
        column (too long, out of the integer range, NUL); nothing was written (the unit rolled back)."""
        message = "取值超出字段的长度或范围，或含 NUL 字符"
        return JSONResponse(error_body(ServiceError(Code.FIELD, message)), status_code=422)
