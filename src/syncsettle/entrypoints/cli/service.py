"""Service commands: migrations, administration, the server and ``check``.

Every command takes ``--database-url`` (default: ``SYNCSETTLE_DATABASE_URL``, else the embedded
SQLite file ``./var/syncsettle.db``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

DB = typer.Option(None, "--database-url", help="database URL (default $SYNCSETTLE_DATABASE_URL or ./var/syncsettle.db)")
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
hospital_app = typer.Typer(help="Hospitals (定点医疗机构) and their credentials.", no_args_is_help=True)
persons_app = typer.Typer(help="Insured persons and their insurance rows.", no_args_is_help=True)
err = Console(stderr=True)


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2)


@db_app.command("upgrade")
def db_upgrade(database: str | None = DB) -> None:
    """Apply the migrations (explicit: the server never migrates on start)."""
    from syncsettle.adapters.db.core.engine import database_url
    from syncsettle.adapters.db.core.migrate import current_revision, upgrade
    from syncsettle.services.platform import build_platform

    p = build_platform(database, create=True)
    p.settings.require_safe()  # personal data is sealed with the configured keys: never development ones in production
    upgrade(p.engine, keys=p.settings.keys)
    typer.echo(f"{database_url(database)}: at revision {current_revision(p.engine)}")


@hospital_app.command("add")
def hospital_add(
    code: str = typer.Option(..., help="fixmedins_code"),
    name: str = typer.Option(..., help="fixmedins_name"),
    level: str = typer.Option(..., help="hospital level 1/2/3"),
    region: str = typer.Option(..., help="the hospital's region (treatment region, 6 digits)"),
    database: str | None = DB,
) -> None:
    """Register a hospital and print its credential (shown once)."""
    from syncsettle.services import admin
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        secret = admin.add_hospital(build_platform(database), code, name, level, region)
    except ServiceError as exc:
        _fail(exc)
    typer.echo(json.dumps({"fixmedins_code": code, "secret": secret}))


@hospital_app.command("rotate")
def hospital_rotate(code: str = typer.Option(..., help="fixmedins_code"), database: str | None = DB) -> None:
    """Issue the hospital a new credential (shown once); the old one stops working at once."""
    from syncsettle.services import admin
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        secret = admin.rotate_hospital_secret(build_platform(database), code)
    except ServiceError as exc:
        _fail(exc)
    typer.echo(json.dumps({"fixmedins_code": code, "secret": secret}))


@hospital_app.command("revoke")
def hospital_revoke(code: str = typer.Option(..., help="fixmedins_code"), database: str | None = DB) -> None:
    """Withdraw the hospital's credential: every request is refused until ``hospital rotate``."""
    from syncsettle.services import admin
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        admin.revoke_hospital(build_platform(database), code)
    except ServiceError as exc:
        _fail(exc)
    typer.echo(json.dumps({"fixmedins_code": code, "revoked": True}))


@hospital_app.command("sign-in-policy")
def hospital_sign_in_policy(
    code: str = typer.Option(..., help="fixmedins_code"),
    policy: str = typer.Option(..., help="tolerate (default) or require a live 9001 sign_no"),
    database: str | None = DB,
) -> None:
    """Whether the hospital's envelopes must carry a live 9001 ``sign_no`` (docs/his-compatibility.md)."""
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.management import gateway
    from syncsettle.services.platform import build_platform

    try:
        gateway.set_sign_no_policy(build_platform(database), code, policy)
    except ServiceError as exc:
        _fail(exc)
    typer.echo(json.dumps({"fixmedins_code": code, "sign_no_policy": policy}))


@persons_app.command("import")
def persons_import(
    file: Path = typer.Argument(..., help="JSON list (or CSV) of persons"), database: str | None = DB
) -> None:
    """Import persons with their insurance rows (as 1101 returns them). JSON: a list of
    ``{psn_no, psn_name, certno, gend, brdy, insuplc_admdvs, insuinfo: [{insutype, psn_type, balc}]}``;
    CSV: one row per insurance row with those columns."""
    from syncsettle.domain.settlement.errors import InvalidInput
    from syncsettle.services import admin
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        items = _read_persons(file)
        count = admin.import_persons(build_platform(database), items)
    except (ServiceError, InvalidInput, OSError, ValueError) as exc:
        _fail(exc)
    typer.echo(f"{count} persons imported")


def _read_persons(file: Path) -> list[Any]:
    text = file.read_text(encoding="utf-8")
    if file.suffix.lower() == ".csv":
        import csv

        grouped: dict[str, dict[str, Any]] = {}
        for row in csv.DictReader(text.splitlines()):
            person = grouped.setdefault(
                row["psn_no"], {k: row[k] for k in ("psn_no", "psn_name", "certno", "gend", "brdy", "insuplc_admdvs")}
            )
            person.setdefault("insuinfo", []).append(
                {"insutype": row["insutype"], "psn_type": row["psn_type"], "balc": row.get("balc") or "0.00"}
            )
        return list(grouped.values())
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("the file must hold a JSON list of persons")
    return data


@persons_app.command("enroll")
def persons_enroll(
    psn_no: str = typer.Argument(...),
    product: str = typer.Argument(...),
    begin: str = typer.Option(..., help="YYYY-MM-DD"),
    end: str = typer.Option(..., help="YYYY-MM-DD"),
    pre_existing: bool = typer.Option(False),
    database: str | None = DB,
) -> None:
    """Record an enrollment in a product (administrative; the enrollment flow comes with the commercial centre)."""
    from syncsettle.services import admin
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    try:
        eid = admin.enroll(
            build_platform(database), psn_no, product, date.fromisoformat(begin), date.fromisoformat(end),
            pre_existing=pre_existing,
        )  # fmt: skip
    except (ServiceError, ValueError) as exc:
        _fail(exc)
    typer.echo(f"enrollment {eid}")


def rules_load(directory: Path = typer.Argument(...), database: str | None = DB) -> None:
    """Validate and store the policy, product, risk and catalogue files of DIR as rule versions.

    All or nothing: every file is read and validated first; if any cannot be loaded, each such file
    is named with its reason, nothing is stored and the exit code is 1."""
    import yaml

    from syncsettle.adapters.rulebook import RuleFileError, load_rule_file
    from syncsettle.entrypoints.cli.rules import rule_files_or_exit
    from syncsettle.services import admin
    from syncsettle.services.errors import ServiceError
    from syncsettle.services.platform import build_platform

    files = rule_files_or_exit(directory, 1)
    docs: list[tuple[str, Any]] = []
    refused = 0
    for path in files:
        try:
            load_rule_file(path)  # the file, the field and the reason of the first problem
            docs.append((str(path), yaml.safe_load(path.read_text(encoding="utf-8"))))
        except RuleFileError as exc:
            refused += 1
            typer.echo(f"error: {exc}", err=True)
    if refused:
        typer.echo(f"error: {refused} of {len(files)} files refused, nothing stored", err=True)
        raise typer.Exit(1)
    try:
        stored = admin.load_rules(build_platform(database), docs)
    except RuleFileError as exc:  # e.g. a version already loaded with other content, an id defined twice
        typer.echo(f"error: {exc}", err=True)
        typer.echo("error: nothing stored", err=True)
        raise typer.Exit(1) from None
    except (ServiceError, OSError) as exc:
        _fail(exc)
    typer.echo(f"{stored} rule versions stored from {len(files)} files")


def serve(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000, "--port", help="TCP port (make serve PORT=8010)"),
    workers: int = typer.Option(1, help="uvicorn worker processes (the commercial role always runs one)"),
    role: str = typer.Option("medical", help="medical (hospital interface, APIs, console) | commercial (商保平台)"),
    log_level: str = typer.Option("warning", help="debug, info (one JSON line per request), warning, error"),
    allow_dev_on_network: bool = typer.Option(
        False, "--allow-dev-on-network", help="serve development mode (public keys!) on a non-loopback address"
    ),
    database: str | None = DB,
) -> None:
    """Run the HTTP service: ``medical`` — the hospital interface at POST /fsi/api, the APIs, the console
    at /console, /metrics, /healthz, /readyz, OpenAPI at /docs; ``commercial`` — the commercial-platform
    end of the dual-platform channel. Logs are JSON lines on stderr with request ids, personal data masked."""
    import os
    import shutil
    import tempfile

    import uvicorn

    from syncsettle.adapters.observability.logs import logging_config
    from syncsettle.adapters.observability.metrics import MULTIPROC_ENV, prepare_multiprocess_dir
    from syncsettle.adapters.settings import Mode, load_settings

    try:
        settings = load_settings()
    except ValueError as exc:
        _fail(exc)
    if settings.mode is Mode.DEVELOPMENT:
        _dev_mode_guard(host, allow_dev_on_network)
    factories = {"medical": "syncsettle.entrypoints.http.main:build_app",
                 "commercial": "syncsettle.entrypoints.http.commercial_platform:build_commercial_app"}  # fmt: skip
    if role not in factories:
        _fail(ValueError(f"--role must be medical or commercial, not {role!r}"))
    if role == "commercial":
        workers = 1  # the channel's replay memory lives in the process
    if database:
        os.environ["SYNCSETTLE_DATABASE_URL"] = database
    if role == "medical":
        _require_migrated(database)
    made = None
    if workers > 1:  # every worker writes its metrics to a shared directory; a scrape of any one sums them
        if not os.environ.get(MULTIPROC_ENV):
            made = os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="syncsettle-metrics-")
        prepare_multiprocess_dir(os.environ[MULTIPROC_ENV])
    try:
        uvicorn.run(
            factories[role], factory=True, host=host, port=port, workers=workers,
            log_level=log_level.lower(), access_log=False, log_config=logging_config(log_level),
        )  # fmt: skip
    finally:
        if made:
            shutil.rmtree(made, ignore_errors=True)


def _require_migrated(database: str | None) -> None:
    """Before the workers start: the database exists (a mistyped SQLite path is not created), is
    reachable and migrated — else one line with a hint, not a traceback from every worker."""
    from syncsettle.adapters.db.core.engine import database_url, make_engine
    from syncsettle.adapters.db.core.migrate import current_revision
    from syncsettle.entrypoints.cli import program

    engine = make_engine(database, must_exist=True, pool_size=1)
    try:
        if current_revision(engine) is None:
            _fail(ValueError(f"{database_url(database)} is not migrated — run: "
                             f"{program()} db upgrade --database-url {database_url(database)}"))  # fmt: skip
    finally:
        engine.dispose()


LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _dev_mode_guard(host: str, allowed: bool) -> None:
    """Development mode signs sessions and seals data with keys derived from the public source: say
    so loudly, and refuse to serve that on a network address unless told to (issue 15, defect 2)."""
    err.print(
        "[bold red]开发模式 DEVELOPMENT MODE[/]：会话签名与数据加密使用公开源码可推导的开发密钥，"
        "任何人都能伪造会话、解密数据。生产环境请设置 SYNCSETTLE_MODE=production 与 SYNCSETTLE_KEYS_FILE"
        "（syncsettle keys generate）。"
    )
    if host not in LOOPBACK and not host.startswith("127.") and not allowed:
        _fail(ValueError(
            f"refusing to serve development mode on {host}: the development keys are public. Use production "
            "mode with a key file, or --allow-dev-on-network for a throw-away test network"
        ))  # fmt: skip


def with_progress(label: str, run: Callable[[Callable[[int], None]], dict[str, Any]], as_json: bool) -> dict[str, Any]:
    """Run a long check with a progress bar on stderr (none with ``--json``, which prints the report)."""
    from rich.progress import Progress

    with Progress(console=err, transient=True, disable=as_json) as bar:
        task = bar.add_task(label, total=None)
        report = run(lambda n: bar.advance(task, n))
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
    return report


def check(database: str | None = DB, as_json: bool = typer.Option(False, "--json")) -> None:
    """Verify the whole database: balanced journals, shares, accumulators. Exit 1 on any problem."""
    from syncsettle.services.platform import build_platform
    from syncsettle.services.settlement.check import check as run_check

    report = with_progress("checking settlements", lambda tick: run_check(build_platform(database), tick), as_json)
    if not as_json:
        typer.echo(f"settlements: {report['settlements']}")
        for problem in report["problems"]:
            typer.echo(f"problem: {problem}")
        typer.echo("ok" if report["ok"] else f"{len(report['problems'])} problems")
    if not report["ok"]:
        raise typer.Exit(1)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(hospital_app, name="hospital")
    app.add_typer(persons_app, name="persons")
    app.command("serve")(serve)
    app.command("check")(check)
    from syncsettle.entrypoints.cli.rules import rules_app

    rules_app.command("load")(rules_load)
