"""The whole demo run on a migrated, empty database: the world, the simulated days through the real
app (in this process, through httpx's ``ASGITransport``), the insurers' monthly statements, and the
summary. The CLI (``syncsettle demo``) adds the database, progress bars, printing and serving.

The middle day is the bad day (:mod:`syncsettle_tools.simulation.incidents`); with one day, that day.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from syncsettle.adapters.clock import FixedClock
from syncsettle.adapters.statement_files import write_xlsx
from syncsettle.entrypoints.http.app import create_app
from syncsettle.services.clearing import statement
from syncsettle.services.commercial import wiring
from syncsettle.services.platform import Platform
from syncsettle_tools.simulation import calendar, world
from syncsettle_tools.simulation.days import Day, DayReport
from syncsettle_tools.simulation.his import Books, Interface
from syncsettle_tools.simulation.incidents import install_switch
from syncsettle_tools.simulation.products import OFFERS
from syncsettle_tools.simulation.progress import Progress
from syncsettle_tools.simulation.summary import summarize
from syncsettle_tools.simulation.visits import Visits

BUDGET_S = 2.0  # the commercial time budget of the demo unless SYNCSETTLE_COMMERCIAL_BUDGET_MS says otherwise


@dataclass(frozen=True)
class Options:
    persons: int = 10_000
    days: int = 3
    seed: int = 1
    statements_dir: Path | None = None  # where the insurers' statements are written (None: not written)

    def problem(self) -> str | None:
        """Why these options cannot run, or ``None``."""
        if not 1 <= self.days <= calendar.MAX_DAYS:
            return f"--days must be between 1 and {calendar.MAX_DAYS} (the demo year's product window)"
        if self.persons < 50:
            return "--persons must be at least 50"
        return None


@dataclass
class Result:
    world: world.World
    reports: list[DayReport]
    summary: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)


def prepare(p: Platform) -> None:
    """Settings the demo needs on the platform: a time budget generous enough that a busy machine
    does not turn a slow answer into a pending leg (the outage is the demo's only failure)."""
    if not os.environ.get("SYNCSETTLE_COMMERCIAL_BUDGET_MS"):
        p.commercial = replace(p.commercial, budget_s=max(p.commercial.budget_s, BUDGET_S))


async def simulate(w: world.World, days: list[date], progress: Progress) -> list[DayReport]:
    """Run ``days`` through the app; the middle one is the bad day."""
    p = w.platform
    wiring.warm(p)
    switch = install_switch(p)
    app = create_app(p)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://syncsettle.demo") as client:
        visits = Visits(Interface(client, w.clock), Books(), w.clock)
        day = Day(w, client, visits, switch, progress)
        bad = days[len(days) // 2]
        reports = [await day.run(d, bad=d == bad) for d in days]
    # the in-process transport runs no lifespan, so no flusher: keep the timings for the operator's chart
    app.state.latency.flush(p.engine)
    return reports


def statements(w: world.World, days: list[date], out: Path | None, progress: Progress) -> list[dict[str, Any]]:
    """Each insurer's statement of every month the demo touched (written as .xlsx when ``out`` is given)."""
    p = w.platform
    months = sorted({d.strftime("%Y-%m") for d in days})
    insurers = sorted({p.rules.products[o.product_id].insurer for o in OFFERS})
    advance = progress.phase("月度对账单 statements", len(months) * len(insurers))
    done = []
    for month in months:
        for insurer in insurers:
            stmt = statement.statement(p, insurer, month)
            item: dict[str, Any] = {"insurer": insurer, "month": month, "lines": len(stmt.lines),
                                    "payable": stmt.trailer[-1]}  # fmt: skip
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                path = out / f"{insurer}-{month}.xlsx"
                write_xlsx(path, f"{insurer} {month}", stmt.columns, stmt.lines, stmt.trailer)
                item["file"] = str(path)
            done.append(item)
            advance(1)
    return done


def run(p: Platform, clock: FixedClock, options: Options, progress: Progress) -> Result:
    problem = options.problem()
    if problem:
        raise ValueError(problem)
    prepare(p)
    seconds = {}
    started = time.perf_counter()
    w = world.build(p, clock, persons=options.persons, seed=options.seed, progress=progress)
    seconds["world"] = time.perf_counter() - started
    days = calendar.demo_days(options.days)
    started = time.perf_counter()
    reports = asyncio.run(simulate(w, days, progress))
    seconds["days"] = time.perf_counter() - started
    started = time.perf_counter()
    done = statements(w, days, options.statements_dir, progress)
    summary = summarize(w, days, reports, done)
    seconds["statements_and_summary"] = time.perf_counter() - started
    summary["seconds"] = {k: round(v, 1) for k, v in seconds.items()}
    return Result(w, reports, summary, seconds)
