"""The edge guard alone, around a bare ASGI app: a refused request never reaches the app, an
accepted body reaches it byte for byte, and Pydantic's error types are said in Chinese."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from syncsettle.entrypoints.http.edge_guard import EdgeGuard
from syncsettle.entrypoints.http.validation_messages import chinese


class Echo:
    """Answers with the body it read; counts the requests that reached it."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


def guarded(limit: int = 100) -> tuple[TestClient, Echo]:
    echo = Echo()
    now = datetime(2025, 6, 10, 2, 0, tzinfo=UTC)
    return TestClient(EdgeGuard(echo, max_body_bytes=limit, now=lambda: now)), echo


def test_a_body_within_the_limit_reaches_the_app_unchanged() -> None:
    client, echo = guarded()
    assert client.post("/api/x", content=b'{"a": "\\u5f20"}', headers={"content-type": "application/json"}).content \
        == b'{"a": "\\u5f20"}'  # fmt: skip
    assert client.post("/fsi/api", content=(b"x" * 10 for _ in range(10))).content == b"x" * 100  # chunked
    assert client.get("/api/x?q=%E5%BC%A0").status_code == 200
    assert client.post("/console/login", data={"user": "张三"}).content == b"user=%E5%BC%A0%E4%B8%89"
    assert echo.calls == 4


def test_refused_requests_never_reach_the_app() -> None:
    client, echo = guarded()
    assert client.post("/api/x", content=b"x" * 101).status_code == 413
    assert client.post("/api/x", content=(b"x" * 60 for _ in range(2))).status_code == 413
    assert client.get("/api/x/%00").status_code == 422
    assert client.post("/console/login", data={"user": "a\x00b"}).status_code == 422
    answer = client.post("/fsi/api", content=b"x" * 101)
    assert answer.status_code == 200 and answer.json()["refmsg_time"] == "20250610100000000"
    assert echo.calls == 0


def test_malformed_api_json_is_refused_in_chinese() -> None:
    client, echo = guarded(limit=20_000)
    for body in (b"{", b"1" * 5000):
        answer = client.post("/api/x", content=body, headers={"content-type": "application/json"})
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "SS-1001"
    assert echo.calls == 0


def test_an_envelope_that_would_crash_json_loads_is_refused_unparsed() -> None:
    client, echo = guarded(limit=200_000)
    for body in (b"[" * 20_000 + b"]" * 20_000, b'{"a": ' + b"9" * 5000 + b"}"):
        answer = client.post("/fsi/api", content=body)
        assert answer.status_code == 200 and answer.json()["err_code"] == "SS-1001"
    assert client.post("/fsi/api", content=b'{"input": {"feedetail": [' + b"{}," * 999 + b"{}]}}").status_code == 200
    assert echo.calls == 1


def test_pydantic_errors_in_chinese() -> None:
    assert chinese({"type": "missing"}) == "缺少必填字段"
    assert chinese({"type": "less_than_equal", "ctx": {"le": 2147483647}}) == "须不大于 2147483647"
    assert chinese({"type": "string_too_long", "ctx": {"max_length": 40}}) == "长度不得超过 40 个字符"
    assert chinese({"type": "value_error", "msg": "Value error, 金额须为字符串"}) == "金额须为字符串"
    assert chinese({"type": "something_new"}) == "取值无效（something_new）"
