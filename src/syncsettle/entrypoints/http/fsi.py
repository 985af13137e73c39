"""``POST /fsi/api``: the national envelope in, ``{infcode, inf_refmsgid, refmsg_time, respond_time,
err_msg, output}`` out. Every failure is ``infcode: -1`` with a Chinese ``err_msg`` starting with a
stable code (``[SS-1002] …``) and the same code in ``err_code``; bad input never becomes a 500.

Amounts may be sent as yuan strings or exact JSON numbers (parsed as ``Decimal``, never float).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import weakref
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from syncsettle.adapters.clock import national_time
from syncsettle.adapters.credentials import matches
from syncsettle.adapters.db import people
from syncsettle.adapters.json_reader import Reader
from syncsettle.adapters.observability.metrics import observe_interface
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.services.computing import rule_audit
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform
from syncsettle.services.settlement import fees, person, reconcile, reverse, settle, visits

log = logging.getLogger("syncsettle.fsi")
Handler = Callable[[Platform, dict[str, Any], Reader, str, str], dict[str, Any]]


def _data(inp: Reader) -> Reader:
    child = inp.child("data")
    assert child is not None
    return child


def _account_flag(data: Reader) -> bool:
    flag = data.text("acct_used_flag", required=False) or "0"
    if flag not in ("0", "1"):
        raise InvalidInput(data.at("acct_used_flag"), 'must be "0" or "1"')
    return flag == "1"


def _settle(p: Platform, h: dict[str, Any], inp: Reader, msgid: str, infno: str) -> dict[str, Any]:
    d = _data(inp)
    stated = d.yuan("medfee_sumamt") if d.has("medfee_sumamt") else None
    return settle.settle_visit(
        p, h, msgid, infno, d.req_text("mdtrt_id"), d.text("psn_no", required=False), _account_flag(d), stated, d.data
    )


def _pre(p: Platform, h: dict[str, Any], inp: Reader, msgid: str, infno: str) -> dict[str, Any]:
    d = _data(inp)
    return settle.pre_settle(p, h, d.req_text("mdtrt_id"), d.text("psn_no", required=False), _account_flag(d))


def _reverse(p: Platform, h: dict[str, Any], inp: Reader, msgid: str, infno: str) -> dict[str, Any]:
    d = _data(inp)
    payload = {
        "setl_id": d.req_text("setl_id"),
        "mdtrt_id": d.req_text("mdtrt_id"),
        "psn_no": d.text("psn_no", required=False),
    }
    return reverse.reverse(p, h, msgid, infno, payload)


def _register(p: Platform, h: dict[str, Any], inp: Reader, msgid: str, infno: str) -> dict[str, Any]:
    if infno == "2401":
        info = inp.child("mdtrtinfo")
        assert info is not None
        return {"result": visits.register(p, h, info, inpatient=True, diseinfo=inp.items("diseinfo", required=False))}
    return {"data": visits.register(p, h, _data(inp), inpatient=False, diseinfo=inp.items("diseinfo", required=False))}


def _cancel_visit(p: Platform, h: dict[str, Any], inp: Reader, msgid: str, infno: str) -> dict[str, Any]:
    return visits.cancel(p, h, _data(inp))


def _discharge(p: Platform, h: dict[str, Any], inp: Reader, msgid: str, infno: str) -> dict[str, Any]:
    info = inp.child("dscginfo")
    assert info is not None
    return visits.discharge(p, h, info, inp.items("diseinfo", required=False))


def _upload(p: Platform, h: dict[str, Any], inp: Reader, msgid: str, infno: str) -> dict[str, Any]:
    return fees.upload(p, h, inp.items("feedetail"), inpatient=infno == "2301")


def _cancel_fees(p: Platform, h: dict[str, Any], inp: Reader, msgid: str, infno: str) -> dict[str, Any]:
    if infno == "2205":
        d = _data(inp)
        batch = d.text("chrg_bchno", required=False) or "0000"
        return fees.cancel(p, h, d.req_text("mdtrt_id"), None, None if batch == "0000" else batch)
    items = inp.items("data")
    if not items:
        raise InvalidInput("input.data", "a list of {feedetl_sn, mdtrt_id} is required")
    readers = [Reader(item, f"input.data[{i}]") for i, item in enumerate(items)]
    mdtrt = {r.req_text("mdtrt_id") for r in readers}
    if len(mdtrt) != 1:
        raise InvalidInput("input.data", "all lines must belong to one mdtrt_id")
    serials = [r.req_text("feedetl_sn") for r in readers]
    return fees.cancel(p, h, mdtrt.pop(), None if "0000" in serials else serials)


def _person(p: Platform, h: dict[str, Any], inp: Reader, msgid: str, infno: str) -> dict[str, Any]:
    d = _data(inp)
    certno = d.text("certno", required=False) or d.text("mdtrt_cert_no", required=False)
    return person.query(p, d.text("psn_no", required=False), certno)


def _totals(p: Platform, h: dict[str, Any], inp: Reader, msgid: str, infno: str) -> dict[str, Any]:
    return reconcile.totals(p, h, _data(inp))


def _detail(p: Platform, h: dict[str, Any], inp: Reader, msgid: str, infno: str) -> dict[str, Any]:
    return reconcile.detail(p, h, _data(inp))


def _rule_audit(p: Platform, h: dict[str, Any], inp: Reader, msgid: str, infno: str) -> dict[str, Any]:
    return (rule_audit.before if infno == "3101" else rule_audit.during)(p, h, _data(inp))


HANDLERS: dict[str, Handler] = {
    "1101": _person,
    "2201": _register, "2401": _register,
    "2202": _cancel_visit, "2404": _cancel_visit,
    "2402": _discharge,
    "2204": _upload, "2301": _upload,
    "2205": _cancel_fees, "2302": _cancel_fees,
    "2206": _pre, "2303": _pre,
    "2207": _settle, "2304": _settle,
    "2208": _reverse, "2305": _reverse,
    "3201": _totals, "3202": _detail,
    "3101": _rule_audit, "3102": _rule_audit,
}  # fmt: skip


def answer(p: Platform, msgid: str, output: Any = None, error: ServiceError | None = None) -> dict[str, Any]:
    now = national_time(p.clock.now())
    body: dict[str, Any] = {
        "infcode": 0 if error is None else -1,
        "inf_refmsgid": msgid,
        "refmsg_time": now,
        "respond_time": now,
        "err_msg": "" if error is None else str(error),
        "output": output if error is None else {},
    }
    if error is not None:
        body["err_code"] = error.code.value
    return body


def _authenticate(p: Platform, request: Request, env: Reader) -> dict[str, Any]:
    code = env.req_text("fixmedins_code")
    auth = request.headers.get("authorization", "")
    secret = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
    if not secret:
        raise ServiceError(Code.UNAUTHORISED, "缺少机构凭证（Authorization: Bearer …）")
    cached = _AUTHENTICATED.get((code, secret))
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    with p.uow(readonly=True) as uow:
        hospital = people.hospital(uow.conn, code)
    if hospital is None or not matches(secret, hospital["secret_hash"]):
        raise ServiceError(Code.UNAUTHORISED, "机构编码或凭证错误", "fixmedins_code")
    _AUTHENTICATED[(code, secret)] = (time.monotonic() + _AUTH_TTL_S, hospital)
    return hospital


_AUTH_TTL_S = 60.0  # a revoked credential stops working within a minute in every worker
_AUTHENTICATED: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}


def handle(p: Platform, request: Request, body: bytes) -> tuple[int, dict[str, Any]]:
    """Answer one envelope, and count and time it (Prometheus, and the console's latency histograms)."""
    started = time.perf_counter()
    call: dict[str, str] = {}
    status, content = _dispatch(p, request, body, call)
    observe_interface(
        getattr(request.app.state, "latency", None), p.clock.now(), call.get("infno", "-"),
        content.get("err_code", "ok"), content.get("output"), time.perf_counter() - started,
    )  # fmt: skip
    return status, content


def _dispatch(p: Platform, request: Request, body: bytes, call: dict[str, str]) -> tuple[int, dict[str, Any]]:
    msgid = ""
    try:
        try:
            raw = json.loads(body, parse_float=Decimal)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ServiceError(Code.MALFORMED, f"报文不是合法的 JSON：{exc}") from None
        if not isinstance(raw, dict):
            raise ServiceError(Code.MALFORMED, "报文必须是 JSON 对象")
        msgid = str(raw["msgid"]) if isinstance(raw.get("msgid"), str) else ""
        env = Reader(raw, "")
        infno = env.req_text("infno")
        call["infno"] = infno if infno in HANDLERS else "other"
        msgid = env.req_text("msgid")
        if len(msgid) > 40:
            raise InvalidInput("msgid", "longer than 40 characters")
        hospital = _authenticate(p, request, env)
        handler = HANDLERS.get(infno)
        if handler is None:
            raise ServiceError(Code.UNKNOWN_INFNO, f"不支持的交易编号 {infno}", "infno")
        inp = env.child("input")
        assert inp is not None
        return 200, answer(p, msgid, handler(p, hospital, inp, msgid, infno))
    except InvalidInput as exc:
        return 200, answer(p, msgid, error=ServiceError(Code.FIELD, exc.reason, exc.field))
    except ServiceError as exc:
        status = 401 if exc.code is Code.UNAUTHORISED else 200
        return status, answer(p, msgid, error=exc)


class FsiLane:
    """ASGI middleware: ``POST /fsi/api`` is answered here, beside the route table rather than through it.

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
        if scope["type"] != "http" or scope["path"] != "/fsi/api" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        status, content = await _run(self.platform(), request, await request.body())
        await JSONResponse(content, status_code=status)(scope, receive, send)


def router(platform: Callable[[], Platform]) -> APIRouter:
    api = APIRouter()

    @api.post("/fsi/api", summary="National medical-insurance interface envelope (infno 1101, 2201…2402, 3201/3202)")
    async def fsi_api(request: Request) -> JSONResponse:
        body = await request.body()
        status, content = await _run(platform(), request, body)
        return JSONResponse(content, status_code=status)

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
