"""Open-loop load: visits start on a schedule of ``rate`` per second, whether or not earlier ones are done.

A closed loop (N terminals, each starting its next visit when the last one ends) slows down with the
server and so hides queueing: a stalled server simply receives fewer requests, and the latencies it
reports leave out the time the requests would have waited ("coordinated omission"). Here the start
times are fixed in advance — Poisson arrivals (exponential gaps, seeded) or evenly spaced — and every
latency is measured from the time the HIS *meant* to send (:class:`~syncsettle_tools.loadgen.visits.Tally`):
a visit that waits for a free connection, or behind a slow server, carries that wait.

Connections: a pool of keep-alive :class:`~syncsettle_tools.loadgen.terminal.Terminal` clients, opened as
needed up to ``max_connections`` (a hospital's HIS terminals); beyond that a visit waits for one, and
the wait is part of its first message's latency.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

from syncsettle_tools.loadgen.terminal import Terminal
from syncsettle_tools.loadgen.visits import Tally, one_visit


def schedule(rate: float, seconds: float, arrivals: str = "poisson", seed: int = 1) -> list[float]:
    """Start offsets (seconds from the run's start) of the visits of a run of ``seconds`` at ``rate``/s."""
    if rate <= 0 or seconds <= 0:
        raise ValueError("rate and seconds must be positive")
    if arrivals not in ("poisson", "uniform"):
        raise ValueError(f"arrivals must be poisson or uniform, not {arrivals!r}")
    rng = random.Random(seed)
    times: list[float] = []
    t = 0.0
    while True:
        t += rng.expovariate(rate) if arrivals == "poisson" else 1.0 / rate
        if t >= seconds:
            return times
        times.append(t)


@dataclass
class OpenLoopRun:
    offered: int  # visits scheduled
    elapsed: float  # seconds from the first scheduled start to the last answer
    connections: int  # keep-alive connections the run needed
    max_send_lag_ms: float  # how far behind its own schedule the client ever started a visit


async def drive(base: str, secret: str, rate: float, seconds: float, persons: int, tally: Tally, *,
                arrivals: str = "poisson", max_connections: int = 512, seed: int = 1) -> OpenLoopRun:  # fmt: skip
    """Run the schedule against ``base``; visits go to persons ``B000000``…, as in the closed loop."""
    headers = {"Authorization": f"Bearer {secret}"}
    offsets = schedule(rate, seconds, arrivals, seed)
    idle: list[Terminal] = []
    opened: list[Terminal] = []
    freed = asyncio.Condition()
    rng = random.Random(seed)
    lag = 0.0

    async def acquire() -> Terminal:
        async with freed:
            while not idle and len(opened) >= max_connections:
                await freed.wait()
            if idle:
                return idle.pop()
            client = Terminal(base, headers)
            opened.append(client)
            return client

    async def release(client: Terminal) -> None:
        async with freed:
            idle.append(client)
            freed.notify()

    async def visit(k: int, at: float) -> None:
        client = await acquire()
        try:
            i = (k * 7919 + rng.randrange(persons)) % persons
            await one_visit(client, f"B{i:06d}", "310" if i % 3 == 0 else "390", tally, random.Random(k), scheduled=at)
        finally:
            await release(client)

    start = time.perf_counter()
    tasks = []
    for k, offset in enumerate(offsets):
        at = start + offset
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lag = max(lag, time.perf_counter() - at)
        tasks.append(asyncio.create_task(visit(k, at)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    for client in opened:
        await client.close()
    return OpenLoopRun(len(offsets), elapsed, len(opened), round(lag * 1000, 1))
