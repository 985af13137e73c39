"""Service-test fixtures."""

from __future__ import annotations

import pytest

from syncsettle.services.computing import release


@pytest.fixture
def small_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lower the platform's minimum-cell floor to 1 for a test that checks the arithmetic of a release
    on a twelve-person history (the floor itself is tested without this)."""
    monkeypatch.setattr(release, "MIN_CELL", 1)
