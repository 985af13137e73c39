"""``syncsettle audit seal|checkpoint|verify``: the tamper-evident log from the command line.

``verify`` seals nothing (a forged entry inserted unsealed must not be given a position by the check
that should doubt it): it recomputes everything sealed, compares it with the signed checkpoints, the
witness file (``--witness`` or ``SYNCSETTLE_AUDIT_WITNESS``) and the sealer's state, reports the
unsealed entries, and prints ``{"entries", "valid", "first_bad", ...}`` with ``--json``; it exits 1
when the log is not intact, so scripts and CI can rely on the exit status. ``seal`` and
``checkpoint`` are the writing commands.
"""

from __future__ import annotations

import json

import typer

from syncsettle.entrypoints.cli.service import DB, with_progress

audit_app = typer.Typer(help="The audit log of every use of medical-insurance data (seal, sign, verify).",
                        no_args_is_help=True)  # fmt: skip


@audit_app.command("seal")
def audit_seal(database: str | None = DB) -> None:
    """Give every committed, unsealed entry its position, leaf hash and chain hash."""
    from syncsettle.services.management.audit_seal import seal
    from syncsettle.services.platform import build_platform

    typer.echo(f"{seal(build_platform(database))} entries sealed")


@audit_app.command("checkpoint")
def audit_checkpoint(database: str | None = DB, as_json: bool = typer.Option(False, "--json")) -> None:
    """Seal, then sign the tree head with the platform's SM2 key (when it grew)."""
    from syncsettle.services.management.audit_seal import checkpoint, public_checkpoint
    from syncsettle.services.platform import build_platform

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
def audit_verify(
    database: str | None = DB, as_json: bool = typer.Option(False, "--json"),
    witness: str | None = typer.Option(None, help="the witness file of checkpoints (default SYNCSETTLE_AUDIT_WITNESS)"),
) -> None:  # fmt: skip
    """Check every sealed entry, the hash chain, every signed and witnessed checkpoint (read-only: it
    seals nothing). Exit 1 if not intact."""
    from syncsettle.services.management.audit_verify import verify
    from syncsettle.services.platform import build_platform

    p = build_platform(database)
    report = with_progress("verifying the audit log", lambda tick: verify(p, tick, witness), as_json)
    if not as_json:
        witnessed = report["witnessed"]
        typer.echo(f"entries: {report['entries']}  checkpoints: {report['checkpoints']}  unsealed: {report['unsealed']}"
                   + ("  (no witness file: checkpoints are only as safe as the database)" if witnessed is None
                      else f"  witnessed: {witnessed}"))  # fmt: skip
        bad = report["first_bad"]
        typer.echo("intact" if bad is None else f"first bad: position {bad['position']} (entry {bad['entry_id']}): "
                   f"{bad['reason']}")  # fmt: skip
    if not report["valid"]:
        raise typer.Exit(1)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
