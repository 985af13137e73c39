"""``syncsettle demo``: the README's main job — the whole platform at work on a realistic world.

On a fresh embedded database (``./var/demo.db``, recreated each run) or an empty one given with
``--database-url`` (SQLite or PostgreSQL) it creates the world, simulates ``--days`` days of visits
through the real hospital interface, clears and reconciles each day, writes the insurers' monthly
statements, prints the summary (``--json``: one object on stdout) and then serves the console with
ready-made logins (``--no-serve``: stop after the summary). The simulation is
:mod:`syncsettle_tools.simulation`; this module only wires the database, the progress bars and the output.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from syncsettle.entrypoints.cli.service import err
from syncsettle_tools.cli.demo_tables import print_summary
from syncsettle_tools.simulation import calendar

if TYPE_CHECKING:
    from fastapi import FastAPI
    from rich.progress import Progress

    from syncsettle.adapters.clock import FixedClock
    from syncsettle.services.platform import Platform
    from syncsettle_tools.simulation.progress import Advance

DEFAULT_PATH = Path("var") / "demo.db"


class Bars:
    """Each phase of the simulation as a rich progress bar on stderr (a finished phase stays shown)."""

    def __init__(self, bar: Progress) -> None:
        from rich.progress import TaskID

        self.bar = bar
        self.current: TaskID | None = None

    def phase(self, label: str, total: int | None = None) -> Advance:
        self._finish()
        task = self.current = self.bar.add_task(label, total=total)
        return lambda n: self.bar.advance(task, n)

    def _finish(self) -> None:
        if self.current is not None:
            done = self.bar.tasks[self.current]
            self.bar.update(self.current, total=done.completed or 1, completed=done.completed or 1)


class Lines:
    """Each phase as plain lines on stderr, for output that is not a terminal (a log file, a pipe, CI):
    a line when the phase starts, one at most every ``every`` seconds while it runs, and one when it
    ends — so a redirected demo is never silent for a minute, and no bar's control codes land in a file."""

    def __init__(self, out: Any = None, every: float = 5.0) -> None:
        self.out = out or sys.stderr
        self.every = every
        self.current: tuple[str, int | None, float] | None = None
        self.done = 0

    def phase(self, label: str, total: int | None = None) -> Advance:
        self._finish()
        started = time.monotonic()
        self.current, self.done = (label, total, started), 0
        self._say(f"{label} …" + (f" 0/{total}" if total else ""))
        shown = [started]

        def advance(n: int) -> None:
            self.done += n
            now = time.monotonic()
            if now - shown[0] >= self.every:
                shown[0] = now
                self._say(f"{label} {self.done}" + (f"/{total}" if total else "") + f" ({now - started:.0f} s)")

        return advance

    def close(self) -> None:
        self._finish()

    def _finish(self) -> None:
        if self.current is not None:
            label, _, started = self.current
            self._say(f"{label} done: {self.done} in {time.monotonic() - started:.1f} s")
            self.current = None

    def _say(self, line: str) -> None:
        print(line, file=self.out, flush=True)


def fresh_database(explicit: str | None) -> tuple[str, Path]:
    """The URL to use and where statements go (beside a SQLite file, else ``./var``): the given
    database as it is, or ``./var/demo.db`` recreated (with its WAL files)."""
    from syncsettle.adapters.db.core.engine import database_url

    if explicit:
        url = database_url(explicit)
        beside = Path(url.removeprefix("sqlite:///")).parent if url.startswith("sqlite:///") else Path("var")
        return url, beside / "demo-statements"
    for suffix in ("", "-wal", "-shm"):
        DEFAULT_PATH.with_name(DEFAULT_PATH.name + suffix).unlink(missing_ok=True)
    return f"sqlite:///{DEFAULT_PATH}", DEFAULT_PATH.with_name("demo-statements")


def publish_events(p: Platform, url: str | None) -> dict[str, Any]:
    """With a broker: publish the whole outbox and push the slips to the insured (until the outbox is
    empty, or the broker stops answering). Without one the events wait; either way, what is left."""
    from syncsettle.services.management import events
    from syncsettle.services.slips import push

    if not url:
        return {"broker": None, "published": 0, "pushed": 0, "fed": 0, "waiting": events.status(p)}
    published = pushed = fed = 0
    while True:
        done = push.pump(p, url)
        published, pushed = published + done.published, pushed + done.consumed.pushed
        fed += done.fed.pushed
        down = done.drained.broker_down or done.consumed.broker_down or done.fed.broker_down
        if down or done.drained.waiting == 0:
            break
    return {"broker": url, "published": published, "pushed": pushed, "fed": fed, "waiting": done.drained.waiting,
            "broker_down": down}  # fmt: skip


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def demo(
    days: int = typer.Option(3, "--days", help=f"simulated days from {calendar.FIRST_DAY} (1–{calendar.MAX_DAYS})"),
    persons: int = typer.Option(10_000, "--persons", help="insured persons in the two regions (at least 50)"),
    seed: int = typer.Option(1, "--seed", help="the same seed gives the same world and the same visits"),
    database: str | None = typer.Option(None, "--database-url", help="an empty database to use instead of a "
                                        "fresh ./var/demo.db (e.g. postgresql://postgres@127.0.0.1:5432/demo)"),
    no_serve: bool = typer.Option(False, "--no-serve", help="finish after the summary instead of serving the console"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON object on stdout"),
    host: str = typer.Option("127.0.0.1", help="where the console is served"),
    port: int = typer.Option(8000, "--port", help="the console's TCP port (make demo PORT=8010)"),
    nats_url: str | None = typer.Option(None, "--nats-url", help="publish the events to this NATS JetStream and "
                                        "push the slips (default SYNCSETTLE_NATS_URL; none: they wait in the outbox)"),
) -> None:  # fmt: skip
    """Create a realistic world, simulate days of settlements through the hospital interface, clear and
    reconcile them, print the summary and serve the console (with a login per role)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from syncsettle.adapters.clock import FixedClock
    from syncsettle.adapters.db.core.engine import make_engine
    from syncsettle.adapters.db.core.migrate import upgrade
    from syncsettle.adapters.settings import SettingsError, load_settings
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import Platform
    from syncsettle_tools.simulation.logins import logins
    from syncsettle_tools.simulation.run import Options, run
    from syncsettle_tools.simulation.world import is_empty

    problem = Options(persons, days, seed).problem()
    if problem:
        _fail(problem)
    if not no_serve and not _port_free(host, port):
        _fail(f"{host}:{port} is in use: give --port N, or --no-serve")
    url, statements_dir = fresh_database(database)
    clock = FixedClock(calendar.china(calendar.SETUP_DAY, 9))
    try:
        settings = load_settings()
        if nats_url:  # the demo's own run and the console it serves both publish to this broker
            settings = replace(settings, nats_url=nats_url)
        p = Platform(engine=make_engine(url), clock=clock, settings=settings)
        upgrade(p.engine, keys=p.settings.keys)
        if not is_empty(p):
            _fail(f"{url} already holds persons: give an empty database, or leave out --database-url")
        options = Options(persons, days, seed, statements_dir)
        if err.is_terminal:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=err) as bar:
                result = run(p, clock, options, Bars(bar))
        else:
            lines = Lines()
            result = run(p, clock, options, lines)
            lines.close()
        access = logins(result.world, result.reports)
        published = publish_events(p, p.settings.nats_url)
    except (ServiceError, SettingsError, ValueError) as exc:
        _fail(str(exc))
    summary: dict[str, Any] = {**result.summary, "database": url, "events": published,
                               "console": {"url": f"http://{host}:{port}/console", "port": port,
                                           "logins": access}}  # fmt: skip
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        from syncsettle.entrypoints.cli import program

        print_summary(Console(width=max(Console().width, 132)), summary, serving=not no_serve, program=program())
    if no_serve:
        return
    serve(p, clock, host, port)


def console_app(p: Platform, clock: FixedClock) -> FastAPI:
    """The app ``syncsettle serve`` runs, on the demo's database, with a clock that carries on from
    the end of the simulation (so the console's "last 30 days" are the demo's days)."""
    from syncsettle.adapters.clock import ShiftedClock
    from syncsettle.entrypoints.http.main import app_for
    from syncsettle.services.platform import Platform

    shifted = ShiftedClock(clock.now() - datetime.now(UTC))
    return app_for(Platform(engine=p.engine, clock=shifted, settings=p.settings))


def serve(p: Platform, clock: FixedClock, host: str, port: int) -> None:
    import uvicorn

    from syncsettle.adapters.observability.logs import logging_config

    app = console_app(p, clock)
    err.print(f"serving http://{host}:{port}/console — Ctrl-C stops")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, log_config=logging_config("warning"))


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("demo")(demo)
