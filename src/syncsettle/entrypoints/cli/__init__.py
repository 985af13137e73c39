"""The ``syncsettle`` command line.

Each module in this package that defines ``register(app, bench)`` adds its commands; ``main`` finds
them with :mod:`pkgutil`, so a new command group never edits a shared list. Nothing here connects
to a database or reads configuration at import time.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

app = typer.Typer(
    name="syncsettle",
    help="One-stop settlement of hospital bills across basic medical insurance, commercial insurance and self-pay.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
bench = typer.Typer(help="Benchmarks that print measured figures (and JSON with --json).", no_args_is_help=True)
app.add_typer(bench, name="bench")


def _load_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app, bench)


def main() -> None:
    """Console-script entry point."""
    _load_commands()
    app()
