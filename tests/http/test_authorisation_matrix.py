"""The authorisation matrix: EVERY route of ``create_app(...)`` under ``/api/`` × every role ×
own/other tenant.

For each route: without credentials → 401; with a role the route does not admit → 403; with an
admitted role acting on its own tenant's record → success (2xx); acting on another tenant's record
→ 403. The routes are enumerated from the app itself, so a route added later is covered at once: it
fails here until it declares its roles (``require``) or is listed as public, and — when it has path
parameters or a body — declares sample requests in ``authz_samples.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute

from syncsettle.adapters.db.core.engine import make_engine
from syncsettle.domain.identity import Role
from syncsettle.entrypoints.http.app import create_app
from syncsettle.entrypoints.http.auth import api_routes, roles_of
from syncsettle.services.platform import Platform
from tests.http.authz_samples import PUBLIC, SAMPLES, Call, Scene
from tests.world import World


def _api_routes() -> list[tuple[str, APIRoute]]:
    app = create_app(Platform(engine=make_engine("sqlite://")))
    return sorted(
        ((method, route) for route in api_routes(app) if route.path.startswith("/api/") for method in route.methods),
        key=lambda item: (item[1].path, item[0]),
    )


ROUTES = _api_routes()


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    world = World(f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'matrix.db'}")
    yield Scene(world)
    world.platform.engine.dispose()


def _call(scene: Scene, method: str, route: APIRoute, call: Call, role: Role | None) -> Any:
    path = route.path
    for name, value in call.params.items():
        path = path.replace(f"{{{name}}}", str(value))
    assert "{" not in path, f"{method} {route.path}: declare its path parameters in authz_samples.py"
    headers = {"Authorization": f"Bearer {scene.tokens[role]}"} if role is not None else {}
    kwargs: dict[str, Any] = {"headers": headers, "params": call.query}
    if call.body is not None:
        kwargs["json"] = call.body
    return scene.world.client.request(method, path, **kwargs)


def _own(scene: Scene, method: str, route: APIRoute, role: Role) -> Call:
    build = SAMPLES.get((method, route.path))
    built = build(scene, role, True) if build else Call()
    assert built is not None, f"{method} {route.path}: the own-tenant sample must build a request"
    return built


def test_the_matrix_sees_the_routes_of_every_area() -> None:
    paths = {route.path for _m, route in ROUTES}
    for prefix in ("/api/me", "/api/insured/", "/api/insurer/", "/api/regulator/", "/api/audit/", "/api/public/"):
        assert any(p.startswith(prefix) for p in paths), prefix
    assert len(ROUTES) >= 40


def test_every_sample_names_a_route() -> None:
    declared = {(m, r.path) for m, r in ROUTES}
    assert set(SAMPLES) - declared == set(), "samples for routes that do not exist"
    assert declared >= PUBLIC


@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[f"{m} {r.path}" for m, r in ROUTES])
def test_route_authorisation(scene: Scene, method: str, route: APIRoute) -> None:
    roles = roles_of(route)
    key = (method, route.path)
    if roles is None:
        assert key in PUBLIC, f"{method} {route.path} declares no role policy (require(...)) and is not public"
        answer = _call(scene, method, route, _own(scene, method, route, Role.OPERATOR), None)
        assert 200 <= answer.status_code < 300, (key, answer.text)
        return
    assert key not in PUBLIC, f"{method} {route.path} is listed as public but requires {sorted(roles)}"
    first = sorted(roles)[0]
    anonymous = _call(scene, method, route, _own(scene, method, route, first), None)
    assert anonymous.status_code == 401, (key, anonymous.text)
    for role in Role:
        if role not in roles:
            refused = _call(scene, method, route, _own(scene, method, route, first), role)
            assert refused.status_code == 403, (key, role, refused.text)
            continue
        answer = _call(scene, method, route, _own(scene, method, route, role), role)
        assert 200 <= answer.status_code < 300, (key, role, answer.text)
        build = SAMPLES.get(key)
        other = build(scene, role, False) if build else None
        if other is not None:
            refused = _call(scene, method, route, other, role)
            assert refused.status_code == 403, (key, role, "other tenant", refused.text)


def test_the_scene_is_a_real_database(scene: Scene) -> None:
    """The samples run against the migrated service, not mocks: the owner's filing list is real."""
    answer = scene.world.client.get(
        "/api/insurer/filings", headers={"Authorization": f"Bearer {scene.tokens[Role.INSURER]}"}
    )
    assert answer.status_code == 200 and {f["insurer_id"] for f in answer.json()} == {"acme-group"}
