"""``syncsettle bench service``: complete visits over real HTTP against a real server, and in the
same run the bare limits of this machine at the same concurrency — a trivial endpoint's requests/s
and a one-row-insert-per-transaction loop on the same database — so the figures can be read as
ratios to what the machine allows.

Everything runs on loopback. The server is a ``syncsettle serve`` child process (2 workers by
default) on a fresh database: a temporary SQLite file, or a new database created on the
PostgreSQL server of ``--database-url`` (dropped afterwards). The client is
:class:`~syncsettle_tools.loadgen.terminal.Terminal` (a lean keep-alive HTTP/1.1 client: the load
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
    from syncsettle_tools.loadgen.server import ServerProcess
    from syncsettle_tools.loadgen.visits import Tally

err = Console(stderr=True)


async def _drive(base: str, secret: str, concurrency: int, seconds: float, persons: int, tally: Tally) -> float:
    """``concurrency`` simulated HIS terminals, each with its own keep-alive connection."""
    from syncsettle_tools.loadgen.terminal import Terminal
    from syncsettle_tools.loadgen.visits import one_visit

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


async def _endpoint_rate(base: str, concurrency: int, seconds: float, method: str, path: str) -> float:
    """Requests/s of ``method path`` answered 200 by ``concurrency`` keep-alive clients for ``seconds``:
    ``GET /bare`` (the HTTP stack alone) or ``POST /bench/floor`` (one request committing one one-row
    transaction, the floor of a visit's messages)."""
    from syncsettle_tools.loadgen.terminal import Terminal

    count = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal count
        async with Terminal(base, timeout=30) as client:
            while time.monotonic() < deadline:
                if (await client.request(method, path, b""))[0] == 200:
                    count += 1

    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.monotonic() - start)


def sql_counts(base: str) -> tuple[float, float]:
    """(statements, commits) the server's processes have sent so far, from its ``/metrics``."""
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{base}/metrics", timeout=30).text
    found = {"syncsettle_sql_statements": 0.0, "syncsettle_sql_commits": 0.0}
    for family in text_string_to_metric_families(text):
        if family.name in found:
            found[family.name] = sum(s.value for s in family.samples if s.name.endswith("_total"))
    return found["syncsettle_sql_statements"], found["syncsettle_sql_commits"]


def bare_transactions(url: str, concurrency: int, seconds: float) -> float:
    """One-row INSERT per transaction, from ``concurrency`` threads, on the same database."""
    from sqlalchemy import Column, Integer, MetaData, String, Table

    from syncsettle.adapters.db.core.engine import make_engine

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
        from syncsettle_tools.loadgen import cpu

        self.server, self.engine = server, engine
        self.load_before = os.getloadavg()
        self.client = time.process_time()
        self.serving = cpu.group_seconds(server.process.pid)
        self.backends = cpu.backend_seconds(engine)

    def per_visit(self, visits: int) -> dict[str, Any]:
        """CPU milliseconds per complete visit (``None`` where ``/proc`` could not tell)."""
        from syncsettle_tools.loadgen import cpu

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
    workers: int = typer.Option(2, "--workers", help="server worker processes (each its own process, one database)"),
    rate: float | None = typer.Option(
        None, "--rate", help="open loop: start this many visits per second on a fixed schedule (default: closed loop)"
    ),
    arrivals: str = typer.Option("poisson", "--arrivals", help="open-loop schedule: poisson or uniform"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Complete settlements/s, committing requests/s, settle p50/p99, and the ratios to the bare limits.

    Closed loop by default (``--concurrency`` terminals, each starting its next visit when the last one
    ends); with ``--rate N`` an open loop whose latencies count from each message's scheduled send time
    (no coordinated omission). Also measured in the same run: the floor (``POST /bench/floor``, one
    request committing one one-row transaction), the SQL statements per visit (the server's own
    counter) and the CPU milliseconds per visit of the server and of PostgreSQL."""
    if rate is not None and rate <= 0:
        raise typer.BadParameter("must be positive", param_hint="--rate")
    if arrivals not in ("poisson", "uniform"):
        raise typer.BadParameter("poisson or uniform", param_hint="--arrivals")
    import uvloop

    from syncsettle.adapters.db.core.engine import make_engine
    from syncsettle.entrypoints.http.bench_hooks import ENV as BENCH_HOOKS_ENV
    from syncsettle.entrypoints.http.bench_hooks import FLOOR
    from syncsettle.services.platform import Platform
    from syncsettle.services.settlement.check import check
    from syncsettle_tools.loadgen import openloop
    from syncsettle_tools.loadgen.server import fresh_postgres, seed, start_server
    from syncsettle_tools.loadgen.visits import Tally

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
        engine = stack.enter_context(_disposing(make_engine(url, pool_size=1)))
        FLOOR.create(engine, checkfirst=True)
        server = start_server(url, workers=workers, env={BENCH_HOOKS_ENV: "1"})
        stack.callback(server.stop)
        err.print(f"server {server.url} ({workers} workers); bare endpoint for {seconds / 4:.0f}s …")
        bare_rps = uvloop.run(_endpoint_rate(server.url, concurrency, seconds / 4, "GET", "/bare"))
        err.print(f"floor (one committing request) for {seconds / 4:.0f}s …")
        floor_rps = uvloop.run(_endpoint_rate(server.url, concurrency, seconds / 4, "POST", "/bench/floor"))
        tally = Tally()
        statements_before = sql_counts(server.url)
        meter = Meter(server, engine)
        loop_run: openloop.OpenLoopRun | None = None
        if rate is None:
            err.print(f"complete visits, closed loop at concurrency {concurrency}, for {seconds:.0f}s …")
            elapsed = uvloop.run(_drive(server.url, secret, concurrency, seconds, persons, tally))
        else:
            err.print(f"complete visits, open loop at {rate:g}/s ({arrivals}), for {seconds:.0f}s …")
            loop_run = uvloop.run(openloop.drive(server.url, secret, rate, seconds, persons, tally, arrivals=arrivals))
            elapsed = loop_run.elapsed
        costs = meter.per_visit(tally.settled)
        statements_after = sql_counts(server.url)
        server.stop()
        err.print(f"bare one-row transactions for {seconds / 2:.0f}s …")
        bare_txn = bare_transactions(url, concurrency, seconds / 2)
        err.print("syncsettle check …")
        verdict = check(Platform(engine=engine))
    requests_per_visit = 4
    visits = tally.settled + tally.errors
    statements = statements_after[0] - statements_before[0]
    commits = statements_after[1] - statements_before[1]
    floor_visits = floor_rps / requests_per_visit
    server_ms, database_ms = costs["server_cpu_ms_per_visit"], costs["database_cpu_ms_per_visit"]
    result: dict[str, Any] = {
        "database": kind,
        "mode": "closed" if rate is None else "open",
        "concurrency": concurrency if rate is None else None,
        "rate": rate,
        "arrivals": arrivals if rate is not None else None,
        "workers": workers,
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
        "cpu_ms_per_visit": round(server_ms + (database_ms or 0), 2) if server_ms is not None else None,
        "statements_per_visit": round(statements / visits, 1) if visits else None,
        "commits_per_visit": round(commits / visits, 2) if visits else None,
        "floor_rps": round(floor_rps, 1),
        "floor_visits_per_s": round(floor_visits, 1),
        "ratio_to_floor": round((tally.settled / elapsed) / floor_visits, 3) if floor_visits else None,
        "latency_ms": {
            infno: {
                "p50": round(_percentile(v, 0.50), 1),
                "p99": round(_percentile(v, 0.99), 1),
                "max": round(max(v), 1),
            }
            for infno, v in sorted(tally.latency_ms.items())
        },
        "visit_p99_ms": round(_percentile(tally.visit_ms, 0.99), 1),
        **(
            {
                "offered_visits": loop_run.offered,
                "connections": loop_run.connections,
                "max_send_lag_ms": loop_run.max_send_lag_ms,
            }
            if loop_run
            else {}
        ),
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
