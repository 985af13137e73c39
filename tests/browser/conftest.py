"""Browser tests: Playwright (the PyPI package, which downloads nothing) driving Debian's chromium
against a real uvicorn server on a free loopback port, over a database seeded through the hospital
interface. Without ``/usr/bin/chromium`` they are skipped with a loud reason (CI installs it:
``.ci/run``). Screenshots go to ``test-artifacts/`` (git-ignored)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.seed import Seeded, seed
from tests.live_server import serving
from tests.world import World

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _require_chromium() -> None:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found (apt-get install -y chromium) — browser tests SKIPPED"
        warnings.warn(reason, stacklevel=1)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    """A seeded world served by uvicorn in a thread: ``(base URL, seeded)``."""
    _require_chromium()
    world = World(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'console.db'}")
    seeded = seed(world)
    try:
        with serving(world.app) as base:
            yield base, seeded
    finally:
        world.platform.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()
