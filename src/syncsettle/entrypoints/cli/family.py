"""``syncsettle family``: 家庭共济 links — whose employee personal account may pay for whom.

``family link --holder H --psn-no P --consent`` records the holder's consent (their account pays
P's bills after P's own account, from ``--begin`` to ``--end``); ``family revoke LINK_ID`` withdraws
it; ``family list PSN_NO`` shows the links paying for or from a person. Output is JSON.
"""

from __future__ import annotations

import json
from datetime import date

import typer

DB = typer.Option(None, "--database-url", help="database URL (default $SYNCSETTLE_DATABASE_URL or ./var/syncsettle.db)")
family_app = typer.Typer(help="家庭共济: family members' personal accounts that pay (with consent).",
                         no_args_is_help=True)  # fmt: skip


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint=option) from None


@family_app.command("link")
def family_link(
    holder: str = typer.Option(..., help="psn_no of the account holder (an employee, insutype 310)"),
    psn_no: str = typer.Option(..., "--psn-no", help="psn_no of the family member the account pays for"),
    consent: bool = typer.Option(False, "--consent", help="the holder consents (required)"),
    begin: str | None = typer.Option(None, help="first day (YYYY-MM-DD; default today)"),
    end: str | None = typer.Option(None, help="last day (YYYY-MM-DD; default open)"),
    database: str | None = DB,
) -> None:
    """Link a family member to the holder's personal account."""
    from syncsettle.services import person_benefits
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        row = person_benefits.link(build_platform(database), holder, psn_no, consent=consent,
                                   begin=_day(begin, "--begin"), end=_day(end, "--end"))  # fmt: skip
    except ServiceError as exc:
        _fail(exc)
    typer.echo(json.dumps(row, ensure_ascii=False))


@family_app.command("revoke")
def family_revoke(link_id: int = typer.Argument(..., help="the link's id"), database: str | None = DB) -> None:
    """The holder withdraws consent: the account pays nothing more for that member."""
    from syncsettle.services import person_benefits
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        row = person_benefits.revoke(build_platform(database), link_id)
    except ServiceError as exc:
        _fail(exc)
    typer.echo(json.dumps(row, ensure_ascii=False))


@family_app.command("list")
def family_list(psn_no: str = typer.Argument(...), database: str | None = DB) -> None:
    """The links paying for the person or from their account (revoked ones too)."""
    from syncsettle.services import person_benefits
    from syncsettle.services.platform import build_platform

    typer.echo(json.dumps(person_benefits.links(build_platform(database), psn_no), ensure_ascii=False))


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.add_typer(family_app, name="family")
