"""The HTTP edge: an oversize body, a NUL or a lone surrogate in a path, a query or a JSON field,
JSON nested thousands deep — each refused cleanly in Chinese (413/422, or the national envelope
for ``/fsi/api``), never a 500 and never reaching a transaction. (Issue 15, defects 4 and 5.)"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from syncsettle.domain.identity import Role
from syncsettle.entrypoints.http.app import create_app
from syncsettle.services.management import identity
from tests.world import World

MIB = 1 << 20


def regulator(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {identity.issue(world.platform, Role.REGULATOR, '370600', '')[1]}"}


def envelope(world: World, payload: object) -> bytes:
    body = {"infno": "1101", "msgid": world.msgid(), "fixmedins_code": "H37060000001", "input": payload}
    return json.dumps(body).encode()


def test_a_ten_megabyte_envelope_gets_the_national_refusal(world: World) -> None:
    huge = envelope(world, {"data": {"psn_no": "P0001", "pad": "x" * (10 * MIB)}})
    answer = world.client.post("/fsi/api", content=huge, headers={"Authorization": "Bearer x"})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["infcode"], body["err_code"], body["output"]) == (-1, "SS-1007", {})
    assert body["err_msg"].startswith("[SS-1007] 报文过大")
    assert body["respond_time"] == "20250610100000000"  # the platform's clock, the interface's yyyyMMddHHmmssSSS


def test_a_chunked_envelope_is_cut_off_at_the_limit(world: World) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(3):
            yield b" " * MIB

    answer = world.client.post("/fsi/api", content=chunks(), headers={"Authorization": "Bearer x"})
    assert answer.status_code == 200 and answer.json()["err_code"] == "SS-1007"


def test_an_envelope_within_the_limit_is_still_answered(world: World) -> None:
    output = world.ok("1101", {"data": {"psn_no": "P0001"}})
    assert output["baseinfo"]["psn_no"] == "P0001"


def test_an_oversize_api_body_is_a_413_in_chinese(world: World) -> None:
    answer = world.client.post("/api/public/consent-receipts/verify", content=b"[" + b" " * (2 * MIB) + b"]",
                               headers={"content-type": "application/json"})  # fmt: skip
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "SS-1007" and "报文过大" in answer.json()["error"]["message"]


def test_the_limit_comes_from_the_settings(world: World) -> None:
    world.platform.settings.max_body_bytes = 2000
    client = TestClient(create_app(world.platform))
    assert client.post("/api/public/consent-receipts/verify", json={"pad": "x" * 3000}).status_code == 413
    small = client.post("/fsi/api", content=envelope(world, {"data": {"pad": "x" * 3000}}))
    assert small.json()["err_code"] == "SS-1007"


@pytest.mark.parametrize("path", ["/api/regulator/filings/%00", "/api/regulator/filings?status=%00",
                                  "/api/regulator/filings?status=%ED%A0%80", "/api/regulator/insurers/a%00b",
                                  "/api/regulator/filings?status=%FF"])  # fmt: skip
def test_nul_or_a_lone_surrogate_in_a_path_or_query_is_a_422(world: World, path: str) -> None:
    answer = world.client.get(path, headers=regulator(world))
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "SS-1002" and ("NUL" in error["message"] or "UTF-8" in error["message"])


def test_nul_in_an_envelope_path_gets_the_national_refusal(world: World) -> None:
    answer = world.client.post("/fsi/api?x=%00", content=envelope(world, {}))
    assert answer.status_code == 200 and answer.json()["err_code"] == "SS-1002"


@pytest.mark.parametrize("name", ["ACME\u0000", "\ud800", "A\udfffB"])
def test_nul_or_a_lone_surrogate_in_a_json_field_is_a_422_and_nothing_is_written(world: World, name: str) -> None:
    body = json.dumps({"insurer_id": "acme-group", "name": name, "reason": "材料齐全"}).encode()
    answer = world.client.post("/api/regulator/insurers", content=body,
                               headers={**regulator(world), "content-type": "application/json"})  # fmt: skip
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] is None or "name" in answer.json()["error"]["message"]
    listed = world.client.get("/api/regulator/insurers", headers=regulator(world))
    assert listed.status_code in (200, 404, 405) and "acme-group" not in listed.text


def test_json_nested_twenty_thousand_deep_is_refused(world: World) -> None:
    deep = b'{"a":' * 20_000 + b"1" + b"}" * 20_000
    answer = world.client.post("/api/regulator/insurers", content=deep,
                               headers={**regulator(world), "content-type": "application/json"})  # fmt: skip
    assert answer.status_code == 422 and "嵌套过深" in answer.json()["error"]["message"]
    envelope_answer = world.client.post("/api/public/audit-proofs/verify", content=b"[" * 30_000 + b"]" * 30_000,
                                        headers={"content-type": "application/json"})  # fmt: skip
    assert envelope_answer.status_code == 422


def test_a_validation_error_is_said_in_chinese(world: World) -> None:
    answer = world.client.get("/api/regulator/filings/abc", headers=regulator(world))
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == {"code": "SS-1002", "message": "须为整数", "field": "filing_id"}
    assert body["detail"] == [{"loc": ["path", "filing_id"], "msg": "[SS-1002] 须为整数"}]
    missing = world.client.post("/api/regulator/insurers", json={}, headers=regulator(world)).json()
    assert missing["error"]["message"] == "缺少必填字段"
    assert all(d["msg"].startswith("[SS-1002] ") for d in missing["detail"])


def test_an_envelope_nested_twenty_thousand_deep_gets_the_national_refusal(world: World) -> None:
    deep = envelope(world, {"data": {"psn_no": "P0001"}}).replace(b'"input": ', b'"input": ' + b"[" * 20_000, 1)
    answer = world.client.post("/fsi/api", content=deep + b"]" * 20_000, headers={"Authorization": "Bearer x"})
    assert answer.status_code == 200
    assert answer.json()["err_code"] == "SS-1001" and "嵌套过深" in answer.json()["err_msg"]
