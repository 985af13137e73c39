"""Integers and ε at the edge: an id or cursor beyond PostgreSQL's INTEGER is a 422 in Chinese
(it was "integer out of range", a 500), and ε must lie in (0, 10] (``1e308`` was a 500).
(Issue 15, defect 4.)"""

from __future__ import annotations

from fractions import Fraction

import pytest

from syncsettle.domain.identity import Role
from syncsettle.services.computing.access import epsilon_of
from syncsettle.services.errors import ServiceError
from syncsettle.services.management import identity
from tests.world import World

TOO_BIG = 2**31


def headers(world: World, role: Role, tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {identity.issue(world.platform, role, tenant, '')[1]}"}


REMAINDER = "/api/regulator/actuarial/remainder?from=2025-01-01&to=2025-06-30"


@pytest.mark.parametrize("path", [f"/api/regulator/filings/{TOO_BIG}", f"/api/regulator/filings/{10**30}",
                                  f"/api/regulator/filings/{TOO_BIG}/approve", "/api/regulator/filings/0",
                                  f"/api/regulator/data-uses?before={TOO_BIG}",
                                  f"/api/regulator/data-uses?limit={10**20}",
                                  f"{REMAINDER}&min_cell={TOO_BIG}"])  # fmt: skip
def test_an_integer_beyond_int4_in_a_path_or_query_is_a_422(world: World, path: str) -> None:
    method = "POST" if path.endswith("approve") else "GET"
    body = {"approved_from": "2025-01-01", "approved_to": "2025-12-31"} if method == "POST" else None
    answer = world.client.request(method, path, json=body, headers=headers(world, Role.REGULATOR, "370600"))
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "SS-1002" and error["message"].startswith(("须不大于", "须不小于"))


def test_the_largest_int4_id_is_simply_not_found(world: World) -> None:
    answer = world.client.get(f"/api/regulator/filings/{TOO_BIG - 1}", headers=headers(world, Role.REGULATOR, "370600"))
    assert answer.status_code == 404


@pytest.mark.parametrize(
    "path", [f"/api/insured/enrollments/{TOO_BIG}/cancel", f"/api/insured/data-uses?before={TOO_BIG}"]
)
def test_the_insured_api_bounds_its_ids_too(world: World, path: str) -> None:
    method = "POST" if path.endswith("cancel") else "GET"
    answer = world.client.request(method, path, headers=headers(world, Role.INSURED, "P0001"))
    assert answer.status_code == 422, answer.text


@pytest.mark.parametrize("epsilon", ["1e308", "10.000001", "11", "1/0", "٣", "1e999999999", "0", "-1", "abc"])
def test_epsilon_outside_zero_to_ten_is_refused_over_http(world: World, epsilon: str) -> None:
    answer = world.client.get("/api/regulator/actuarial/remainder",
                              params={"from": "2025-01-01", "to": "2025-06-30", "epsilon": epsilon},
                              headers=headers(world, Role.REGULATOR, "370600"))  # fmt: skip
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == "epsilon" and "epsilon" in answer.json()["error"]["message"]


@pytest.mark.parametrize(("text", "value"), [("10", Fraction(10)), ("0.5", Fraction(1, 2)), ("1/2", Fraction(1, 2)),
                                             ("0.000001", Fraction(1, 10**6)), (None, None), ("", None)])  # fmt: skip
def test_epsilon_within_bounds_is_read_exactly(text: str | None, value: Fraction | None) -> None:
    assert epsilon_of(text) == value


def test_epsilon_above_ten_says_the_range() -> None:
    with pytest.raises(ServiceError, match=r"\(0, 10\]"):
        epsilon_of("1e308")
