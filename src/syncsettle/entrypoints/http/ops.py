"""Operations endpoints and middleware: ``/metrics`` (Prometheus), ``/readyz`` (database reachable and
migrated to head, keys safe for the mode), request ids (``X-Request-ID`` in and out, on every log
line of the request), an access log line per request at INFO, and the per-minute latency flush.

``/healthz`` (the process answers) stays in ``app.py``. The probes are public: they carry states,
never personal data. ``/metrics`` is not (issue 15, defect 7: it shows each insurer's reserve and
exposure): with ``SYNCSETTLE_METRICS_TOKEN`` set it wants ``Authorization: Bearer <that token>``
(what a Prometheus scrape config's ``authorization`` sends); without one, only a client on this
machine (loopback, or the in-process test client) may read it. Behind a reverse proxy every client
looks local: set the token there.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syncsettle.adapters.db.core.engine import ping
from syncsettle.adapters.db.core.migrate import current_revision, head_revision
from syncsettle.adapters.observability import gauges
from syncsettle.adapters.observability.latency import Flusher, LatencyRecorder
from syncsettle.adapters.observability.logs import REQUEST_ID, accept_request_id
from syncsettle.adapters.observability.metrics import exposition
from syncsettle.adapters.settings import Mode, SettingsError
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.management import events
from syncsettle.services.management.key_check import key_mismatch
from syncsettle.services.platform import Platform

log = logging.getLogger("syncsettle.http")
FLUSH_INTERVAL_S = 10.0


class RequestIds:
    """ASGI middleware: takes (or makes) the request id, exposes it to logging, returns it, logs the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = accept_request_id(headers.get(b"x-request-id", b"").decode("latin-1") or None)
        token = REQUEST_ID.set(request_id)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={"method": scope.get("method"), "path": scope.get("path"), "status": status,
                           "duration_ms": round((time.perf_counter() - started) * 1000, 2)},
                )  # fmt: skip
            REQUEST_ID.reset(token)


@lru_cache(maxsize=1)
def _head() -> str | None:
    return head_revision()


def readiness(p: Platform) -> tuple[bool, dict[str, str]]:
    """Each check's verdict: the database answers, it is at the code's migration head, the keys suit the mode."""
    checks: dict[str, str] = {}
    try:
        ping(p.engine)
        checks["database"] = "ok"
        at, head = current_revision(p.engine), _head()
        checks["migrations"] = f"ok (at {at})" if at == head else f"at {at}, code needs {head}"
    except Exception as exc:  # unreachable, wrong credentials, missing file: all mean "not ready"
        checks["database"] = f"unreachable ({exc.__class__.__name__})"
        checks["migrations"] = "unknown"
    try:
        p.settings.require_safe()
        checks["keys"] = "ok (development keys, development mode)" if p.settings.mode is Mode.DEVELOPMENT else "ok"
    except SettingsError as exc:
        checks["keys"] = str(exc)
    if checks["database"] == "ok" and checks["migrations"].startswith("ok"):
        try:
            mismatch = key_mismatch(p)
        except Exception as exc:  # a probe answers, it does not crash
            mismatch = f"sealed data unreadable ({exc.__class__.__name__})"
        checks["sealed_data"] = mismatch or "ok"
    else:
        checks["sealed_data"] = "unknown"
    ready = (
        checks["database"] == "ok" and checks["migrations"].startswith("ok") and checks["keys"].startswith("ok")
        and checks["sealed_data"] == "ok"
    )  # fmt: skip
    return ready, checks


LOCAL_CLIENTS = frozenset({"127.0.0.1", "::1", "testclient"})  # testclient: Starlette's in-process client


def metrics_allowed(request: Request) -> bool:
    """The scrape carries the configured token, or (none configured) comes from this machine."""
    token = os.environ.get("SYNCSETTLE_METRICS_TOKEN", "")
    if token:
        given = request.headers.get("authorization", "")
        return given[:7].lower() == "bearer " and hmac.compare_digest(given[7:].strip().encode(), token.encode())
    host = request.client.host if request.client else ""
    return host in LOCAL_CLIENTS or host.startswith("127.")


def router() -> APIRouter:
    api = APIRouter(tags=["operations"])

    @api.get("/metrics", summary="Prometheus metrics (text exposition; bearer token, or loopback only)")
    def metrics(request: Request) -> Response:
        if not metrics_allowed(request):
            return JSONResponse({"error": "[SS-1101] 指标接口需要 Authorization: Bearer <SYNCSETTLE_METRICS_TOKEN>"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        body, content_type = exposition(platform_of(request))
        return Response(body, media_type=content_type)

    @api.get("/readyz", summary="Ready to serve: database reachable and migrated to head, keys safe")
    def readyz(request: Request) -> JSONResponse:
        ready, checks = readiness(platform_of(request))
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    return api


def install(app: FastAPI) -> None:
    """Request ids and access log, the probes and ``/metrics``, the latency recorder of this process."""
    app.state.latency = LatencyRecorder()
    app.add_middleware(RequestIds)
    app.include_router(router())
    gauges.register("syncsettle_outbox_unpublished", "Settlement events not yet published", events.unpublished)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    """While the server runs, flush the latency histograms every :data:`FLUSH_INTERVAL_S` seconds."""
    recorder: LatencyRecorder = app.state.latency
    p: Platform = app.state.platform
    flusher = Flusher(
        lambda: recorder.flush(p.engine), FLUSH_INTERVAL_S, lambda exc: log.warning("latency flush: %s", exc)
    )
    flusher.start()
    try:
        yield {}
    finally:
        await asyncio.to_thread(flusher.stop)
