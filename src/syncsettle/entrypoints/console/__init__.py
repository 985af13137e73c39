"""The web console: server-rendered pages (Jinja2 + htmx), charts with ECharts, both vendored into
``static/vendor`` (nothing from a CDN), Chinese UI with the glossary's words.

:func:`install` adds to the app: the session middleware, the static files (and the slip font, so
Chinese renders the same everywhere), login/logout, every page module of ``pages/`` (each registers
its routes and its menu entry, see :mod:`.nav`), and HTML error pages for console paths.
"""

from __future__ import annotations

import inspect
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from syncsettle.entrypoints.console import auth, pages
from syncsettle.entrypoints.console.render import render
from syncsettle.services.errors import Code, ServiceError

HTML_PREFIXES = ("/console", "/verify")
HTTP_PAGES = {
    404: ("页面不存在", "没有这个控制台地址，请从菜单进入或检查地址是否输入正确。"),
    405: ("无法完成", "此地址不支持该操作。"),
}
STATUS = {Code.NOT_FOUND: 404, Code.FORBIDDEN: 403, Code.UNAUTHORISED: 401}


def install(app: FastAPI) -> None:
    static = Path(str(files("syncsettle.entrypoints.console") / "static"))
    fonts = Path(str(files("syncsettle.adapters.slips") / "fonts"))
    app.add_middleware(auth.Sessions)
    app.mount("/console/static", StaticFiles(directory=static), name="console-static")
    app.mount("/console/fonts", StaticFiles(directory=fonts), name="console-fonts")
    router = APIRouter(include_in_schema=False)
    auth.register(router)
    pages.register_all(router)
    app.include_router(router)
    app.add_exception_handler(auth.LoginRequired, auth.login_required)  # type: ignore[arg-type]
    app.add_exception_handler(auth.PageForbidden, auth.forbidden)  # type: ignore[arg-type]
    json_errors = app.exception_handlers.get(ServiceError)

    async def service_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        if request.url.path.startswith(HTML_PREFIXES) or json_errors is None:
            context: dict[str, Any] = {"title": "无法完成", "message": exc.message, "code": exc.code.value}
            return render(request, "error.html", context, status=STATUS.get(exc.code, 400))
        response = json_errors(request, exc)
        return await response if inspect.isawaitable(response) else response

    app.add_exception_handler(ServiceError, service_error)
    http_errors = app.exception_handlers.get(StarletteHTTPException) or http_exception_handler

    async def http_error(request: Request, exc: Exception) -> Response:
        """Unknown console addresses (and other HTTP errors under the console) as a console page."""
        assert isinstance(exc, StarletteHTTPException)
        if request.url.path.startswith(HTML_PREFIXES) and "text/html" in request.headers.get("accept", "text/html"):
            title, message = HTTP_PAGES.get(exc.status_code, ("无法完成", str(exc.detail)))
            return render(request, "error.html", {"title": title, "message": message, "code": exc.status_code},
                          status=exc.status_code)  # fmt: skip
        response = http_errors(request, exc)
        return await response if inspect.isawaitable(response) else response

    app.add_exception_handler(StarletteHTTPException, http_error)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(static / "favicon.svg", media_type="image/svg+xml")
