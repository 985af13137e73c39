"""The length of each ``String(n)`` column, read from the table definitions, for checks at the edge.

Why: PostgreSQL refuses a value longer than its ``VARCHAR(n)`` with an error inside the transaction
(a 500), and SQLite stores it silently — the same request behaved differently per database. Edges
declare the limit from here (``Field(max_length=max_length("insurers", "name"))``) or call
:func:`check_length`, so the limit is the column's and cannot drift from it.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import String, Table

from syncsettle.adapters.db.tables import metadata  # every centre's tables
from syncsettle.domain.settlement.errors import InvalidInput


@cache
def max_length(table: str, column: str) -> int:
    """The ``n`` of ``table.column``'s ``String(n)``; ``ValueError`` for an unknown or unbounded column
    (a typo in an edge's declaration fails at import, not silently)."""
    found: Table | None = metadata.tables.get(table)
    if found is None or column not in found.c:
        raise ValueError(f"no column {table}.{column}")
    kind = found.c[column].type
    if not isinstance(kind, String) or kind.length is None:
        raise ValueError(f"{table}.{column} is not a String(n) column")
    return int(kind.length)


def check_length(value: object, table: str, column: str, field: str) -> None:
    """Refuse a string longer than ``table.column`` holds, naming ``field`` (characters, as both
    databases count ``VARCHAR(n)``)."""
    if isinstance(value, str):
        limit = max_length(table, column)
        if len(value) > limit:
            raise InvalidInput(field, f"长度 {len(value)} 超过上限 {limit} 个字符")
