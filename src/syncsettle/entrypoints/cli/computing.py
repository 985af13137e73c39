"""Computing-centre commands: ``risk scan``, ``facts refresh``, ``replay`` and ``aggregates``.

The minimum cell size is never below the platform's (:data:`release.MIN_CELL`, the API's too): a
smaller ``--min-cell`` is raised to it. ``--epsilon`` spends the budget the regulator granted
(``syncsettle privacy grant``) and is read like the API's (a decimal or fraction in (0, 10]).

Long work shows a progress bar on stderr; ``--json`` prints one object on stdout. Releases made
from the command line are audited in the audit log (``export``, actor ``operator:*`` named ``cli``)
and each is also printed to stderr as one JSON line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from syncsettle.entrypoints.cli import arguments
from syncsettle.entrypoints.cli.service import DB
from syncsettle.services.computing import actuarial
from syncsettle.services.computing.release import MIN_CELL

if TYPE_CHECKING:
    from syncsettle.domain.rules.product import Product
    from syncsettle.services.computing.release import ReleaseAudit

risk_app = typer.Typer(help="Risk control (风控): batch scan of a period.", no_args_is_help=True)
facts_app = typer.Typer(help="Claim facts for actuarial queries and replays.", no_args_is_help=True)
err = Console(stderr=True)
FROM = typer.Option(..., "--from", help="first settlement date (YYYY-MM-DD)")
TO = typer.Option(..., "--to", help="last settlement date (YYYY-MM-DD)")


_fail, _day = arguments.fail, arguments.day


def _audit_to_stderr(record: ReleaseAudit) -> None:
    from syncsettle.services.computing.release import audit_to_json

    typer.echo(f"audit: {audit_to_json(record)}", err=True)


@contextmanager
def _bar(label: str, quiet: bool = False) -> Iterator[Callable[[float], None]]:
    from rich.progress import Progress

    with Progress(console=err, disable=quiet, transient=True) as progress:
        task = progress.add_task(label, total=1.0)
        yield lambda fraction: progress.update(task, completed=fraction)


@risk_app.command("scan")
def risk_scan(day_from: str = FROM, day_to: str = TO, as_json: bool = typer.Option(False, "--json"),
              database: str | None = DB) -> None:  # fmt: skip
    """Flag the period's settlements and hospitals for review (risk_flags)."""
    from syncsettle.services.computing import scan
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    p = build_platform(database)
    try:
        with _bar("risk scan") as progress:
            result = scan.scan(p, _day(day_from, "--from"), _day(day_to, "--to"), progress)
    except ServiceError as exc:
        _fail(exc)
    typer.echo(json.dumps(result, ensure_ascii=False) if as_json else
               f"{result['settlements']} settlements scanned, {result['flags']} flags {result['by_rule']}")  # fmt: skip


@facts_app.command("refresh")
def facts_refresh(database: str | None = DB) -> None:
    """Add new settlements to the claim facts and drop reversed ones."""
    from syncsettle.services.computing import facts
    from syncsettle.services.platform import build_platform

    typer.echo(json.dumps(facts.refresh(build_platform(database))))


def _candidate(path: Path) -> Product:
    from syncsettle.adapters.rulebook import RuleFileError, load_rule_file
    from syncsettle.domain.rules.product import Product

    try:
        item = load_rule_file(path)
    except RuleFileError as exc:
        _fail(exc)
    if not isinstance(item, Product):
        _fail(ValueError(f"{path}: kind: must be product"))
    assert isinstance(item, Product)
    return item


def replay_command(
    candidate: Path = typer.Argument(..., help="candidate product rule file (the schema of filed products)"),
    day_from: str = FROM, day_to: str = TO,
    premium: str = typer.Option(..., help="premium per covered person for the period, yuan"),
    replaces: str | None = typer.Option(None, help="the filed product the candidate would replace"),
    path: str = typer.Option("vectorised", help="vectorised | per_bill"),
    insurer: str = typer.Option("operator", help="whose privacy budget and release log"),
    epsilon: str | None = typer.Option(None, help="differential-privacy epsilon to spend (decimal string)"),
    min_cell: int = typer.Option(MIN_CELL, help=f"minimum distinct persons per released cell (never below {MIN_CELL})"),
    refresh: bool = typer.Option(True, help="refresh the claim facts first"),
    as_json: bool = typer.Option(False, "--json"), database: str | None = DB,
) -> None:  # fmt: skip
    """Replay history under a candidate product and print aggregates (expected payout, loss ratio, …)."""
    from syncsettle.domain.settlement.errors import InvalidInput
    from syncsettle.money import MoneyError, parse_yuan
    from syncsettle.services.computing import access, facts, jobs, whatif
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    product = _candidate(candidate)
    p = build_platform(database)
    try:
        w = whatif.WhatIf(product, _day(day_from, "--from"), _day(day_to, "--to"), parse_yuan(premium), replaces,
                          path)  # fmt: skip
        eps = access.epsilon_of(epsilon)
        if refresh:
            facts.refresh(p)
        who = actuarial.Requester("cli", "operator", insurer, f"what-if {product.id}", tenant="*")
        job = jobs.submit(p, "replay", insurer, {"candidate": product.id, "from": day_from, "to": day_to})
        with _bar(f"replay {product.id}") as progress:
            result = jobs.run(p, job, lambda pr: whatif.run(p, w, who, min_cell=access.min_cell(min_cell), epsilon=eps,
                                                            audit=_audit_to_stderr, progress=pr), progress)  # fmt: skip
    except (ServiceError, MoneyError, InvalidInput, ValueError, ZeroDivisionError) as exc:
        _fail(exc)
    result["job"] = job
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    for key in ("settlements", "covered_persons", "covered_basis", "claims", "expected_payout", "premium_income",
                "loss_ratio",
                "percentiles", "responsibility_share", "replaces", "seconds"):  # fmt: skip
        typer.echo(f"{key:>22}: {result.get(key)}")


def aggregates_command(
    product: str = typer.Argument(...), day_from: str = FROM, day_to: str = TO,
    by: str = typer.Option("age_band,sex", help=f"comma-separated of {','.join(actuarial.DIMENSIONS)}"),
    insurer: str = typer.Option("operator"), epsilon: str | None = typer.Option(None),
    min_cell: int = typer.Option(MIN_CELL, help=f"minimum distinct persons per released cell (never below {MIN_CELL})"),
    database: str | None = DB,
) -> None:  # fmt: skip
    """The actuarial table of a product (suppressed below the minimum cell, optionally noisy)."""
    from syncsettle.services.computing import access, facts
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    p = build_platform(database)
    try:
        facts.refresh(p)
        who = actuarial.Requester("cli", "operator", insurer, f"actuarial {product}", tenant="*")
        out: dict[str, Any] = actuarial.product_aggregates(
            p, who, product, _day(day_from, "--from"), _day(day_to, "--to"), [b for b in by.split(",") if b],
            min_cell=access.min_cell(min_cell), epsilon=access.epsilon_of(epsilon), audit=_audit_to_stderr,
        )  # fmt: skip
    except (ServiceError, ValueError, ZeroDivisionError) as exc:
        _fail(exc)
    typer.echo(json.dumps(out, ensure_ascii=False, default=str))


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.add_typer(risk_app, name="risk")
    app.add_typer(facts_app, name="facts")
    app.command("replay")(replay_command)
    app.command("aggregates")(aggregates_command)
