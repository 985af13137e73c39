"""SQL only in adapters (the house, issue 16): services and entrypoints call repositories, they do not
execute statements. The modules below still do, and the list may only shrink: a new ``.execute(``
outside ``adapters/`` fails here, and so does a module that was cleaned without leaving the list.
(The ``bench`` commands and the bench endpoint measure the database itself and are exempt.)"""

from __future__ import annotations

import re
from pathlib import Path

import syncsettle

ROOT = Path(syncsettle.__file__).parent
EXEMPT = re.compile(r"entrypoints/cli/bench_\w+\.py|entrypoints/http/bench_hooks\.py")
STILL_EXECUTING = {
    "services/admin.py",
    "services/clearing/hospital_reconciliation.py",
    "services/computing/actuarial.py",
    "services/computing/jobs.py",
    "services/computing/release.py",
    "services/computing/scan.py",
    "services/management/audit.py",
    "services/management/data_use.py",
    "services/management/key_check.py",
}


def _executing() -> set[str]:
    found = set()
    for layer in ("services", "entrypoints"):
        for path in (ROOT / layer).rglob("*.py"):
            name = path.relative_to(ROOT).as_posix()
            if not EXEMPT.fullmatch(name) and ".execute(" in path.read_text(encoding="utf-8"):
                found.add(name)
    return found


def test_no_new_module_outside_the_adapters_executes_sql() -> None:
    assert _executing() - STILL_EXECUTING == set()


def test_the_list_of_modules_still_executing_sql_only_shrinks() -> None:
    assert STILL_EXECUTING - _executing() == set(), "cleaned: take these off STILL_EXECUTING"
