"""Credentials and keys: ``syncsettle credentials issue|revoke`` and ``syncsettle keys generate``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from syncsettle.domain.identity import Role  # typer reads the options' annotations
from syncsettle.entrypoints.cli.service import DB

credentials_app = typer.Typer(help="API and console credentials (insured, insurer, regulator, operator).",
                              no_args_is_help=True)  # fmt: skip
keys_app = typer.Typer(help="Key files (SM4, HMAC-SM3, SM2).", no_args_is_help=True)


@credentials_app.command("issue")
def credentials_issue(
    role: Role = typer.Option(..., help="insured | insurer | regulator | operator"),
    tenant: str = typer.Option(..., help="psn_no | insurer id | region code or * | *"),
    name: str = typer.Option("", help="display name"),
    database: str | None = DB,
) -> None:
    """Issue a credential and print its token once: use it as ``Authorization: Bearer <token>``."""
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.management import identity
    from syncsettle.services.platform import build_platform

    try:
        credential_id, token = identity.issue(build_platform(database), role, tenant, name)
    except ServiceError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps({"credential_id": credential_id, "role": role.value, "tenant": tenant, "token": token}))


@credentials_app.command("revoke")
def credentials_revoke(credential_id: str = typer.Argument(...), database: str | None = DB) -> None:
    """Revoke a credential (its token stops working at once)."""
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.management import identity
    from syncsettle.services.platform import build_platform

    try:
        identity.revoke(build_platform(database), credential_id)
    except ServiceError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{credential_id} revoked")


@keys_app.command("generate")
def keys_generate(out: Path = typer.Option(..., "--out", help="file to write (refuses to overwrite)")) -> None:
    """Write a fresh key file for SYNCSETTLE_KEYS_FILE (mode 0600)."""
    from syncsettle.adapters.settings import generate_key_file

    if out.exists():
        typer.echo(f"error: {out} exists; refusing to overwrite keys", err=True)
        raise typer.Exit(2)
    out.touch(mode=0o600)
    out.write_text(json.dumps(generate_key_file(), indent=2), encoding="utf-8")
    typer.echo(f"keys written to {out}; start with SYNCSETTLE_MODE=production SYNCSETTLE_KEYS_FILE={out}")


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.add_typer(credentials_app, name="credentials")
    app.add_typer(keys_app, name="keys")
