"""``syncsettle audit seal|checkpoint|verify``: the tamper-evident log from the command line.

``verify`` seals what is committed first (so nothing is left out), then recomputes everything and
prints ``{"entries", "valid", "first_bad", ...}`` with ``--json``; it exits 1 when the log is not
intact, so scripts and CI can rely on the exit status.
"""

from __future__ import annotations

import json

import typer

from syncsettle.entrypoints.cli.service import DB, with_progress
from syncsettle.services.management.audit_seal import checkpoint, public_checkpoint, seal
from syncsettle.services.management.audit_verify import verify
from syncsettle.services.platform import build_platform

audit_app = typer.Typer(help="The audit log of every use of medical-insurance data (seal, sign, verify).",
                        no_args_is_help=True)  # fmt: skip


@audit_app.command("seal")
def audit_seal(database: str | None = DB) -> None:
    """Give every committed, unsealed entry its position, leaf hash and chain hash."""
    typer.echo(f"{seal(build_platform(database))} entries sealed")


@audit_app.command("checkpoint")
def audit_checkpoint(database: str | None = DB, as_json: bool = typer.Option(False, "--json")) -> None:
    """Seal, then sign the tree head with the platform's SM2 key (when it grew)."""
    p = build_platform(database)
    p.settings.require_safe()
    row = checkpoint(p)
    shown = public_checkpoint(row) if row else None
    if as_json:
        typer.echo(json.dumps(shown))
    elif shown is None:
        typer.echo("the audit log is empty: nothing to sign")
    else:
        typer.echo(f"checkpoint: size {shown['tree_size']} root {shown['root']} at {shown['signed_at']}")


@audit_app.command("verify")
def audit_verify(database: str | None = DB, as_json: bool = typer.Option(False, "--json")) -> None:
    """Seal, then check every entry, the hash chain and every signed checkpoint. Exit 1 if not intact."""
    p = build_platform(database)
    seal(p)
    report = with_progress("verifying the audit log", lambda tick: verify(p, tick), as_json)
    if not as_json:
        typer.echo(f"entries: {report['entries']}  checkpoints: {report['checkpoints']}")
        bad = report["first_bad"]
        typer.echo("intact" if bad is None else f"first bad: position {bad['position']} (entry {bad['entry_id']}): "
                   f"{bad['reason']}")  # fmt: skip
    if not report["valid"]:
        raise typer.Exit(1)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
