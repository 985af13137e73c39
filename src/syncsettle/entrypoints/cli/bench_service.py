"""``syncsettle bench service``: complete visits over real HTTP against a real server, and in the
same run the bare limits of this machine at the same concurrency — a trivial endpoint's requests/s
and a one-row-insert-per-transaction loop on the same database — so the figures can be read as
ratios to what the machine allows.

Everything runs on loopback. The server is a ``syncsettle serve`` child process (2 workers by
default) on a fresh database: a temporary SQLite file, or a new database created on the
PostgreSQL server of ``--database-url`` (dropped afterwards). The client is
:class:`~syncsettle.loadgen.terminal.Terminal` (a lean keep-alive HTTP/1.1 client: the load
generator shares the two cores with the server, so it must cost as little as it can), for the
visits and the bare endpoint alike.

On a shared machine the rates depend on the neighbours' load, so the run also reports the load
averages and the CPU milliseconds per complete visit of the server processes, of the PostgreSQL
backends serving them (a server on this machine) and of the client. At the end it runs
``syncsettle check`` on the database the visits were booked in and prints its verdict.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from syncsettle.loadgen.server import ServerProcess
    from syncsettle.loadgen.visits import Tally

err = Console(stderr=True)


async def _drive(base: str, secret: str, concurrency: int, seconds: float, persons: int, tally: Tally) -> float:
    """``concurrency`` simulated HIS terminals, each with its own keep-alive connection."""
    from syncsettle.loadgen.terminal import Terminal
    from syncsettle.loadgen.visits import one_visit

    headers = {"Authorization": f"Bearer {secret}"}
    deadline = time.monotonic() + seconds

    async def worker(w: int) -> None:
        rng = random.Random(w)
        async with Terminal(base, headers) as client:
            while time.monotonic() < deadline:
                i = rng.randrange(persons)
                await one_visit(client, f"B{i:06d}", "310" if i % 3 == 0 else "390", tally, rng)

    start = time.monotonic()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return time.monotonic() - start


async def _bare_endpoint(base: str, concurrency: int, seconds: float) -> float:
    from syncsettle.loadgen.terminal import Terminal

    count = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal count
        async with Terminal(base, timeout=30) as client:
            while time.monotonic() < deadline:
                if (await client.get("/bare"))[0] == 200:
                    count += 1

    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.monotonic() - start)


def bare_transactions(url: str, concurrency: int, seconds: float) -> float:
    """One-row INSERT per transaction, from ``concurrency`` threads, on the same database."""
    from sqlalchemy import Column, Integer, MetaData, String, Table

    from syncsettle.adapters.db.engine import make_engine

    engine = make_engine(url, pool_size=concurrency)
    table = Table("bench_bare", MetaData(), Column("id", Integer, primary_key=True), Column("note", String(20)))
    table.create(engine, checkfirst=True)
    counts = [0] * concurrency
    deadline = time.monotonic() + seconds

    def loop(k: int) -> None:
        while time.monotonic() < deadline:
            with engine.begin() as conn:
                conn.execute(table.insert(), {"note": "bare"})
            counts[k] += 1

    threads = [threading.Thread(target=loop, args=(k,)) for k in range(concurrency)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    table.drop(engine)
    engine.dispose()
    return sum(counts) / elapsed


@contextmanager
def _disposing(engine: Any) -> Iterator[Any]:
    try:
        yield engine
    finally:
        engine.dispose()


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Meter:
    """Wall, load averages and CPU seconds (client, server processes, PostgreSQL backends) over a stretch."""

    def __init__(self, server: ServerProcess, engine: Any) -> None:
        from syncsettle.loadgen import cpu

        self.server, self.engine = server, engine
        self.load_before = os.getloadavg()
        self.client = time.process_time()
        self.serving = cpu.group_seconds(server.process.pid)
        self.backends = cpu.backend_seconds(engine)

    def per_visit(self, visits: int) -> dict[str, Any]:
        """CPU milliseconds per complete visit (``None`` where ``/proc`` could not tell)."""
        from syncsettle.loadgen import cpu

        client = time.process_time() - self.client
        serving = cpu.group_seconds(self.server.process.pid)
        backends = cpu.backend_delta(self.backends, cpu.backend_seconds(self.engine))

        def ms(seconds: float | None) -> float | None:
            return round(seconds * 1000 / visits, 2) if seconds is not None and visits else None

        return {
            "load_average": [round(x, 2) for x in (*self.load_before, *os.getloadavg())],
            "client_cpu_ms_per_visit": ms(client),
            "server_cpu_ms_per_visit": ms(serving - self.serving if serving is not None and self.serving is not None
                                          else None),
            "database_cpu_ms_per_visit": ms(backends),
        }  # fmt: skip


def service(
    database_url: str | None = typer.Option(
        None, "--database-url", help="PostgreSQL server to use (a fresh database is created)"
    ),
    concurrency: int = typer.Option(32, "--concurrency"),
    seconds: float = typer.Option(20.0, "--seconds"),
    persons: int = typer.Option(2000, "--persons"),
    workers: int = typer.Option(2, "--workers", help="server worker processes"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Complete settlements/s, committing requests/s, settle p50/p99, and the ratios to the bare limits."""
    import uvloop

    from syncsettle.adapters.db.engine import make_engine
    from syncsettle.loadgen.server import fresh_postgres, seed, start_server
    from syncsettle.loadgen.visits import Tally
    from syncsettle.services.platform import Platform
    from syncsettle.services.settlement.check import check

    with ExitStack() as stack:
        if database_url and not database_url.startswith("sqlite"):
            url = stack.enter_context(fresh_postgres(database_url))
            kind = "postgresql"
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="syncsettle-bench-"))
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            kind = "sqlite"
        err.print(f"[bold]bench service[/] on {kind}: seeding {persons} persons …")
        secret = seed(url, persons)
        server = start_server(url, workers=workers)
        stack.callback(server.stop)
        err.print(f"server {server.url} ({workers} workers); bare endpoint for {seconds / 2:.0f}s …")
        bare_rps = uvloop.run(_bare_endpoint(server.url, concurrency, seconds / 2))
        err.print(f"complete visits at concurrency {concurrency} for {seconds:.0f}s …")
        tally = Tally()
        engine = stack.enter_context(_disposing(make_engine(url, pool_size=1)))
        meter = Meter(server, engine)
        elapsed = uvloop.run(_drive(server.url, secret, concurrency, seconds, persons, tally))
        costs = meter.per_visit(tally.settled)
        server.stop()
        err.print(f"bare one-row transactions for {seconds / 2:.0f}s …")
        bare_txn = bare_transactions(url, concurrency, seconds / 2)
        err.print("syncsettle check …")
        verdict = check(Platform(engine=engine))
    requests_per_visit = 4
    result: dict[str, Any] = {
        "database": kind,
        "concurrency": concurrency,
        "seconds": round(elapsed, 1),
        "settlements": tally.settled,
        "errors": tally.errors,
        "settlements_per_s": round(tally.settled / elapsed, 1),
        "commits_per_s": round(tally.commits / elapsed, 1),
        "requests_per_s": round(tally.settled * requests_per_visit / elapsed, 1),
        "settle_p50_ms": round(_percentile(tally.settle_ms, 0.50), 1),
        "settle_p99_ms": round(_percentile(tally.settle_ms, 0.99), 1),
        "bare_endpoint_rps": round(bare_rps, 1),
        "bare_txn_per_s": round(bare_txn, 1),
        "ratio_to_bare_txn": round((tally.commits / elapsed) / bare_txn, 3) if bare_txn else None,
        "ratio_to_bare_endpoint": round((tally.settled * requests_per_visit / elapsed) / bare_rps, 3)
        if bare_rps
        else None,
        **costs,
        "check_ok": verdict["ok"],
        "check_settlements": verdict["settlements"],
        "check_problems": verdict["problems"][:10],
    }
    if tally.last_error:
        result["last_error"] = tally.last_error
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            typer.echo(f"{key:>26}: {value}")
    if not verdict["ok"]:
        raise typer.Exit(1)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    bench.command("service")(service)
