"""Console fixtures: a seeded world (SQLite and PostgreSQL) and a logged-in client per role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.console.seed import Seeded, seed
from tests.world import World


@pytest.fixture
def seeded(world: World) -> Seeded:
    return seed(world)


@pytest.fixture
def login(seeded: Seeded) -> Callable[[str], TestClient]:
    """A fresh client of the seeded app, logged in as ``role`` (its session cookie set)."""

    def as_role(role: str) -> TestClient:
        client = TestClient(seeded.world.app)
        response = client.post("/console/login", data={"token": seeded.tokens[role]}, follow_redirects=False)
        assert response.status_code == 303, response.text
        return client

    return as_role
