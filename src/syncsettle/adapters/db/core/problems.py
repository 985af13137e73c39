"""Database problems said in one line with a hint, for the command line (no traceback).

Why: a wrong or unreachable database URL, a mistyped SQLite path or a database never migrated
surfaced as a SQLAlchemy traceback of some sixty lines whose last line ("no such table:
hospitals") never said what to do. :func:`explain` recognises those cases from the exception (the
driver's own error classes and messages, SQLite and psycopg) and answers the sentence to print, or
``None`` for anything else (which then propagates as the bug it is).
"""

from __future__ import annotations

import re

from sqlalchemy import exc as sa
from sqlalchemy.engine import make_url

from syncsettle.adapters.db.core.engine import MissingDatabase

_NO_TABLE = re.compile(r"no such table: (\w+)|relation \"([\w.]+)\" does not exist", re.IGNORECASE)


def shown(url: str) -> str:
    """``url`` with any password masked (as given when it is not even a URL)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.ArgumentError:
        return url


def explain(error: BaseException, url: str, program: str = "syncsettle") -> str | None:
    """One line (``error: … — hint``) for a database problem, or ``None`` when ``error`` is not one.
    ``url``: the database URL the command used; ``program``: how to run the CLI in the hint."""
    where = shown(url)
    upgrade = f"{program} db upgrade --database-url {where}"
    if isinstance(error, MissingDatabase):
        return (f"error: database file {error.path} does not exist (nothing was created) — check --database-url "
                f"or SYNCSETTLE_DATABASE_URL, or create and migrate it with: {upgrade}")  # fmt: skip
    if isinstance(error, sa.ArgumentError | sa.NoSuchModuleError):
        return (
            f"error: not a usable database URL: {where} ({error}) — use sqlite:///path/to.db or "
            "postgresql://user@host:5432/dbname"
        )
    if isinstance(error, sa.DBAPIError):
        said = str(error.orig if error.orig is not None else error).strip()
        text = said.splitlines()[0] if said else type(error).__name__
        missing = _NO_TABLE.search(said)
        if missing:
            table = missing.group(1) or missing.group(2)
            return f"error: {where} has no table {table}: the database is not migrated — run: {upgrade}"
        if isinstance(error, sa.OperationalError | sa.InterfaceError) and (
            error.connection_invalidated or _is_connect_failure(text)
        ):
            return (f"error: cannot open the database {where}: {text} — is the server running and the URL "
                    "(host, port, user, database name) right? "
                    "Give it with --database-url or SYNCSETTLE_DATABASE_URL")  # fmt: skip
    return None


def _is_connect_failure(text: str) -> bool:
    low = text.lower()
    markers = ("connection", "connect", "could not translate host", "password authentication", "does not exist",
               "unable to open database", "name or service not known", "timeout", "no route to host")  # fmt: skip
    return any(marker in low for marker in markers)
