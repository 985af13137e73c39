"""``syncsettle bench clearing``: generate N settlements into a fresh database (not timed), then
time closing one window (assigning every settlement and reversal) and clearing it (positions,
instructions, checksum), and, separately, confirming its payments.

The database is a temporary SQLite file, or a new database on the PostgreSQL server of
``--database-url`` (dropped afterwards). Statistics are gathered (ANALYZE) after generation, as a
production database would have them.
"""

from __future__ import annotations

import json
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

err = Console(stderr=True)


def bench_clearing(
    settlements: int = typer.Option(100_000, "--settlements", help="settlements to generate (1 in 100 a reversal)"),
    database_url: str | None = typer.Option(None, "--database-url", help="PostgreSQL server (a fresh database)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Time closing + clearing one window of N settlements (set-based SQL)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from sqlalchemy import text

    from syncsettle.adapters.clock import FixedClock
    from syncsettle.adapters.db.core.engine import make_engine
    from syncsettle.adapters.db.core.migrate import upgrade
    from syncsettle.services.clearing import clear, confirm, windows
    from syncsettle.services.platform import Platform
    from syncsettle_tools.loadgen.clearing_data import REGION, generate
    from syncsettle_tools.loadgen.server import fresh_postgres

    with ExitStack() as stack:
        if database_url and not database_url.startswith("sqlite"):
            url, kind = stack.enter_context(fresh_postgres(database_url)), "postgresql"
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="syncsettle-bench-"))
            url, kind = f"sqlite:///{Path(folder) / 'bench.db'}", "sqlite"
        clock = FixedClock(datetime(2025, 6, 10, 16, 30, tzinfo=UTC))  # 00:30 China time the next day
        p = Platform(engine=make_engine(url), clock=clock)
        stack.callback(p.engine.dispose)
        upgrade(p.engine)
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, console=err, transient=True, disable=as_json) as bar:
            task = bar.add_task(f"generating {settlements:,} settlements", total=None)
            start = time.perf_counter()
            generate(p.engine, settlements, lambda step: bar.update(task, description=f"generating: {step}"))
            with p.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
            generated = time.perf_counter() - start
            bar.update(task, description="closing the window")
            start = time.perf_counter()
            closed = windows.close(p, REGION, date(2025, 6, 10))
            close_s = time.perf_counter() - start
            bar.update(task, description="clearing the window")
            start = time.perf_counter()
            cleared = clear.run(p, closed["window_id"])
            clear_s = time.perf_counter() - start
            bar.update(task, description="confirming payments")
            start = time.perf_counter()
            confirm.confirm(p, closed["window_id"], "bench", "BENCH-REF")
            confirm_s = time.perf_counter() - start
    result: dict[str, Any] = {
        "database": kind,
        "settlements": settlements,
        "items": closed["items"],
        "instructions": cleared["instructions"],
        "total_paid": cleared["total_paid"],
        "total_refunded": cleared["total_refunded"],
        "checksum": cleared["checksum"],
        "generation_s": round(generated, 1),
        "close_s": round(close_s, 2),
        "clear_s": round(clear_s, 2),
        "close_and_clear_s": round(close_s + clear_s, 2),
        "confirm_s": round(confirm_s, 2),
    }
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    for key, value in result.items():
        typer.echo(f"{key:>18}: {value}")


def register(app: typer.Typer, bench: typer.Typer) -> None:
    bench.command("clearing")(bench_clearing)
