"""``syncsettle fhir export``: a settlement's (or a person's period's) FHIR R4 resources as a Bundle."""

from __future__ import annotations

import json
from datetime import datetime

import typer

from syncsettle.entrypoints.cli.service import DB
from syncsettle.services import fhir_export
from syncsettle.services.platform import build_platform

fhir_app = typer.Typer(help="HL7 FHIR R4 export (ExplanationOfBenefit, ClaimResponse): docs/fhir.md.",
                       no_args_is_help=True)  # fmt: skip


@fhir_app.command("export")
def fhir_export_command(
    setl_id: str | None = typer.Option(None, "--setl-id", help="one settlement"),
    psn_no: str | None = typer.Option(None, "--psn-no", help="one person's settlements (with --from/--to)"),
    date_from: datetime | None = typer.Option(None, "--from", formats=["%Y-%m-%d"], help="first settlement date"),
    date_to: datetime | None = typer.Option(None, "--to", formats=["%Y-%m-%d"], help="last settlement date"),
    database: str | None = DB,
) -> None:
    """Print a collection Bundle: each settlement's ExplanationOfBenefit and ClaimResponse, and each
    commercial leg's (at result granularity)."""
    if (setl_id is None) == (psn_no is None):
        raise typer.BadParameter("give exactly one of --setl-id or --psn-no")
    bundle = fhir_export.export(build_platform(database), setl_id=setl_id, psn_no=psn_no,
                                begin=date_from.date() if date_from else None,
                                end=date_to.date() if date_to else None)  # fmt: skip
    typer.echo(json.dumps(bundle, ensure_ascii=False, indent=2))


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.add_typer(fhir_app, name="fhir")
