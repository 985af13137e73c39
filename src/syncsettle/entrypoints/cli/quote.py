"""``syncsettle quote CASE.json``: price one case (the case format of docs/case-format.md) and print JSON.

A golden case as the tests keep them (``{"title", "computation", "case", "expected"}``) is priced
too: its ``case`` is read. ``examples/quote-case.json`` is a ready one.

Exit codes: 0 priced; 2 the case is malformed (one line on stderr naming the field); 1 the file
cannot be read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer


def quote(
    case_file: Path = typer.Argument(..., help="the case JSON file, or - for standard input"),
    rules: list[Path] = typer.Option([], "--rules", help="extra directory of policy/product/catalogue files"),
) -> None:
    """Price one bill: every payer's share, the national setlinfo and the updated accumulators."""
    from syncsettle.adapters.case_file import parse_json, price_case, read_case, render_settlement
    from syncsettle.adapters.rulebook import RuleFileError, load_rulebook
    from syncsettle.domain.settlement.errors import InvalidInput

    try:
        text = sys.stdin.read() if str(case_file) == "-" else case_file.read_text(encoding="utf-8")
    except OSError as exc:
        typer.echo(f"error: {case_file}: cannot be read ({exc.strerror})", err=True)
        raise typer.Exit(1) from None
    try:
        book = load_rulebook(rules)
        case = read_case(unwrap(parse_json(text)), book)
        result = render_settlement(price_case(case))
    except (InvalidInput, RuleFileError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))


def unwrap(data: Any) -> Any:
    """The case itself, also out of a golden case's wrapper (``{"case": {…}, "expected": …}``)."""
    if isinstance(data, dict) and isinstance(data.get("case"), dict) and ({"expected", "title"} & set(data)):
        return data["case"]
    return data


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("quote")(quote)
