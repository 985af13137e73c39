"""The FastAPI application factory: ``create_app(platform)``; ``syncsettle serve`` runs it with uvicorn."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse

from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.http import claims, fsi
from syncsettle.entrypoints.http.auth import install_error_handlers, require
from syncsettle.services.platform import Platform


def create_app(platform: Platform) -> FastAPI:
    app = FastAPI(title="syncsettle", version="0.1.0", description="医保商保同步结算平台 API")
    app.state.platform = platform
    install_error_handlers(app)
    app.include_router(fsi.router(lambda: platform))
    app.include_router(claims.router())

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok"

    @app.get("/api/me", summary="Who the credential belongs to (role, tenant, name)")
    def me(principal: Principal = Depends(require(*Role))) -> dict[str, str]:
        return {"role": principal.role.value, "tenant": principal.tenant, "name": principal.name,
                "credential_id": principal.credential_id}  # fmt: skip

    @app.get("/bare", response_class=PlainTextResponse, include_in_schema=False)
    def bare() -> str:
        """A trivial endpoint: the benchmark's measure of what the HTTP stack alone can do."""
        return "ok"

    return app
