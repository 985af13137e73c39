"""SQL only in adapters (the house, issue 16): services and entrypoints call repositories, they do
not build or execute statements. No module outside ``adapters/`` executes SQL, imports a table, or
takes from SQLAlchemy more than the connection and engine types it passes on (and the errors it
catches). The bench endpoint, which measures the database itself, is exempt (the bench commands
are tools, in ``syncsettle_tools``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import syncsettle

ROOT = Path(syncsettle.__file__).parent
EXEMPT = re.compile(r"entrypoints/http/bench_hooks\.py")
# what an entrypoint may take from the database adapters: wiring (engine, migrations), column sizes for
# input limits, the dashboards' scope value, the explanation of a database error; never a repository
ENTRYPOINT_MAY_USE = {"engine", "migrate", "column_limits", "dashboards", "problems"}
TYPES_ONLY = {"Connection", "Engine", "RowMapping"}  # what a service may name of SQLAlchemy: types it hands on
MODULES = sorted(
    path.relative_to(ROOT).as_posix()
    for layer in ("services", "entrypoints")
    for path in (ROOT / layer).rglob("*.py")
    if not EXEMPT.fullmatch(path.relative_to(ROOT).as_posix())
)


def _imports(tree: ast.AST) -> list[tuple[str, str]]:
    return [(node.module or "", alias.name) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            for alias in node.names]  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_the_module_leaves_sql_to_the_adapters(name: str) -> None:
    source = (ROOT / name).read_text(encoding="utf-8")
    tree = ast.parse(source)
    executes = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "execute"]
    assert executes == [], f"{name}: executes SQL on lines {executes}"
    imported = _imports(tree)
    tables = [f"{m}.{n}" for m, n in imported if m.startswith("syncsettle.adapters.db.core.schema")]
    assert tables == [], f"{name}: imports tables {tables}"
    built = [
        n for m, n in imported if m.split(".")[0] == "sqlalchemy" and m != "sqlalchemy.exc" and n not in TYPES_ONLY
    ]
    assert built == [], f"{name}: builds statements with {built}"


def test_the_scan_sees_the_services() -> None:
    assert len(MODULES) > 100 and "services/settlement/settle.py" in MODULES
