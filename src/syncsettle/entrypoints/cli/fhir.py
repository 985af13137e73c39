"""``syncsettle fhir export``: a settlement's (or a person's period's) FHIR R4 resources as a Bundle."""

from __future__ import annotations

import json

import typer

from syncsettle.entrypoints.cli.arguments import day, fail
from syncsettle.entrypoints.cli.service import DB
from syncsettle.services import fhir_export
from syncsettle.services.errors import ServiceError
from syncsettle.services.platform import build_platform

fhir_app = typer.Typer(help="HL7 FHIR R4 export (ExplanationOfBenefit, ClaimResponse): docs/fhir.md.",
                       no_args_is_help=True)  # fmt: skip


@fhir_app.command("export")
def fhir_export_command(
    setl_id: str | None = typer.Option(None, "--setl-id", help="one settlement"),
    psn_no: str | None = typer.Option(None, "--psn-no", help="one person's settlements (with --from/--to)"),
    date_from: str | None = typer.Option(None, "--from", help="first settlement date (YYYY-MM-DD)"),
    date_to: str | None = typer.Option(None, "--to", help="last settlement date (YYYY-MM-DD)"),
    database: str | None = DB,
) -> None:
    """Print a collection Bundle: each settlement's ExplanationOfBenefit and ClaimResponse, and each
    commercial leg's (at result granularity)."""
    if (setl_id is None) == (psn_no is None):
        fail(ValueError("give exactly one of --setl-id or --psn-no"))
    begin = day(date_from, "--from") if date_from else None
    end = day(date_to, "--to") if date_to else None
    try:
        bundle = fhir_export.export(build_platform(database), setl_id=setl_id, psn_no=psn_no, begin=begin, end=end)
    except ServiceError as exc:
        fail(exc)
    typer.echo(json.dumps(bundle, ensure_ascii=False, indent=2))


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.add_typer(fhir_app, name="fhir")
