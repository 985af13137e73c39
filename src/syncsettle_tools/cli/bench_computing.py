"""``syncsettle bench replay`` and ``bench risk``: the computing centre's figures of issue 7.

``bench replay --settlements N``: generate N historical settlements (bulk inserts, not part of the
goal), then time what ``syncsettle replay`` costs on history whose claim facts are not fresh: the
full facts refresh, loading the claims, the vectorised replay and the released aggregates. The
goal's 120 s covers refresh + load + replay + aggregates (``goal_seconds``); a second refresh with
nothing new shows what a user pays when the facts are already fresh. ``--per-bill-sample`` also
replays the first claims per bill and checks that both paths agree to the fen.

``bench risk``: what the 事中 risk check adds to a settlement's p99 — settle p99 with the check
minus settle p99 without, same workload, same process, interleaved — and the check's own p50/p99,
in wall and CPU milliseconds.

Both print the machine's load averages: the figures are only as quiet as the machine was.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from syncsettle.entrypoints.cli.computing import _bar

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from syncsettle.services.platform import Platform

DB = typer.Option(None, "--database-url", help="PostgreSQL: a fresh database is made on that server "
                  "(dropped afterwards); SQLite: that file. Default: a temporary SQLite file")  # fmt: skip
REUSE = typer.Option(False, help="use --database-url as it is: keep history already there (its claim facts are "
                     "rebuilt), generate only into an empty one")  # fmt: skip


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@contextmanager
def _database(url: str | None, reuse: bool) -> Iterator[str]:
    from syncsettle.adapters.db.core.engine import database_url
    from syncsettle_tools.loadgen.server import fresh_postgres

    if url is None:
        with tempfile.TemporaryDirectory() as scratch:
            yield f"sqlite:///{Path(scratch) / 'bench.db'}"
    elif database_url(url).startswith("postgresql") and not reuse:
        with fresh_postgres(url) as fresh:
            yield fresh
    else:
        yield url


def _history(p: Platform, n: int, reuse: bool) -> float | None:
    """Generate ``n`` settlements into an empty database; seconds, or None when reused."""
    from sqlalchemy import delete, func, select

    from syncsettle.adapters.db.computing.schema_computing import claim_fact_products, claim_facts
    from syncsettle.adapters.db.core.migrate import upgrade
    from syncsettle.adapters.db.core.schema import settlements
    from syncsettle_tools.loadgen import history as gen

    upgrade(p.engine)
    with p.uow() as uow:
        have = int(uow.conn.execute(select(func.count()).select_from(settlements)).scalar_one())
        if have and reuse:  # TRUNCATE on PostgreSQL: deleted rows would linger as dead tuples in the new ones' way
            if p.dialect == "postgresql":
                uow.conn.exec_driver_sql("TRUNCATE claim_fact_products, claim_facts")
            else:
                uow.conn.execute(delete(claim_fact_products))
                uow.conn.execute(delete(claim_facts))
            uow.commit()
            return None
    if have:
        raise typer.BadParameter("the database already holds settlements (use --reuse)", param_hint="--database-url")
    started = time.perf_counter()
    with _bar("generate") as progress, p.uow() as uow:
        gen.generate(uow.conn, n, progress=progress)
        uow.commit()
    return time.perf_counter() - started


class ServerCpu:
    """CPU seconds spent by the PostgreSQL backends serving this process's connections, read from
    ``/proc`` (a server on this machine): the work of a refresh is the server's, and on a shared
    machine its wall time says more about the neighbours than about the refresh."""

    def __init__(self, engine: Engine) -> None:
        from sqlalchemy import event

        self.pids: list[int] = []
        if engine.dialect.name == "postgresql" and Path("/proc/self/stat").exists():
            event.listen(engine, "connect", self._record)

    def _record(self, dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.pids.append(int(cursor.fetchone()[0]))
        dbapi_connection.rollback()

    def seconds(self) -> float | None:
        if not self.pids:
            return None
        ticks = 0
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, PermissionError, IndexError):
                continue  # a backend on another machine, or gone: not counted
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
        return ticks / os.sysconf("SC_CLK_TCK")


class Stopwatch:
    """Wall, process-CPU and (PostgreSQL on this machine) server-CPU seconds of consecutive stages."""

    def __init__(self, server: ServerCpu) -> None:
        self.server = server
        self.wall, self.cpu, self.server_cpu = time.perf_counter(), time.process_time(), server.seconds()
        self.figures: dict[str, float] = {}

    def lap(self, name: str) -> None:
        wall, cpu, server_cpu = time.perf_counter(), time.process_time(), self.server.seconds()
        self.figures[f"{name}_seconds"] = round(wall - self.wall, 2)
        self.figures[f"{name}_cpu_seconds"] = round(cpu - self.cpu, 2)
        if server_cpu is not None and self.server_cpu is not None:
            self.figures[f"{name}_server_cpu_seconds"] = round(server_cpu - self.server_cpu, 2)
        self.wall, self.cpu, self.server_cpu = wall, cpu, server_cpu


def bench_replay(
    settlements_n: int = typer.Option(1_000_000, "--settlements", help="historical settlements to generate"),
    per_bill_sample: int = typer.Option(20_000, help="claims also replayed per bill (0: skip)"),
    database: str | None = DB, reuse: bool = REUSE, as_json: bool = typer.Option(False, "--json"),
) -> None:  # fmt: skip
    """Generate history, then time refresh + load + replay + aggregates of the city product for 2025."""
    from syncsettle.services.computing import facts, replay, replay_claims, whatif
    from syncsettle.services.computing.actuarial import Requester
    from syncsettle.services.platform import build_platform
    from syncsettle_tools.loadgen import history as gen

    out: dict[str, Any] = {"load_average_before": _load()}
    with _database(database, reuse) as url:
        p = build_platform(url, create=True)  # a benchmark makes its own database
        server = ServerCpu(p.engine)
        generated = _history(p, settlements_n, reuse)
        out["database"] = p.dialect
        out["generate_seconds"] = None if generated is None else round(generated, 1)
        product = p.rules.products[gen.CITY]
        w = whatif.WhatIf(product, date(2025, 1, 1), date(2025, 12, 31), premium=12_900, replaces=gen.CITY)
        who = Requester("bench", "operator", "bench", "bench replay")
        clock = Stopwatch(server)
        out["facts_added"] = facts.refresh(p)["added"]
        clock.lap("facts_refresh")
        with _bar("load") as progress:
            claims = replay_claims.load(p, product, gen.CITY, w.day_from, w.day_to, progress)
        clock.lap("load")
        with _bar("replay") as progress:
            result = replay.vectorised(product, claims, progress)
        clock.lap("replay")
        summary = whatif.summarise(p, w, claims, result, who, min_cell=10, epsilon=None, audit=lambda _: None)
        clock.lap("aggregates")
        facts.refresh(p)
        clock.lap("facts_refresh_again")
        f = clock.figures
        replay_total = f["load_seconds"] + f["replay_seconds"] + f["aggregates_seconds"]
        out.update(f)
        out |= {
            "settlements": claims.n, "replay_total_seconds": round(replay_total, 2),
            "goal_seconds": round(f["facts_refresh_seconds"] + replay_total, 2),
            "goal_covers": "facts refresh + load + vectorised replay + released aggregates (generation excluded)",
            "goal_met": f["facts_refresh_seconds"] + replay_total <= 120,
            "expected_payout": summary["expected_payout"], "expected_payout_fen": int(result.payable.sum()),
        }  # fmt: skip
        if per_bill_sample:
            sample = claims.head(per_bill_sample)
            started = time.perf_counter()
            per_bill = replay.per_bill(product, sample)
            out["per_bill_sample"] = sample.n
            out["per_bill_per_second"] = round(sample.n / max(1e-9, time.perf_counter() - started))
            out["per_bill_agrees"] = per_bill == replay.vectorised(product, sample, lambda _: None)
        p.engine.dispose()
    out["load_average_after"] = _load()
    typer.echo(json.dumps(out, ensure_ascii=False) if as_json else "\n".join(f"{k:>28}: {v}" for k, v in out.items()))


def _quantiles(values: list[float]) -> dict[str, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(q[49], 3), "p99": round(q[98], 3)}


def bench_risk(
    rounds: int = typer.Option(1000, help="timed rounds (each: one settlement with, one without, one check alone)"),
    history_n: int = typer.Option(50_000, "--history", help="generated settlements of history"),
    database: str | None = DB, reuse: bool = REUSE, as_json: bool = typer.Option(False, "--json"),
) -> None:  # fmt: skip
    """Settle p99 with the 事中 risk check minus without it, and the check's own p50/p99 (ms)."""
    from syncsettle.services.computing import facts
    from syncsettle.services.platform import build_platform
    from syncsettle_tools.loadgen import risk_workload

    out: dict[str, Any] = {"load_average_before": _load()}
    with _database(database, reuse) as url:
        p = build_platform(url, create=True)  # a benchmark makes its own database
        if _history(p, history_n, reuse) is None:
            facts.refresh(p)
        with _bar("settle") as progress:
            r = risk_workload.run(p.engine, max(10, history_n // 10), rounds, progress=progress)
        out["database"] = p.dialect
        p.engine.dispose()
    out |= {"rounds": rounds, "history": history_n, "findings": r.findings}
    for kind in ("wall", "cpu"):
        with_q, without_q = _quantiles(getattr(r.with_risk, kind)), _quantiles(getattr(r.without_risk, kind))
        step = _quantiles(getattr(r.risk_step, kind))
        out[f"{kind}_ms"] = {
            "settle_with_risk": with_q, "settle_without_risk": without_q, "risk_step": step,
            "added_p99": round(with_q["p99"] - without_q["p99"], 3),
            "added_p50": round(with_q["p50"] - without_q["p50"], 3),
        }  # fmt: skip
    out["goal"] = "added_p99 (settle p99 with − without) ≤ 5 ms"
    out["load_average_after"] = _load()
    typer.echo(json.dumps(out, ensure_ascii=False) if as_json else "\n".join(f"{k:>20}: {v}" for k, v in out.items()))


def register_bench(bench: typer.Typer) -> None:
    bench.command("replay")(bench_replay)
    bench.command("risk")(bench_risk)
