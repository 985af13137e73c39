"""A string longer than its column is a Chinese 422 naming the field and the column's limit, on
SQLite as on PostgreSQL (where it was "value too long for type character varying", a 500).
(Issue 15, defect 4.)"""

from __future__ import annotations

from typing import Any

import pytest

from syncsettle.adapters.db.column_limits import check_length, max_length
from syncsettle.domain.identity import Role
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.services.management import identity
from tests.world import World


def call(world: World, role: Role, tenant: str, path: str, body: dict[str, Any]) -> Any:
    token = identity.issue(world.platform, role, tenant, "")[1]
    return world.client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize(("body", "field", "limit"), [
    ({"insurer_id": "i" * 41, "name": "ACME 保险"}, "insurer_id", 40),
    ({"insurer_id": "acme-group", "name": "名" * 201}, "name", 200),
])  # fmt: skip
def test_an_insurer_with_a_name_longer_than_its_column_is_refused(
    world: World, body: dict[str, Any], field: str, limit: int
) -> None:
    answer = call(world, Role.REGULATOR, "370600", "/api/regulator/insurers", {**body, "reason": "材料齐全"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == {"code": "SS-1002", "message": f"长度不得超过 {limit} 个字符", "field": field}


def test_the_longest_name_the_column_holds_is_admitted(world: World) -> None:
    body = {"insurer_id": "i" * 40, "name": "名" * 200, "reason": "材料齐全"}
    assert call(world, Role.REGULATOR, "370600", "/api/regulator/insurers", body).status_code == 200


def test_a_full_width_region_is_not_a_region(world: World) -> None:
    body = {"insurer_id": "acme-group", "name": "ACME 保险", "region": "３７０６００"}
    answer = call(world, Role.REGULATOR, "370600", "/api/regulator/insurers", body)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "region"


def test_an_enrollment_with_an_overlong_product_id_is_refused(world: World) -> None:
    answer = call(world, Role.INSURED, "P0001", "/api/insured/enrollments", {"product_id": "p" * 81})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "product_id"


def test_the_limits_are_the_columns() -> None:
    assert (max_length("insurers", "name"), max_length("enrollments", "product_id")) == (200, 80)
    with pytest.raises(ValueError, match="no column"):
        max_length("insurers", "nickname")
    with pytest.raises(ValueError, match="not a String"):
        max_length("insurers", "reason")  # Text: unbounded
    check_length("P" * 30, "persons", "psn_no", "input.data.psn_no")
    with pytest.raises(InvalidInput, match=r"input\.data\.psn_no: 长度 31 超过上限 30 个字符"):
        check_length("P" * 31, "persons", "psn_no", "input.data.psn_no")
