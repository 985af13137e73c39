"""The console's home page: who is logged in and the menu of their role."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.render import render


def register(router: APIRouter) -> None:
    @router.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/console", status_code=307)

    @router.get("/console", response_class=HTMLResponse)
    def home(request: Request, principal: Principal = Depends(page(*Role))) -> HTMLResponse:
        return render(request, "home.html")
