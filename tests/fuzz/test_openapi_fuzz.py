"""schemathesis over the whole OpenAPI schema, each generated request sent with every role's
credential (and with none): whatever it sends, no server error. The national envelope's routes are
in the schema too, so the fuzzer reaches ``/fsi/api`` and the gateway's path. Bounded (a few
examples per operation) to keep CI inside its budget; ``SYNCSETTLE_FUZZ_EXAMPLES`` raises it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from syncsettle.domain.identity import Role
from syncsettle.services.management import identity
from tests.world import World

EXAMPLES = int(os.environ.get("SYNCSETTLE_FUZZ_EXAMPLES", "4"))
TENANTS = {Role.OPERATOR: "*", Role.REGULATOR: "370600", Role.INSURER: "yantai-hmb", Role.INSURED: "P0001"}


def _headers(world: World) -> dict[str, dict[str, str]]:
    headers: dict[str, dict[str, str]] = {
        "anonymous": {}, "hospital": {"Authorization": f"Bearer {world.secrets['H37060000001']}"},
    }  # fmt: skip
    for role, tenant in TENANTS.items():
        _, token = identity.issue(world.platform, role, tenant, "fuzz")
        headers[role.value] = {"Authorization": f"Bearer {token}"}
    return headers


def test_no_operation_answers_a_server_error(tmp_path: Path) -> None:
    world = World(f"sqlite:///{tmp_path / 'fuzz.db'}")
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    headers = _headers(world)
    errors: list[tuple[Any, ...]] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40  # the whole API, the national envelope included
    assert any(op.path.startswith("/fsi/api") for op in operations)

    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            for who, role_headers in headers.items():
                response = case.call(headers=role_headers)
                if response.status_code >= 500:
                    errors.append((who, case.method, case.formatted_path, response.status_code, response.text[:200]))

        run()
    assert not errors, errors[:10]
