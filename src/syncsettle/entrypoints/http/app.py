"""The FastAPI application factory: ``create_app(platform)``; ``syncsettle serve`` runs it with uvicorn."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from syncsettle.entrypoints.http import fsi
from syncsettle.services.platform import Platform


def create_app(platform: Platform) -> FastAPI:
    app = FastAPI(title="syncsettle", version="0.1.0", description="医保商保同步结算平台 API")
    app.include_router(fsi.router(lambda: platform))

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok"

    @app.get("/bare", response_class=PlainTextResponse, include_in_schema=False)
    def bare() -> str:
        """A trivial endpoint: the benchmark's measure of what the HTTP stack alone can do."""
        return "ok"

    return app
