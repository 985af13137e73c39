"""The ``syncsettle`` command line.

Each module in this package that defines ``register(app, bench)`` adds its commands. Nothing here
connects to a database or reads configuration at import time.

Why the table :data:`COMMANDS`: importing every command module pulls in SQLAlchemy, FastAPI,
Alembic, NumPy, openpyxl and the services — about a second before ``--help`` could answer. The
top-level group (:class:`LazyGroup`) lists the commands from this table (name, help panel, one
line of help) and imports only the module(s) of the command actually run, the way Click documents
lazily loaded subcommands. ``tests/cli/test_first_use.py`` checks that the table names exactly the
commands the modules register, with their help, so the two cannot drift apart.

A command module imports at its top only typer, rich's console and light pure modules (the enums
its options are typed with: typer reads those annotations); services, adapters, SQLAlchemy,
FastAPI and the like are imported inside each command, so that ``syncsettle CMD --help`` loads none
of them (the same test measures it).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import typer
from typer import _click as click  # typer vendors click; its groups and commands are these classes
from typer.core import TyperCommand, TyperGroup

START, SERVICE, COMMERCIAL, CLEARING, COMPUTING, AUDIT, BENCH = (
    "Start here",
    "Run the service",
    "Commercial centre",
    "Clearing and reconciliation",
    "Computing centre",
    "Audit log",
    "Benchmarks",
)

TOOLS = "syncsettle_tools.cli"  # the demo and benchmark commands live outside the runtime package
# name → (modules that register it, help panel, one line of help), in the order the help lists them;
# a bare name is a module of this package, a dotted one is imported as it is (the tools')
COMMANDS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "demo": ((f"{TOOLS}.demo",), START, "The whole platform at work on a realistic world, then the console."),
    "quote": (("quote",), START, "Price one bill: every payer's share, setlinfo and the accumulators after."),
    "rules": (("rules", "service"), START, "Policy, product and catalogue rule files."),
    "check": (("service",), START, "Verify the whole database: journals, shares, accumulators."),
    "db": (("service",), SERVICE, "Database migrations."),
    "serve": (("service",), SERVICE, "Run the HTTP service (hospital interface, APIs, console)."),
    "events": (("events",), SERVICE, "Events: publish the outbox to NATS JetStream."),
    "hospital": (("service",), SERVICE, "Hospitals (定点医疗机构) and their credentials."),
    "persons": (("service",), SERVICE, "Insured persons and their insurance rows."),
    "family": (("family",), SERVICE, "家庭共济: links that let a family member's personal account pay."),
    "credentials": (("identity",), SERVICE, "API and console credentials (insured, insurer, regulator, operator)."),
    "keys": (("identity",), SERVICE, "Key files (SM4, HMAC-SM3, SM2)."),
    "insurer": (("commercial",), COMMERCIAL, "Insurers: admission and exit by the regulator (准入/退出)."),
    "filing": (("commercial",), COMMERCIAL, "Product filings (备案) and their lifecycle."),
    "enrollment": (("commercial",), COMMERCIAL, "Enrollment on a person's behalf (one-click flow)."),
    "consent": (("commercial",), COMMERCIAL, "Consents on a person's behalf, with signed receipts."),
    "claims": (("claims",), COMMERCIAL, "Quick claims (快赔): commercial legs that did not settle at the bedside."),
    "fhir": (("fhir",), COMMERCIAL, "HL7 FHIR R4 export: ExplanationOfBenefit and ClaimResponse bundles."),
    "clearing": (("clearing",), CLEARING, "Settlement windows, clearing and payment instructions."),
    "statement": (("clearing",), CLEARING, "An insurer's monthly statement, one line per settlement line."),
    "reconcile": (("clearing",), CLEARING, "Reconciliation with hospitals and insurers; discrepancies."),
    "prefund": (("clearing",), CLEARING, "Insurer prefunding: reserve, net-debit cap, top-ups."),
    "replay": (("computing",), COMPUTING, "Replay history under a candidate product and print aggregates."),
    "aggregates": (("computing",), COMPUTING, "The actuarial table of a product (small cells suppressed)."),
    "facts": (("computing",), COMPUTING, "Claim facts for actuarial queries and replays."),
    "privacy": (("privacy",), COMPUTING, "Privacy budgets: grant, list and revoke (regulator)."),
    "risk": (("computing",), COMPUTING, "Risk control (风控): batch scan of a period."),
    "audit": (("audit",), AUDIT, "The audit log of every use of medical-insurance data (seal, sign, verify)."),
    "bench": ((), BENCH, "Benchmarks that print measured figures (and JSON with --json)."),
}
BENCH_HELP = COMMANDS["bench"][2]
# the benchmarks, lazily too: name → (module, one line of help)
BENCHES: dict[str, tuple[str, str]] = {
    "engine": (
        f"{TOOLS}.bench_engine",
        "Bills/s of the pure calculation: a 20-line outpatient and a 300-line inpatient bill.",
    ),
    "service": (
        f"{TOOLS}.bench_service",
        "Complete visits/s over HTTP against a real server, p50/p99, and the bare limits.",
    ),
    "routes": (f"{TOOLS}.bench_routes", "Latency a commercial leg adds per settlement, by route."),
    "clearing": (f"{TOOLS}.bench_clearing", "Closing and clearing one window of N settlements."),
    "replay": (f"{TOOLS}.bench_computing", "Refresh + load + replay + aggregates of a product over N settlements."),
    "risk": (f"{TOOLS}.bench_computing", "Settle p99 added by the risk check, and the check's own p50/p99."),
    "audit": (f"{TOOLS}.bench_audit", "Audit log: append, seal, sign, prove and verify rates."),
}


def _version() -> str:
    try:
        return version("syncsettle")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0.1.0"


class LazyGroup(TyperGroup):
    """The top-level group: lists :data:`COMMANDS` without importing them; resolves a command by
    importing only its modules. Commands registered eagerly (tests call :func:`_load_commands`)
    are used as they are."""

    def entries(self) -> dict[str, tuple[str | None, str]]:
        """name → (help panel, one line of help)."""
        return {name: (panel, line) for name, (_, panel, line) in COMMANDS.items()}

    def build(self, cmd_name: str) -> click.Command:
        return _build(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        table = self.entries()
        return list(table) + [name for name in self.commands if name not in table]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        table = self.entries()
        if getattr(ctx, "syncsettle_listing", False) and cmd_name in table:
            panel, line = table[cmd_name]
            return TyperCommand(cmd_name, help=line, short_help=line, rich_help_panel=panel)
        if cmd_name not in self.commands and cmd_name in table:
            self.commands[cmd_name] = self.build(cmd_name)
        return self.commands.get(cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """As Click's, and a mistyped name is answered with the nearest commands of the table
        (Typer suggests only from the commands already loaded)."""
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.UsageError as exc:
            import difflib

            matches = difflib.get_close_matches(args[0], list(self.entries())) if args else []
            if matches and "Did you mean" not in exc.message:
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {', '.join(repr(m) for m in matches)}?"
            raise

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        ctx.syncsettle_listing = True  # type: ignore[attr-defined]
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx.syncsettle_listing = False  # type: ignore[attr-defined]


class LazyBench(LazyGroup):
    """``syncsettle bench``: each benchmark imports only its own module."""

    def entries(self) -> dict[str, tuple[str | None, str]]:
        return {name: (None, line) for name, (_, line) in BENCHES.items()}

    def build(self, cmd_name: str) -> click.Command:
        module = _module(BENCHES[cmd_name][0])
        scratch = typer.Typer(rich_markup_mode="markdown")
        register = getattr(module, "register_bench", None)
        if callable(register):
            register(scratch)
        else:
            module.register(typer.Typer(), scratch)
        command = typer.main.get_group(scratch).commands[cmd_name]
        _markdown(command)
        return command


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"syncsettle {_version()}")
        raise typer.Exit()


app = typer.Typer(
    name="syncsettle",
    cls=LazyGroup,
    help="One-stop settlement of hospital bills across basic medical insurance, commercial insurance and self-pay.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
bench = typer.Typer(cls=LazyBench, help=BENCH_HELP, no_args_is_help=True, rich_markup_mode="markdown")


@app.callback()
def _root(
    _version_flag: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """One-stop settlement of hospital bills across basic medical insurance, commercial insurance and self-pay."""


def _module(name: str) -> Any:
    """A command module: ``name`` in this package, or a dotted module path (the tools' commands)."""
    return importlib.import_module(name if "." in name else f"{__name__}.{name}")


def _register(modules: tuple[str, ...], target: typer.Typer, bench_app: typer.Typer) -> None:
    for name in modules:
        module = _module(name)
        register, register_bench = getattr(module, "register", None), getattr(module, "register_bench", None)
        if callable(register):
            register(target, bench_app)
        elif callable(register_bench):
            register_bench(bench_app)


def _build(cmd_name: str) -> click.Command:
    """The click command ``cmd_name``, importing only the modules that register it."""
    modules, _, _ = COMMANDS[cmd_name]
    scratch = typer.Typer(rich_markup_mode="markdown")
    scratch_bench = typer.Typer(cls=LazyBench, help=BENCH_HELP, no_args_is_help=True, rich_markup_mode="markdown")
    scratch.add_typer(scratch_bench, name="bench")
    _register(modules, scratch, scratch_bench)
    group = typer.main.get_group(scratch)
    command = group.commands[cmd_name]
    _markdown(command)
    return command


def _markdown(command: Any) -> None:
    """Help texts written with ``code`` spans render as code (and without backticks off a terminal)."""
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = "markdown"
    for sub in getattr(command, "commands", {}).values():
        _markdown(sub)


_loaded = False


def _load_commands() -> None:
    """Register every command module's commands on :data:`app` at once (tests; idempotent)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    app.add_typer(bench, name="bench", help=BENCH_HELP)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        _register((info.name,), app, bench)
    tools = importlib.import_module(TOOLS)
    for info in sorted(pkgutil.iter_modules(tools.__path__), key=lambda m: m.name):
        _register((f"{TOOLS}.{info.name}",), app, bench)


def main() -> None:
    """Console-script entry point. A database problem (wrong or unreachable URL, a missing SQLite
    file, a database never migrated) ends with one line and a hint on stderr, status 2, no traceback."""
    try:
        app(prog_name="syncsettle", standalone_mode=True)
    except Exception as exc:
        if "sqlalchemy" not in sys.modules and "syncsettle.adapters.db.core.engine" not in sys.modules:
            raise  # no database was touched: not a database problem
        from syncsettle.adapters.db.core.problems import explain

        line = explain(exc, _database_argument(), program())
        if line is None:
            raise
        typer.echo(line, err=True)
        raise SystemExit(2) from None


def _database_argument() -> str:
    """The database URL this invocation used: ``--database-url`` (either spelling), else the default."""
    from syncsettle.adapters.db.core.engine import database_url

    args = sys.argv[1:]
    explicit = None
    for i, arg in enumerate(args):
        if arg == "--database-url" and i + 1 < len(args):
            explicit = args[i + 1]
        elif arg.startswith("--database-url="):
            explicit = arg.split("=", 1)[1]
    return database_url(explicit)


def program() -> str:
    """How to run this command line again, as printed in follow-up hints: the running executable
    when it is one (``.venv/bin/syncsettle``, relative to the working directory when inside it), so
    the printed command works without an activated virtual environment."""
    import os
    import shutil

    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.basename(argv0) == "syncsettle" and os.path.isfile(argv0):
        path = os.path.abspath(argv0)
    else:
        beside = os.path.join(os.path.dirname(sys.executable), "syncsettle")
        path = beside if os.path.isfile(beside) else (shutil.which("syncsettle") or "syncsettle")
        if path == "syncsettle":
            return path
        path = os.path.abspath(path)
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else path
