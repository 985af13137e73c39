"""``syncsettle privacy grant|list|revoke``: privacy budgets, decided by the regulator.

Each command acts as the regulator of ``--regulator`` (default the national scope ``*``) with
credential id ``cli``, through the same use cases as the regulator API and console
(:mod:`syncsettle.services.computing.budgets`): the same scope rules, and each grant and revocation
a ``decision`` entry of the audit log. Epsilon is an exact decimal or fraction string.
"""

from __future__ import annotations

import json
from typing import Any

import typer

from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.cli import arguments
from syncsettle.entrypoints.cli.service import DB

privacy_app = typer.Typer(help="Privacy budgets (隐私预算): grant, list and revoke, as the regulator.",
                          no_args_is_help=True)  # fmt: skip
REGULATOR = typer.Option("*", "--regulator", help="the deciding regulator's scope (6 digits, or * national)")
DATASETS = "product:<id> | remainder:<id or *>[:<region prefix>] | replay:<candidate>"
STATES = {"active": "可用", "exhausted": "已用完", "expired": "已过期", "revoked": "已撤销"}


def _as(scope: str) -> Principal:
    return Principal(Role.REGULATOR, scope, f"regulator:{scope} (CLI)", "cli")


def _line(b: dict[str, Any]) -> str:
    expiry = f" expires {b['expires_on']}" if b["expires_on"] else ""
    return (f"{b['requester']:<28} {b['dataset']:<44} total {b['total']:>8} spent {b['spent']:>8} "
            f"remaining {b['remaining']:>8} {b['status']}（{STATES[b['status']]}）{expiry}")  # fmt: skip


@privacy_app.command("grant")
def grant(
    requester: str = typer.Argument(..., help="an insurer id, or regulator:<scope>"),
    dataset: str = typer.Argument(..., help=DATASETS),
    epsilon: str = typer.Option(..., help="total epsilon, e.g. 2 or 1/2 (at most 10)"),
    expires: str | None = typer.Option(None, help="last day it may be spent (YYYY-MM-DD, Beijing)"),
    reason: str = typer.Option(""), regulator: str = REGULATOR, as_json: bool = typer.Option(False, "--json"),
    database: str | None = DB,
) -> None:  # fmt: skip
    """Grant (or reset) a requester's total privacy budget on a dataset."""
    from syncsettle.services.computing import budgets
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    expires_on = arguments.day(expires, "--expires") if expires else None
    try:
        row = budgets.grant(build_platform(database), _as(regulator), requester, dataset, epsilon,
                            expires_on=expires_on, reason=reason)  # fmt: skip
    except ServiceError as exc:
        arguments.fail(exc)
    typer.echo(json.dumps(row, ensure_ascii=False) if as_json else f"granted: {_line(row)}")


@privacy_app.command("list")
def listing(
    requester: str | None = typer.Option(None, help="only this requester's budgets"), regulator: str = REGULATOR,
    as_json: bool = typer.Option(False, "--json"), database: str | None = DB,
) -> None:  # fmt: skip
    """The budgets of requesters in the regulator's scope: total, spent, remaining, status."""
    from syncsettle.services.computing import budgets
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        rows = budgets.listing(build_platform(database), _as(regulator), requester)
    except ServiceError as exc:
        arguments.fail(exc)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        typer.echo(_line(row))
    if not rows:
        typer.echo("no privacy budgets granted")


@privacy_app.command("revoke")
def revoke(
    requester: str = typer.Argument(...), dataset: str = typer.Argument(...),
    reason: str = typer.Option(..., help="why (required)"), regulator: str = REGULATOR, database: str | None = DB,
) -> None:  # fmt: skip
    """Revoke a budget: nothing more may be spent on it (what was spent stays on record)."""
    from syncsettle.services.computing import budgets
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        row = budgets.revoke(build_platform(database), _as(regulator), requester, dataset, reason)
    except ServiceError as exc:
        arguments.fail(exc)
    typer.echo(f"revoked: {_line(row)}")


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.add_typer(privacy_app, name="privacy")
