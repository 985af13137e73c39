"""Crash: SIGKILL the server in the middle of a settlement load, restart it, and nothing is half-done.

Every settlement the client saw confirmed is in the database, and ``check`` is clean (journals
balanced, shares complete, accumulators equal to what the settlements imply).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time

import httpx
from sqlalchemy import select

from syncsettle.adapters.db.core.engine import make_engine
from syncsettle.adapters.db.core.schema import settlements
from syncsettle.services.platform import Platform
from syncsettle.services.settlement.check import check
from syncsettle_tools.loadgen.server import seed, start_server
from syncsettle_tools.loadgen.visits import Tally, one_visit


def _load(base: str, secret: str, tally: Tally, stop: threading.Event) -> None:
    async def worker(w: int) -> None:
        rng = random.Random(w)
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {secret}"}, timeout=10) as c:
            while not stop.is_set():
                i = rng.randrange(50)
                await one_visit(c, f"B{i:06d}", "310" if i % 3 == 0 else "390", tally, rng)

    async def main() -> None:
        await asyncio.gather(*(worker(w) for w in range(8)))

    asyncio.run(main())


def test_sigkill_mid_load_loses_nothing(database_url: str) -> None:
    secret = seed(database_url, 50)
    server = start_server(database_url, workers=2)
    tally, stop = Tally(), threading.Event()
    loader = threading.Thread(target=_load, args=(server.url, secret, tally, stop))
    loader.start()
    try:
        deadline = time.monotonic() + 60
        while tally.settled < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()  # in the middle of the load: requests are in flight
    finally:
        stop.set()
        loader.join(timeout=60)
    assert tally.settled >= 30, tally.last_error
    restarted = start_server(database_url, workers=1)
    try:
        assert httpx.get(f"{restarted.url}/healthz").status_code == 200
    finally:
        restarted.stop()
    platform = Platform(engine=make_engine(database_url))
    report = check(platform)
    assert report["ok"], report["problems"][:5]
    with platform.uow() as uow:
        stored = {r[0] for r in uow.conn.execute(select(settlements.c.setl_id))}
    platform.engine.dispose()
    missing = set(tally.confirmed) - stored
    assert not missing, f"{len(missing)} confirmed settlements lost"
    assert report["settlements"] >= len(tally.confirmed)
