"""``syncsettle claims retry|list``: pending commercial legs (quick claims, 快赔)."""

from __future__ import annotations

import json

import typer

from syncsettle.entrypoints.cli.service import DB

claims_app = typer.Typer(help="Quick claims (快赔): commercial legs that did not settle at the bedside.",
                         no_args_is_help=True)  # fmt: skip


@claims_app.command("retry")
def claims_retry(
    everything: bool = typer.Option(False, "--all", help="every pending claim, not only those due"),
    limit: int = typer.Option(1000, help="at most this many claims"),
    as_json: bool = typer.Option(False, "--json"),
    database: str | None = DB,
) -> None:
    """Try the pending claims now (the server also does this on its own) and relay result notices."""
    from syncsettle.services.commercial.retry import retry_due
    from syncsettle.services.platform import build_platform

    report = retry_due(build_platform(database), limit=limit, everything=everything)
    if as_json:
        typer.echo(json.dumps(report))
    else:
        typer.echo(f"attempted {report['attempted']}: settled {report['settled']}, still pending "
                   f"{report['pending']}; notices sent {report['notices']}")  # fmt: skip


@claims_app.command("list")
def claims_list(
    psn_no: str | None = typer.Option(None, help="one person's claims"),
    insurer: str | None = typer.Option(None, help="one insurer's claims"),
    database: str | None = DB,
) -> None:
    """The claims as JSON (status, amounts, reasons)."""
    from syncsettle.services.commercial import claims as claims_service
    from syncsettle.services.platform import build_platform

    found = claims_service.claims_of(build_platform(database), psn_no=psn_no, insurer_id=insurer)
    typer.echo(json.dumps({"claims": found}, ensure_ascii=False))


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.add_typer(claims_app, name="claims")
