"""``POST /fsi/api`` and the national gateway's ``POST /fsi/api/rsfComIfsService/callService``: the
national envelope in, ``{infcode, inf_refmsgid, refmsg_time, respond_time, err_msg, output}`` out
(:mod:`syncsettle.entrypoints.national`). Every failure is ``infcode: -1`` with a Chinese ``err_msg``
starting with a stable code (``[SS-1002] …``) and the same code in ``err_code``; bad input never
becomes a 500.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import weakref
from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from syncsettle.adapters.observability.metrics import observe_interface
from syncsettle.entrypoints.national.dispatch import GATEWAY_PATH, PATHS, dispatch
from syncsettle.entrypoints.national.envelope import OPENAPI_EXTRA, OPENAPI_RESPONSES
from syncsettle.services.platform import Platform

log = logging.getLogger("syncsettle.fsi")


def handle(p: Platform, request: Request, body: bytes) -> tuple[int, dict[str, Any]]:
    """Answer one envelope (:mod:`syncsettle.entrypoints.national`), and count and time it
    (Prometheus, and the console's latency histograms)."""
    started = time.perf_counter()
    call: dict[str, str] = {}
    standard = request.url.path == GATEWAY_PATH
    status, content = dispatch(p, request.headers, body, standard=standard, call=call)
    observe_interface(
        getattr(request.app.state, "latency", None), p.clock.now(), call.get("infno", "-"),
        content.get("err_code", "ok"), content.get("output"), time.perf_counter() - started,
    )  # fmt: skip
    return status, content


class FsiLane:
    """ASGI middleware: ``POST /fsi/api`` (and the gateway's path) is answered here, beside the route
    table rather than through it.

    Why: the hospital interface is the platform's hot path, and on the way to its route every
    request crossed the console's session middleware, the exception middleware and a route table of
    some hundred console and API routes matched in order — a third of a worker's CPU per envelope
    in a ``py-spy --gil`` profile under load. The envelope needs none of it: it authenticates with
    its own bearer credential and answers every error itself (``infcode -1``). It sits inside the
    request-id middleware, so the ``X-Request-ID`` header and the access log are unchanged; anything
    unexpected still reaches the server-error middleware (a 500). The route below stays, for the
    OpenAPI schema and for an app assembled without this middleware."""

    def __init__(self, app: ASGIApp, platform: Callable[[], Platform]) -> None:
        self.app = app
        self.platform = platform

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in PATHS or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        status, content = await _run(self.platform(), request, await request.body())
        await JSONResponse(content, status_code=status)(scope, receive, send)


def router(platform: Callable[[], Platform]) -> APIRouter:
    api = APIRouter()

    async def fsi_api(request: Request) -> JSONResponse:
        body = await request.body()
        status, content = await _run(platform(), request, body)
        return JSONResponse(content, status_code=status)

    api.add_api_route(
        "/fsi/api",
        fsi_api,
        methods=["POST"],
        summary="National interface envelope (platform path)",
        openapi_extra=OPENAPI_EXTRA,
        responses=OPENAPI_RESPONSES,
    )
    api.add_api_route(
        GATEWAY_PATH, fsi_api, methods=["POST"], name="fsi_gateway",
        summary="National interface envelope (the national gateway's path; x-tif-* signed; always HTTP 200)",
        openapi_extra=OPENAPI_EXTRA, responses=OPENAPI_RESPONSES,
    )  # fmt: skip

    return api


def inflight_limit() -> int:
    """How many envelopes one worker process works on at once (``SYNCSETTLE_FSI_INFLIGHT``, default 3).

    Why a small number: a worker is one Python interpreter, so at most one of its threads runs at a
    time; a few in flight keep it busy while others wait on the database, and more only add GIL
    hand-overs and database backends fighting for the same two cores (measured: CPU per visit rose
    from 19 to 28 ms of server and from 6.5 to 11–12 ms of PostgreSQL between 2 and 32 concurrent
    terminals). The other connections wait their turn in the event loop, which costs nothing."""
    raw = os.environ.get("SYNCSETTLE_FSI_INFLIGHT", "3")
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"SYNCSETTLE_FSI_INFLIGHT must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ValueError("SYNCSETTLE_FSI_INFLIGHT must be at least 1")
    return value


# one limiter per event loop (created inside it, as anyio requires), forgotten with the loop
_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()


def _limiter() -> anyio.CapacityLimiter:
    """This event loop's limiter of envelopes in flight."""
    loop = asyncio.get_running_loop()
    limiter = _LIMITERS.get(loop)
    if limiter is None:
        limiter = _LIMITERS[loop] = anyio.CapacityLimiter(inflight_limit())
    return limiter


async def _run(p: Platform, request: Request, body: bytes) -> tuple[int, dict[str, Any]]:
    return await anyio.to_thread.run_sync(handle, p, request, body, limiter=_limiter())
