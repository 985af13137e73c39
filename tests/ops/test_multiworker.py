"""``syncsettle serve --workers 2``: whichever worker answers a scrape, /metrics counts the
settlements of both (prometheus multiprocess mode), and each worker's latency minutes reach the
table when it stops."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from syncsettle.adapters.db.core.engine import make_engine
from syncsettle.adapters.db.management.schema_console import latency_minutes
from syncsettle.adapters.observability.metrics import MULTIPROC_ENV
from syncsettle_tools.loadgen.server import seed, start_server
from syncsettle_tools.loadgen.visits import Tally, one_visit
from tests.ops.test_metrics_and_probes import sample

VISITS = 12


async def _visits(base: str, secret: str, tally: Tally) -> None:
    rng = random.Random(7)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {secret}"}, timeout=30) as client:
        await asyncio.gather(
            *(one_visit(client, f"B{i:06d}", "310" if i % 3 == 0 else "390", tally, rng) for i in range(VISITS))
        )


def test_every_worker_exposes_the_settlements_of_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path / "metrics"))  # the server's workers share it
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    secret = seed(url, VISITS)
    server = start_server(url, workers=2)
    try:
        tally = Tally()
        asyncio.run(_visits(server.url, secret, tally))
        assert tally.settled == VISITS, tally.last_error
        for _ in range(8):  # new connections: the kernel spreads them over both workers
            text = httpx.get(f"{server.url}/metrics", headers={"Connection": "close"}).text
            assert sample(text, "syncsettle_settlements_total", route="basic", result="ok") == VISITS
            assert sample(text, "syncsettle_interface_requests_total", infno="2201", result="ok") == VISITS
        assert httpx.get(f"{server.url}/readyz").json()["ready"] is True
    finally:
        server.stop()  # SIGTERM: each worker flushes its latency minutes on the way out
    engine = make_engine(url)
    with engine.connect() as conn:
        t = latency_minutes.c
        settled = conn.execute(select(func.sum(t["count"])).where(t.operation == "2207", t.outcome == "ok"))
        assert settled.scalar_one() == VISITS
    engine.dispose()
    assert any((tmp_path / "metrics").glob("counter_*.db"))  # the counters lived in the shared directory
