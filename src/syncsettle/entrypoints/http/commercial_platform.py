"""``syncsettle serve --role commercial``: the commercial-platform service (商保平台), the far end of
the dual-platform channel. ``POST /channel/adjudicate`` and ``POST /channel/result`` take a sealed
envelope and answer with one; an envelope that must not be trusted (forged, stale, replayed,
undecryptable) is answered 400 with a plain reason and nothing else."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from syncsettle.adapters.channel.envelope import EnvelopeError
from syncsettle.entrypoints.http import docs
from syncsettle.services.commercial.insurer_side import CommercialSide
from syncsettle.services.platform import Platform, build_platform


def create_commercial_app(platform: Platform) -> FastAPI:
    side = CommercialSide(platform)
    side.warm()
    app = FastAPI(title="syncsettle commercial platform", version="0.1.0", description="商保平台（双平台一通道）",
                  docs_url=None, redoc_url=None)  # fmt: skip
    docs.install(app)  # offline, as the medical side

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok"

    @app.post("/channel/{kind}", summary="One sealed envelope in, one sealed envelope out")
    async def channel(kind: str, request: Request) -> Response:
        body = await request.body()
        try:
            answer = await run_in_threadpool(side.handle, f"/channel/{kind}", body)
        except EnvelopeError as exc:
            return PlainTextResponse(f"envelope refused: {exc}", status_code=400)
        return Response(answer, media_type="application/json")

    return app


def build_commercial_app() -> FastAPI:
    """The uvicorn factory: wiring happens when the server starts."""
    platform = build_platform(create=True)
    platform.settings.require_safe()
    return create_commercial_app(platform)
