"""Shared argument helpers of the CLI's command modules (no commands of its own): a refusal that
exits with status 2 and one line on stderr, and ISO dates read with the option's name in the error."""

from __future__ import annotations

from datetime import date
from typing import NoReturn

import typer


def fail(exc: Exception) -> NoReturn:
    """``error: …`` on stderr, exit status 2 (bad input; nothing was done)."""
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2)


def day(text: str, name: str) -> date:
    """``text`` as a date (YYYY-MM-DD), or :func:`fail` naming the option ``name``."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(ValueError(f"{name}: must be a date YYYY-MM-DD, got {text!r}"))
