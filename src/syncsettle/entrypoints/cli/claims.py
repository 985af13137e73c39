"""``syncsettle claims retry|list``: pending commercial legs (quick claims, 快赔); ``syncsettle claims
code issue|revoke|present|list``: the 商保码 (一码通赔) that claims them. The code commands act as the
person (``--psn-no``) or, for ``present``, as the settlement's hospital (``--hospital``), with
credential id ``cli``."""

from __future__ import annotations

import json

import typer

from syncsettle.domain.commercial import claim_code
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.cli.arguments import fail
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


code_app = typer.Typer(help="商保码 (一码通赔): a person's signed code that claims a settlement's commercial leg.",
                       no_args_is_help=True)  # fmt: skip
claims_app.add_typer(code_app, name="code")


def _as(role: Role, tenant: str) -> Principal:
    return Principal(role, tenant, f"{role.value}:{tenant} (CLI)", "cli")


def _echo(value: object) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@code_app.command("issue")
def code_issue(
    psn_no: str = typer.Option(..., help="the insured person (the code is theirs)"),
    product: str = typer.Option(..., help="product_id the code claims for"),
    days: int | None = typer.Option(None, help=f"valid days (default {claim_code.DEFAULT_VALID_DAYS})"),
    database: str | None = DB,
) -> None:
    """Issue the person a new code for PRODUCT (the previous one is superseded); prints it with its text."""
    from syncsettle.services.commercial import claim_codes
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        _echo(claim_codes.issue(build_platform(database), _as(Role.INSURED, psn_no), product, valid_days=days))
    except ServiceError as exc:
        fail(exc)


@code_app.command("revoke")
def code_revoke(
    code_id: str = typer.Argument(..., help="the code's id (CC…)"),
    psn_no: str = typer.Option(..., help="the insured person whose code it is"),
    database: str | None = DB,
) -> None:
    """Revoke one of the person's codes: every later presentation of it is refused."""
    from syncsettle.services.commercial import claim_codes
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        _echo(claim_codes.revoke(build_platform(database), _as(Role.INSURED, psn_no), code_id))
    except ServiceError as exc:
        fail(exc)


@code_app.command("list")
def code_list(psn_no: str = typer.Option(..., help="the insured person"), database: str | None = DB) -> None:
    """The person's codes, newest first."""
    from syncsettle.services.commercial import claim_codes
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        _echo({"codes": claim_codes.mine(build_platform(database), _as(Role.INSURED, psn_no))})
    except ServiceError as exc:
        fail(exc)


@code_app.command("present")
def code_present(
    code: str = typer.Argument(..., help="the code's text (SSC1.….…), as the QR carries it"),
    setl_id: str = typer.Option(..., help="the settlement to claim"),
    psn_no: str | None = typer.Option(None, help="present as this insured person (afterwards)"),
    hospital: str | None = typer.Option(None, help="present as this hospital (fixmedins_code; at the window)"),
    database: str | None = DB,
) -> None:
    """Claim SETL_ID's commercial leg of the code's product; pays once (a repeat returns the same claim)."""
    from syncsettle.services.commercial import claim_codes
    from syncsettle.services.errors import Code, ServiceError
    from syncsettle.services.platform import build_platform

    if (psn_no is None) == (hospital is None):
        fail(ServiceError(Code.FIELD, "请指定 --psn-no（参保人）或 --hospital（定点医疗机构）之一"))
    actor = _as(Role.INSURED, psn_no) if psn_no is not None else _as(Role.HOSPITAL, str(hospital))
    try:
        _echo(claim_codes.present(build_platform(database), actor, code, setl_id))
    except ServiceError as exc:
        fail(exc)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.add_typer(claims_app, name="claims")
