"""The API documentation a new user opens first (issue 20): ``/docs`` and ``/redoc`` work offline
(assets from the package, no CDN, no web font), every route has a Chinese summary and description,
Swagger has an Authorize button, ``/fsi/api`` documents the national envelope, and the documented
error responses are the errors the platform really answers, in Chinese."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from syncsettle.domain.identity import Role
from syncsettle.services.management import identity
from tests.world import World

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = World(f"sqlite:///{Path(tmp_path_factory.mktemp('docs')) / 'docs.db'}")
    yield w
    w.platform.engine.dispose()


@pytest.fixture(scope="module")
def spec(world: World) -> dict[str, Any]:
    answer = world.client.get("/openapi.json")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def _references(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']|url:\s*'([^']+)'|spec-url=["']([^"']+)["']""", html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_only_local_assets_and_each_is_served(world: World, page: str) -> None:
    html = world.client.get(page).text
    urls = [next(u for u in found if u) for found in _references(html)]
    assert urls, html
    assert [u for u in urls if not u.startswith("/")] == []  # nothing from a CDN or another host
    assert "fonts.googleapis" not in html and "cdn." not in html
    for url in urls:
        served = world.client.get(url)
        assert served.status_code == 200, url
        assert len(served.content) > 1000, url  # the real bundle, not an empty placeholder


def test_every_route_has_a_chinese_summary_description_and_tag(spec: dict[str, Any]) -> None:
    bare = [
        (method, path)
        for path, operations in spec["paths"].items()
        for method, op in operations.items()
        if not (CJK.search(op.get("summary", "")) and CJK.search(op.get("description", "")) and op.get("tags"))
    ]
    assert bare == [], bare
    assert CJK.search(spec["info"]["description"])


def test_swagger_has_an_authorize_button_for_credentials_and_hospitals(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["credential"] == {**schemes["credential"], "type": "http", "scheme": "bearer"}
    assert schemes["hospital"]["scheme"] == "bearer"
    assert spec["paths"]["/api/insured/consents"]["post"]["security"] == [{"credential": []}]
    assert spec["paths"]["/fsi/api"]["post"]["security"] == [{"hospital": []}, {"x-tif-signature": []}]
    assert "security" not in spec["paths"]["/api/public/products"]["get"]  # public stays public


def test_the_hospital_interface_documents_the_national_envelope(spec: dict[str, Any]) -> None:
    operation = spec["paths"]["/fsi/api"]["post"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"infno", "msgid", "fixmedins_code", "input"} <= set(request["required"])
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"infcode", "err_msg", "output"} <= set(answer["required"])
    assert all(CJK.search(field.get("description", "")) for field in answer["properties"].values())


def _conforms(value: Any, schema: dict[str, Any]) -> None:
    """A small structural check of ``value`` against the documented (JSON) schema."""
    if "anyOf" in schema:
        errors = []
        for option in schema["anyOf"]:
            try:
                _conforms(value, option)
                return
            except AssertionError as exc:
                errors.append(exc)
        raise AssertionError(errors)
    kind = schema.get("type")
    if kind == "object":
        assert isinstance(value, dict), value
        assert set(schema.get("required", [])) <= set(value), (value, schema.get("required"))
        assert set(value) <= set(schema["properties"]), set(value) - set(schema["properties"])
        for key, item in value.items():
            _conforms(item, schema["properties"][key])
    elif kind == "array":
        assert isinstance(value, list)
        for item in value:
            _conforms(item, schema["items"])
    elif kind == "string":
        assert isinstance(value, str), value
    elif kind == "null":
        assert value is None


def test_the_documented_422_is_the_real_one_and_in_chinese(world: World, spec: dict[str, Any]) -> None:
    documented = spec["paths"]["/api/insured/consents"]["post"]["responses"]["422"]
    ref = documented["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    token = identity.issue(world.platform, Role.INSURED, "P0001", "张三")[1]
    answer = world.client.post("/api/insured/consents", json={"insurer_id": "acme-group"},
                               headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert answer.status_code == 422
    body = answer.json()
    _conforms(body, schema)
    assert body["error"] == {"code": "SS-1002", "message": "缺少必填字段", "field": "purpose"}
    assert "Field required" not in answer.text and all(CJK.search(d["msg"]) for d in body["detail"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_the_documented_401_is_the_real_one(world: World, spec: dict[str, Any]) -> None:
    documented = spec["paths"]["/api/insured/policies"]["get"]["responses"]["401"]
    schema = spec["components"]["schemas"][documented["content"]["application/json"]["schema"]["$ref"].rsplit("/")[-1]]
    answer = world.client.get("/api/insured/policies")
    assert answer.status_code == 401
    _conforms(answer.json(), schema)


def test_the_commercial_platform_docs_are_offline_too(world: World) -> None:
    from fastapi.testclient import TestClient

    from syncsettle.entrypoints.http.commercial_platform import create_commercial_app

    client = TestClient(create_commercial_app(world.platform))
    html = client.get("/docs").text
    urls = [next(u for u in found if u) for found in _references(html)]
    assert urls and all(u.startswith("/") and client.get(u).status_code == 200 for u in urls)
