"""``syncsettle events drain|status``: the outbox and the broker (NATS JetStream).

``drain`` publishes every waiting event once and exits (status 0 when the outbox is empty after it,
3 when the broker could not be reached and events wait); ``--follow`` keeps draining every
``--every`` seconds, backing off while the broker is down, until interrupted. ``consume`` is the
other end: the durable consumer that pushes slips and quick-claim progress to insured persons. With
``SYNCSETTLE_NATS_URL`` set, ``serve`` runs both every second in the background."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from syncsettle.entrypoints.cli.arguments import fail
from syncsettle.entrypoints.cli.service import DB

events_app = typer.Typer(help="Events: publish the outbox to NATS JetStream.", no_args_is_help=True)
NATS = typer.Option(None, "--nats-url", help="NATS server (default SYNCSETTLE_NATS_URL), e.g. nats://127.0.0.1:4222")
FOLLOW = typer.Option(False, "--follow", help="keep going until interrupted")
EVERY = typer.Option(1.0, "--every", min=0.05, help="seconds between passes with --follow")
BROKER_DOWN_EXIT = 3
T = TypeVar("T")


def _wired(database: str | None, endpoint: Callable[[Any], T]) -> tuple[Any, T]:
    """The platform on ``database`` and its broker endpoint; one error line if no broker is configured."""
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    p = build_platform(database)
    try:
        return p, endpoint(p)
    except ServiceError as exc:
        fail(exc)


def _passes(run_once: Callable[[], tuple[str, bool, bool]], *, follow: bool, every: float) -> None:
    """Run ``run_once`` (→ report line, something happened, broker down) once, or with ``--follow``
    every ``every`` seconds until interrupted, backing off (doubling, at most 30 s) while the broker
    is down; the exit status is 3 when a single pass found the broker down."""
    pause = every
    while True:
        line, busy, down = run_once()
        if busy or not follow:
            typer.echo(line, err=down)
        if not follow:
            raise typer.Exit(BROKER_DOWN_EXIT if down else 0)
        pause = min(pause * 2, 30.0) if down else every
        time.sleep(pause)


@events_app.command("drain")
def drain_command(
    nats_url: str | None = NATS, database: str | None = DB, follow: bool = FOLLOW, every: float = EVERY
) -> None:
    """Publish the waiting events (at least once, deduplicated by Nats-Msg-Id), then report the backlog."""
    from syncsettle.services.management import events

    p, publisher = _wired(database, lambda p: events.publisher_for(p, nats_url))

    def once() -> tuple[str, bool, bool]:
        done = events.drain(p, publisher)
        down = f"; NATS at {publisher.url} unreachable, events wait in the outbox" if done.broker_down else ""
        return (f"published {done.published} (duplicates {done.duplicates}), waiting {done.waiting}{down}",
                bool(done.published), done.broker_down)  # fmt: skip

    _passes(once, follow=follow, every=every)


@events_app.command("consume")
def consume_command(
    nats_url: str | None = NATS, database: str | None = DB, follow: bool = FOLLOW, every: float = EVERY
) -> None:
    """Push what the broker holds to the insured persons (slips, reversals, quick-claim progress)."""
    from syncsettle.services.slips import push

    p, consumer = _wired(database, lambda p: push.consumer_for(p, nats_url))

    def once() -> tuple[str, bool, bool]:
        done = push.consume(p, consumer)
        down = f"; NATS at {consumer.url} unreachable" if done.broker_down else ""
        return (f"received {done.handled}, pushed {done.pushed} notices to insured persons{down}",
                bool(done.handled), done.broker_down)  # fmt: skip

    _passes(once, follow=follow, every=every)


@events_app.command("status")
def status_command(database: str | None = DB) -> None:
    """How many events wait in the outbox, and whether a broker is configured."""
    from syncsettle.services.management import events
    from syncsettle.services.platform import build_platform

    p = build_platform(database)
    where = p.settings.nats_url or "no broker configured (SYNCSETTLE_NATS_URL unset): events stay in the outbox"
    typer.echo(f"waiting {events.status(p)}; broker: {where}")


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.add_typer(events_app, name="events")
