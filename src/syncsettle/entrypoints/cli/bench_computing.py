"""``syncsettle bench replay`` and ``bench risk``: figures of the computing centre.

``bench replay --settlements N``: generate N historical settlements with bulk inserts into a fresh
database (a temporary SQLite file unless ``--database-url``), refresh the claim facts, and replay
a full year under the city product (vectorised; ``--per-bill-sample`` also times the per-bill path
on the first claims and checks that both agree to the fen).
``bench risk``: how long the 事中 risk check of one settlement takes (p50/p99 ms) on stored history.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import date
from pathlib import Path

import typer

from syncsettle.adapters.db.migrate import upgrade
from syncsettle.entrypoints.cli.computing import _bar
from syncsettle.loadgen import history as gen
from syncsettle.services.computing import facts, replay
from syncsettle.services.platform import build_platform


def bench_replay(
    settlements: int = typer.Option(1_000_000, help="historical settlements to generate"),
    per_bill_sample: int = typer.Option(20_000, help="claims also replayed per bill (0: skip)"),
    database: str | None = typer.Option(None, "--database-url", help="an EMPTY database (default: a temp SQLite file)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:  # fmt: skip
    """Generate history, refresh facts, replay it; print seconds per stage."""
    with tempfile.TemporaryDirectory() as scratch:
        p = build_platform(database or f"sqlite:///{Path(scratch) / 'bench.db'}")
        upgrade(p.engine)
        t0 = time.perf_counter()
        with _bar("generate") as progress, p.uow() as uow:
            gen.generate(uow.conn, settlements, progress=progress)
            uow.commit()
        t1 = time.perf_counter()
        facts.refresh(p)
        t2 = time.perf_counter()
        product = p.rules.products[gen.CITY]
        span = (date(2025, 1, 1), date(2025, 12, 31))
        with _bar("load") as progress:
            h = replay.load_history(p, product, gen.CITY, *span, progress)
        t3 = time.perf_counter()
        with _bar("replay") as progress:
            results = replay.vectorised(product, h, progress)
        t4 = time.perf_counter()
        out = {
            "settlements": settlements, "generate_seconds": round(t1 - t0, 1), "facts_seconds": round(t2 - t1, 1),
            "load_seconds": round(t3 - t2, 1), "replay_seconds": round(t4 - t3, 1),
            "seconds": round(t4 - t2, 1), "expected_payout_fen": sum(r[0] for r in results),
            "settlements_per_second": round(settlements / max(1e-9, t4 - t2)),
        }  # fmt: skip
        if per_bill_sample:
            sample = replay.History(h.claims[:per_bill_sample], h.in_period[:per_bill_sample],
                                    h.replaced_paid[:per_bill_sample])  # fmt: skip
            t5 = time.perf_counter()
            per_bill = replay.per_bill(product, sample)
            t6 = time.perf_counter()
            out["per_bill_sample"] = len(sample.claims)
            out["per_bill_per_second"] = round(len(sample.claims) / max(1e-9, t6 - t5))
            out["per_bill_agrees"] = per_bill == replay.vectorised(product, sample, lambda _: None)
        p.engine.dispose()
    typer.echo(json.dumps(out) if as_json else "\n".join(f"{k:>24}: {v}" for k, v in out.items()))


def bench_risk(
    visits_n: int = typer.Option(1000, "--visits", help="settlements to time the 事中 check on"),
    history_n: int = typer.Option(50_000, "--history", help="generated settlements of history"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:  # fmt: skip
    """Time :func:`risk.visit_findings` — what ``attach_findings`` adds to a settlement — on stored history."""
    import random
    import statistics

    from sqlalchemy import select

    from syncsettle.adapters.db import people
    from syncsettle.adapters.db import visits as visit_repo
    from syncsettle.adapters.db.schema import visits
    from syncsettle.services.computing.risk import visit_findings

    with tempfile.TemporaryDirectory() as scratch:
        p = build_platform(f"sqlite:///{Path(scratch) / 'bench.db'}")
        upgrade(p.engine)
        with _bar("generate") as progress, p.uow() as uow:
            gen.generate(uow.conn, history_n, progress=progress)
            uow.commit()
        with p.uow(readonly=True) as uow:
            ids = [r[0] for r in uow.conn.execute(select(visits.c.mdtrt_id))]
        timings, findings = [], 0
        for mdtrt_id in random.Random(3).sample(ids, min(visits_n, len(ids))):
            with p.uow(readonly=True) as uow:
                visit = visit_repo.visit(uow.conn, mdtrt_id)
                assert visit is not None
                hospital = people.hospital(uow.conn, visit["fixmedins_code"])
                lines = visit_repo.lines(uow.conn, mdtrt_id)
                t = time.perf_counter()
                found = visit_findings(p, uow.conn, "during", visit, hospital or {}, visit["begntime"].date(), lines)
                timings.append((time.perf_counter() - t) * 1000)
                findings += len(found)
        p.engine.dispose()
    q = statistics.quantiles(timings, n=100)
    out = {"visits": len(timings), "history": history_n, "findings": findings,
           "p50_ms": round(q[49], 3), "p99_ms": round(q[98], 3), "max_ms": round(max(timings), 3)}  # fmt: skip
    typer.echo(json.dumps(out) if as_json else "\n".join(f"{k:>10}: {v}" for k, v in out.items()))


def register_bench(bench: typer.Typer) -> None:
    bench.command("replay")(bench_replay)
    bench.command("risk")(bench_risk)
