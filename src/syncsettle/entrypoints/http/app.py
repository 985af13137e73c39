"""The FastAPI application factory: ``create_app(platform)``; ``syncsettle serve`` runs it with uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse

from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints import console
from syncsettle.entrypoints.http import (
    api_actuarial,
    api_alerts,
    api_audit,
    api_insured,
    api_insurer,
    api_public,
    api_regulator,
    api_reviews,
    bench_hooks,
    claims,
    docs,
    fsi,
    openapi_docs,
    ops,
)
from syncsettle.entrypoints.http.auth import install_error_handlers, require
from syncsettle.entrypoints.http.edge_guard import EdgeGuard
from syncsettle.entrypoints.http.sealer import sealing_lifespan
from syncsettle.services.platform import Platform


def _lifespan(platform: Platform, seal_every: float, sign_every: float) -> Callable[[FastAPI], Any]:
    """Background work while the server runs: audit sealing and the latency-histogram flusher."""
    sealing = sealing_lifespan(platform, seal_every, sign_every)

    @asynccontextmanager
    async def both(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        async with sealing(app), ops.lifespan(app) as state:
            yield state

    return both


def create_app(platform: Platform, *, seal_every: float = 1.0, sign_every: float = 60.0) -> FastAPI:
    """The app; while it runs (its lifespan) the audit log is sealed every ``seal_every`` seconds and
    a checkpoint signed every ``sign_every`` seconds when it grew, and latency histograms are flushed."""
    app = FastAPI(title="syncsettle", version="0.1.0", description=openapi_docs.DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_tags=openapi_docs.TAGS,
                  lifespan=_lifespan(platform, seal_every, sign_every))  # fmt: skip
    docs.install(app)  # /docs and /redoc with packaged assets: they work offline
    app.state.platform = platform
    install_error_handlers(app)
    console.install(app)
    fsi.inflight_limit()  # a bad SYNCSETTLE_FSI_INFLIGHT stops the server at start, not each request
    app.add_middleware(fsi.FsiLane, platform=lambda: platform)  # inside the request ids, outside the sessions
    # outside the fsi lane, so an oversize envelope or a NUL in a path is refused before any of it
    app.add_middleware(EdgeGuard, max_body_bytes=platform.settings.max_body_bytes, now=platform.clock.now)
    ops.install(app)  # after the console: its request-id middleware wraps everything, sessions included
    app.include_router(fsi.router(lambda: platform))
    for module in (
        api_public,
        api_insured,
        api_insurer,
        api_regulator,
        api_audit,
        api_reviews,
        api_alerts,
        api_actuarial,
    ):
        app.include_router(module.router)
    app.include_router(claims.router())

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok"

    @app.get("/api/me", summary="Who the credential belongs to (role, tenant, name)")
    def me(principal: Principal = Depends(require(*Role))) -> dict[str, str]:
        return {"role": principal.role.value, "tenant": principal.tenant, "name": principal.name,
                "credential_id": principal.credential_id}  # fmt: skip

    bench_hooks.install(app, platform)

    @app.get("/bare", response_class=PlainTextResponse, include_in_schema=False)
    def bare() -> str:
        """A trivial endpoint: the benchmark's measure of what the HTTP stack alone can do."""
        return "ok"

    openapi_docs.install(app)
    return app
