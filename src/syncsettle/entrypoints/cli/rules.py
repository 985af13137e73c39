"""``syncsettle rules check DIR``: validate every policy, product and catalogue file under DIR."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

rules_app = typer.Typer(help="Policy, product and catalogue rule files.", no_args_is_help=True)


def rule_files_or_exit(directory: Path, code: int) -> list[Path]:
    """The ``.yaml`` rule files of ``directory``; an error line and exit ``code`` when it is not a
    directory or holds none (``rules check`` exits 2, ``rules load`` 1)."""
    from syncsettle.adapters.rulebook import rule_files

    if not directory.is_dir():
        typer.echo(f"error: {directory}: not a directory", err=True)
        raise typer.Exit(code)
    files = rule_files(directory)
    if not files:
        typer.echo(f"error: {directory}: no .yaml rule files found", err=True)
        raise typer.Exit(code)
    return files


@rules_app.command("check")
def check(directory: Path = typer.Argument(..., help="directory of rule files (searched recursively)")) -> None:
    """Validate rule files; print each file's id and versions, or the file, field and reason of each problem."""
    from rich.table import Table

    from syncsettle.adapters.rulebook import RuleFileError, load_rule_file
    from syncsettle.domain.rules.catalogue import Catalogue

    files = rule_files_or_exit(directory, 2)
    table = Table("file", "kind", "id", "versions")
    problems = 0
    for path in files:
        try:
            item = load_rule_file(path)
        except RuleFileError as exc:
            problems += 1
            typer.echo(f"error: {exc}", err=True)
            continue
        rel = str(path.relative_to(directory))
        if isinstance(item, Catalogue):
            table.add_row(rel, "catalogue", item.region, f"{len(item.entries)} entries")
        else:
            kind = item.kind
            spans = ", ".join(f"v{v.version} {v.effective_from}→{v.effective_to or '…'}" for v in item.versions)
            table.add_row(rel, kind, item.id, spans)
    Console(width=200).print(table)
    if problems:
        typer.echo(f"{problems} of {len(files)} files rejected", err=True)
        raise typer.Exit(1)
    typer.echo(f"{len(files)} files valid")


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
