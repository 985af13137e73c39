"""Operator commands of the commercial centre: ``syncsettle insurer``, ``filing``, ``enrollment``,
``consent``.

The CLI is the platform operator's console with direct database access. Each command acts *as the
party entitled to the step* — the regulator of the region for admission and review, the filing's
insurer for its own steps, the person for enrollment and consent — with credential id ``cli``, so
every step still goes through the same rules and shows up as such in ``filing_events`` and the
audit log. The HTTP APIs are how the parties act themselves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from syncsettle.domain.commercial.lifecycle import STEPS, FilingAction

# enums the commands' options are typed with: typer reads these annotations (pure domain modules, light)
from syncsettle.domain.commercial.vocabulary import Granularity, Purpose
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.cli import arguments
from syncsettle.entrypoints.cli.service import DB

if TYPE_CHECKING:
    from syncsettle.services.platform import Platform

insurer_app = typer.Typer(help="Insurers: admission and exit by the regulator (准入/退出).", no_args_is_help=True)
filing_app = typer.Typer(help="Product filings (备案) and their lifecycle.", no_args_is_help=True)
enrollment_app = typer.Typer(help="Enrollment on a person's behalf (one-click flow).", no_args_is_help=True)
consent_app = typer.Typer(help="Consents on a person's behalf, with signed receipts.", no_args_is_help=True)
CLI = "cli"


def _as(role: Role, tenant: str) -> Principal:
    from syncsettle.domain.identity import Principal

    return Principal(role, tenant, f"{role.value}:{tenant} (CLI)", CLI)


_fail, _day = arguments.fail, arguments.day


def _echo(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@insurer_app.command("admit")
def insurer_admit(
    insurer_id: str = typer.Argument(...), name: str = typer.Option(..., help="insurer name"),
    region: str = typer.Option(..., help="the admitting bureau's region (6 digits)"),
    reason: str = typer.Option(""), database: str | None = DB,
) -> None:  # fmt: skip
    """Admit an insurer, as the regulator of REGION."""
    from syncsettle.domain.identity import Role
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.management import admission
    from syncsettle.services.platform import build_platform

    try:
        admission.admit(build_platform(database), _as(Role.REGULATOR, region), insurer_id, name, region, reason)
    except ServiceError as exc:
        _fail(exc)
    typer.echo(f"{insurer_id} admitted in {region}")


@insurer_app.command("exit")
def insurer_exit(
    insurer_id: str = typer.Argument(...), reason: str = typer.Option(...),
    regulator: str = typer.Option("*", help="the deciding regulator's scope (default national)"),
    database: str | None = DB,
) -> None:  # fmt: skip
    """Make an insurer exit; its filings that could still sell or settle exit with it."""
    from syncsettle.domain.identity import Role
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.management import admission
    from syncsettle.services.platform import build_platform

    try:
        exited = admission.exit_insurer(build_platform(database), _as(Role.REGULATOR, regulator), insurer_id, reason)
    except ServiceError as exc:
        _fail(exc)
    typer.echo(f"{insurer_id} exited; filings exited: {exited}")


@insurer_app.command("list")
def insurer_list(database: str | None = DB) -> None:
    from syncsettle.domain.identity import Role
    from syncsettle.entrypoints.http.views import insurer_view
    from syncsettle.services.management import admission
    from syncsettle.services.platform import build_platform

    _echo([insurer_view(r) for r in admission.listing(build_platform(database), _as(Role.OPERATOR, "*"))])


@filing_app.command("draft")
def filing_draft(
    file: Path = typer.Argument(..., help="the product rule file (YAML or JSON)"),
    region: str = typer.Option(...), premium: str = typer.Option(..., help='yuan per person-year, e.g. "99.00"'),
    underwriting: Path | None = typer.Option(None, help="an underwriting rule file (JSON/YAML)"),
    database: str | None = DB,
) -> None:  # fmt: skip
    """Draft a filing as the insurer the rule file names."""
    import yaml

    from syncsettle.domain.identity import Role
    from syncsettle.domain.settlement.errors import InvalidInput
    from syncsettle.money import MoneyError, parse_yuan
    from syncsettle.services.commercial import filings
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        content = json.loads(json.dumps(yaml.safe_load(file.read_text(encoding="utf-8")), default=str))
        rule = yaml.safe_load(underwriting.read_text(encoding="utf-8")) if underwriting else None
        insurer = str(content.get("insurer", "")) if isinstance(content, dict) else ""
        filing_id = filings.draft(build_platform(database), _as(Role.INSURER, insurer), content, region=region,
                                  premium=parse_yuan(premium), underwriting=rule)  # fmt: skip
    except (ServiceError, OSError, yaml.YAMLError, MoneyError, InvalidInput) as exc:
        _fail(exc)
    typer.echo(f"filing {filing_id} drafted")


def _actor(p: Platform, filing_id: int, role: Role, regulator: str | None) -> Principal:
    from syncsettle.domain.identity import Role
    from syncsettle.services.commercial import filings

    row = filings.filing_row(p, filing_id)
    if row is None:
        _fail(ValueError(f"filing {filing_id} does not exist"))
    assert row is not None
    if role is Role.INSURER:
        return _as(Role.INSURER, row["insurer_id"])
    return _as(Role.REGULATOR, regulator or row["region"])


def _step_command(action: FilingAction) -> None:
    step = STEPS[action]

    def command(
        filing_id: int = typer.Argument(...), reason: str = typer.Option("", help="required where the table says"),
        approved_from: str | None = typer.Option(None, "--from", help="approve: window start"),
        approved_to: str | None = typer.Option(None, "--to", help="approve: window end"),
        route: str | None = typer.Option(None, help="approve: settlement route"),
        granularity: str | None = typer.Option(None, help="approve: data granularity"),
        regulator: str | None = typer.Option(None, help="regulator scope (default: the filing's region)"),
        database: str | None = DB,
    ) -> None:  # fmt: skip
        from syncsettle.services.commercial import filings
        from syncsettle.services.errors import ServiceError
        from syncsettle.services.platform import build_platform

        p = build_platform(database)
        details: dict[str, Any] = {"route": route, "granularity": granularity}
        if approved_from:
            details["approved_from"] = _day(approved_from, "--from")
        if approved_to:
            details["approved_to"] = _day(approved_to, "--to")
        try:
            after = filings.take_step(p, _actor(p, filing_id, step.actor, regulator), filing_id, action, reason,
                                      **details)  # fmt: skip
        except ServiceError as exc:
            _fail(exc)
        typer.echo(f"filing {filing_id}: {after['status']}")

    command.__doc__ = (
        f"{action.value}: {', '.join(sorted(s.value for s in step.sources))} → "
        + (step.target.value if step.target else "the status before suspension")
        + f" (by the {step.actor.value})"
    )
    filing_app.command(action.value.replace("_", "-"))(command)


for _action in STEPS:
    if _action is not FilingAction.REVISE:  # a revision carries a new rule file: use the insurer API
        _step_command(_action)


@filing_app.command("show")
def filing_show(filing_id: int = typer.Argument(...), database: str | None = DB) -> None:
    from syncsettle.domain.identity import Role
    from syncsettle.entrypoints.http.views import filing_view
    from syncsettle.services.commercial import filings
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        _echo(filing_view(filings.get(build_platform(database), _as(Role.OPERATOR, "*"), filing_id), content=True))
    except ServiceError as exc:
        _fail(exc)


@filing_app.command("list")
def filing_list(status: str | None = typer.Option(None), database: str | None = DB) -> None:
    from syncsettle.domain.identity import Role
    from syncsettle.entrypoints.http.views import filing_view
    from syncsettle.services.commercial import filings
    from syncsettle.services.platform import build_platform

    rows = filings.listing(build_platform(database), _as(Role.OPERATOR, "*"), (status,) if status else ())
    _echo([filing_view(r) for r in rows])


@filing_app.command("reference")
def filing_reference(
    product_id: str = typer.Argument(..., help="a shipped product id"), region: str = typer.Option(...),
    approved_from: str = typer.Option(..., "--from"), approved_to: str = typer.Option(..., "--to"),
    status: str = typer.Option("active"), premium: str = typer.Option("99.00"), database: str | None = DB,
) -> None:  # fmt: skip
    """File a shipped reference product through the whole lifecycle (for demos and test systems)."""
    from syncsettle.money import MoneyError, parse_yuan
    from syncsettle.services.commercial.reference_products import file_reference_product
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        filing_id = file_reference_product(
            build_platform(database), product_id, region=region, approved_from=_day(approved_from, "--from"),
            approved_to=_day(approved_to, "--to"), status=status, premium=parse_yuan(premium),
        )  # fmt: skip
    except (ServiceError, MoneyError, ValueError) as exc:
        _fail(exc)
    typer.echo(f"filing {filing_id}: {status}")


@enrollment_app.command("enroll")
def enrollment_enroll(
    psn_no: str = typer.Argument(...), product_id: str = typer.Argument(...),
    paid_by: str = typer.Option("personal_account", help="personal_account | cash"),
    member: list[str] = typer.Option([], help="a family member as CERTNO:NAME (repeatable)"),
    database: str | None = DB,
) -> None:  # fmt: skip
    """One-click enrollment on the person's behalf (the person's consents are granted with it)."""
    from syncsettle.domain.identity import Role
    from syncsettle.services.commercial import enrollment, policies
    from syncsettle.services.commercial.enrollment import Member
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    members = [Member(*m.split(":", 1)) for m in member if ":" in m]
    try:
        result = enrollment.enroll(build_platform(database), _as(Role.INSURED, psn_no), product_id,
                                   members=members, paid_by=paid_by)  # fmt: skip
    except ServiceError as exc:
        _fail(exc)
    _echo({"enrollments": [policies.view(r) for r in result["enrollments"]], "declined": result["declined"]})


@enrollment_app.command("cancel")
def enrollment_cancel(enrollment_id: int = typer.Argument(...), psn_no: str = typer.Option(...),
                      database: str | None = DB) -> None:  # fmt: skip
    """Cancel on the person's behalf: cover stops today, pro-rata refund."""
    from syncsettle.domain.identity import Role
    from syncsettle.services.commercial import policies
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        _echo(policies.cancel(build_platform(database), _as(Role.INSURED, psn_no), enrollment_id))
    except ServiceError as exc:
        _fail(exc)


@consent_app.command("grant")
def consent_grant(
    psn_no: str = typer.Argument(...), insurer_id: str = typer.Argument(...),
    purpose: Purpose = typer.Option(...), granularity: Granularity = typer.Option(...),
    begndate: str = typer.Option(..., "--from"), enddate: str = typer.Option(..., "--to"), database: str | None = DB,
) -> None:  # fmt: skip
    from syncsettle.domain.identity import Role
    from syncsettle.services.commercial import consents
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        row = consents.grant(build_platform(database), _as(Role.INSURED, psn_no), insurer_id, purpose, granularity,
                             _day(begndate, "--from"), _day(enddate, "--to"))  # fmt: skip
    except ServiceError as exc:
        _fail(exc)
    _echo({"consent_id": row["id"], "receipt": row["receipt"], "signature": row["signature"]})


@consent_app.command("revoke")
def consent_revoke(consent_id: str = typer.Argument(...), psn_no: str = typer.Option(...),
                   database: str | None = DB) -> None:  # fmt: skip
    from syncsettle.domain.identity import Role
    from syncsettle.services.commercial import consents
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        consents.revoke(build_platform(database), _as(Role.INSURED, psn_no), consent_id)
    except ServiceError as exc:
        _fail(exc)
    typer.echo(f"{consent_id} revoked")


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.add_typer(insurer_app, name="insurer")
    app.add_typer(filing_app, name="filing")
    app.add_typer(enrollment_app, name="enrollment")
    app.add_typer(consent_app, name="consent")
