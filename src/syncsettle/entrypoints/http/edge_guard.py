"""The HTTP edge guard: what no request may carry, refused before any route or session sees it.

A pure ASGI middleware (no Starlette request objects on the hot path) that refuses:

- a body over ``max_body_bytes`` (``SYNCSETTLE_MAX_BODY_BYTES``, default 1 MiB) — by its
  ``Content-Length`` before a byte is read, or, for a chunked body, as soon as the bytes read pass
  the limit. Why: a 10 MB envelope was accepted and parsed whole, and a 50,000-line upload took
  11 s to settle;
- a path, query string or console form body whose percent-decoding holds a NUL character or is not UTF-8 (a lone
  surrogate such as ``%ED%A0%80``). Why: PostgreSQL cannot store NUL, and the UTF-8 codec cannot
  encode a surrogate — both were 500s deep inside a transaction;
- a JSON body of the platform's own APIs that :func:`syncsettle.adapters.safe_json.loads` refuses
  (malformed, nested too deep, NUL or a lone surrogate, a giant number);
- an envelope to ``/fsi/api`` nested too deep or holding a 1,000-digit number — the two inputs on
  which ``json.loads`` crashes rather than failing cleanly; the envelope's own parser checks the rest
  (checked here without parsing: the hot path parses once).

The platform's APIs answer ``413`` / ``422`` with their error shape (``{"error": {...}, "detail":
[...]}``, Chinese messages). The national interface ``/fsi/api*`` is always answered ``200`` with
its envelope (``infcode: -1``, ``err_code``), because hospital systems read only that.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import unquote_to_bytes

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syncsettle.adapters import safe_json
from syncsettle.adapters.settings import DEFAULT_MAX_BODY_BYTES
from syncsettle.entrypoints.national import envelope
from syncsettle.services.errors import Code, ServiceError

FSI_PREFIX = "/fsi/api"
_JSON_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _Refused(Exception):
    def __init__(self, status: int, code: Code, message: str, loc: list[str]) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.loc = status, code, message, loc


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def _check_text(raw: bytes, where: str, plus_is_space: bool) -> None:
    """Refuse a percent-encoded path or query string that decodes to NUL or to invalid UTF-8."""
    decoded = unquote_to_bytes(raw.replace(b"+", b" ") if plus_is_space else raw)
    try:
        text = decoded.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused(
            422, Code.FIELD, f"{where}不是合法的 UTF-8 文本（含不成对的代理字符或非法字节）", [where]
        ) from None
    if "\x00" in text:
        raise _Refused(422, Code.FIELD, f"{where}含 NUL 字符（%00）", [where])


_LONG_DIGITS = re.compile(rb"[0-9]{1000}")


def _screen_envelope(body: bytes) -> None:
    """What ``json.loads`` of an envelope would crash on (not a ``JSONDecodeError``, so a 500),
    found without parsing: nesting deeper than ``safe_json.MAX_DEPTH`` (a ``RecursionError`` some
    thousands deep) and a run of 1,000+ digits (Python refuses ints over 4,300 digits with a
    ``ValueError``). Both counts cost next to nothing for an ordinary envelope: the depth is only
    measured when the body holds more brackets than the limit. The envelope's own parser (see
    ``safe_json.loads``) checks the rest."""
    limit = safe_json.MAX_DEPTH
    if body.count(b"[") + body.count(b"{") > limit and safe_json.depth(body) > limit:
        raise _Refused(422, Code.MALFORMED, f"报文嵌套过深：超过 {limit} 层", ["body"])
    if _LONG_DIGITS.search(body):
        raise _Refused(422, Code.MALFORMED, "报文含过长的数字（1000 位以上）", ["body"])


def _too_large(size: int | None, limit: int) -> _Refused:
    told = f"{size} 字节" if size is not None else "超过上限"
    return _Refused(413, Code.TOO_LARGE, f"报文过大：{told}，上限 {limit} 字节", ["body"])


def api_error(status: int, code: Code, message: str, loc: list[str]) -> JSONResponse:
    """The platform APIs' error shape, with FastAPI's ``detail`` list beside it for generic clients."""
    field = ".".join(part for part in loc if part not in ("body", "query", "path")) or None
    body = {"error": {"code": code.value, "message": message, "field": field}, "detail": [{"loc": loc, "msg": message}]}
    return JSONResponse(body, status_code=status)


def fsi_error(code: Code, message: str, now: datetime) -> JSONResponse:
    """The national envelope of a refusal (:func:`syncsettle.entrypoints.national.envelope.answer`):
    HTTP 200, ``infcode: -1``, the code in ``err_code``, the interface's own time formats."""
    return JSONResponse(envelope.answer("", now, now, error=ServiceError(code, message)), status_code=200)


class EdgeGuard:
    """ASGI middleware refusing oversize bodies and unstorable text (see the module docstring).

    ``max_body_bytes`` is the body limit; ``now`` the clock of the envelope's time stamps (the
    platform's injected clock; aware UTC)."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.app = app
        self.limit = max_body_bytes
        self.now = now or (lambda: datetime.now(UTC))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        fsi = path.startswith(FSI_PREFIX)
        try:
            downstream = await self._screen(scope, receive, fsi)
        except _Refused as refused:
            if fsi:
                response = fsi_error(refused.code, refused.message, self.now())
            else:
                response = api_error(refused.status, refused.code, refused.message, refused.loc)
            await response(scope, receive, send)
            return
        await self.app(scope, downstream, send)

    async def _screen(self, scope: Scope, receive: Receive, fsi: bool) -> Receive:
        """Check the request line and headers; read the body first when it must be checked whole.
        Returns the ``receive`` the app gets (the original, or one replaying the body read)."""
        _check_text(scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogatepass"), "路径", False)
        _check_text(scope.get("query_string", b""), "查询参数", True)
        length = _header(scope, b"content-length")
        if length is not None:
            if not length.isdigit():
                raise _Refused(400, Code.MALFORMED, "Content-Length 不是数字", ["header"])
            if int(length) > self.limit:
                raise _too_large(int(length), self.limit)
        method = scope.get("method", "GET")
        content_type = (_header(scope, b"content-type") or b"").split(b";")[0].strip().lower()
        scan = not fsi and method in _JSON_METHODS and content_type.endswith(b"json")
        form = not fsi and method in _JSON_METHODS and content_type == b"application/x-www-form-urlencoded"
        if length is not None and not scan and not form and not fsi:
            return receive  # declared and within the limit; the server enforces Content-Length
        if length is None and method not in _JSON_METHODS:
            return receive
        body = await self._read(receive)
        if fsi:
            _screen_envelope(body)
        elif form:  # a console form: the same rules as a query string
            _check_text(body, "表单", True)
        elif scan and body:
            try:
                safe_json.loads(body, max_bytes=self.limit)
            except safe_json.JsonRefused as refused:  # FastAPI would say 400 "error parsing the body"
                raise _Refused(422, Code(refused.code), refused.message, ["body"]) from None
        return _replay(body, receive)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                raise _too_large(None, self.limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then the real channel's messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
