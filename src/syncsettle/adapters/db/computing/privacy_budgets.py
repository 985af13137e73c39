"""SQL of the privacy budgets (``privacy_budgets``): one row per budget owner (``insurer`` column: an
insurer id, or ``regulator:<scope>``) and dataset. Epsilon is held in millionths, so a spend is one
exact relative ``UPDATE`` whose ``WHERE`` checks the budget is live and large enough — two releases
racing for the last of a budget cannot both win. Repositories never commit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from syncsettle.adapters.db.computing.schema_computing import privacy_budgets as t
from syncsettle.adapters.db.computing.schema_computing import released_cells
from syncsettle.adapters.db.core.util import insert_ignore


def _key(owner: str, dataset: str) -> Any:
    return and_(t.c.insurer == owner, t.c.dataset == dataset)


def row(conn: Connection, owner: str, dataset: str) -> dict[str, Any] | None:
    found = conn.execute(select(t).where(_key(owner, dataset))).mappings().first()
    return dict(found) if found else None


def rows(conn: Connection, owner: str | None = None) -> list[dict[str, Any]]:
    """Every budget (or one owner's), by owner and dataset."""
    stmt = select(t).order_by(t.c.insurer, t.c.dataset)
    if owner is not None:
        stmt = stmt.where(t.c.insurer == owner)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def grant(conn: Connection, owner: str, dataset: str, total_micro: int, *, expires_on: date | None,
          granted_by: str, granted_at: datetime | None) -> None:  # fmt: skip
    """Create or reset the total (what is spent stays spent); a revoked budget is live again."""
    insert_ignore(conn, t, [{"insurer": owner, "dataset": dataset, "total_micro": 0, "spent_micro": 0}])
    conn.execute(
        update(t).where(_key(owner, dataset)).values(
            total_micro=total_micro, expires_on=expires_on, granted_by=granted_by, granted_at=granted_at,
            revoked_at=None, revoked_by=None,
        )
    )  # fmt: skip


def revoke(conn: Connection, owner: str, dataset: str, *, revoked_by: str, revoked_at: datetime) -> int:
    """Mark a live budget revoked; 1 if it was live, else 0."""
    return conn.execute(
        update(t).where(and_(_key(owner, dataset), t.c.revoked_at.is_(None)))
        .values(revoked_at=revoked_at, revoked_by=revoked_by)
    ).rowcount  # fmt: skip


def spend(conn: Connection, owner: str, dataset: str, micro: int, today: date) -> bool:
    """Take ``micro`` from a live (not revoked, not expired on ``today``) budget that has it left."""
    done = conn.execute(
        update(t)
        .where(
            and_(
                _key(owner, dataset), t.c.revoked_at.is_(None),
                or_(t.c.expires_on.is_(None), t.c.expires_on >= today),
                t.c.spent_micro + micro <= t.c.total_micro,
            )
        )
        .values(spent_micro=t.c.spent_micro + micro)
    ).rowcount  # fmt: skip
    return bool(done == 1)


def released(conn: Connection, insurer: str, dataset: str) -> list[tuple[Any, int]]:
    """(population, contributors) of every cell already released to ``insurer`` from ``dataset``
    (the differencing check compares a new cell with them)."""
    rows = conn.execute(
        select(released_cells.c.cell, released_cells.c.contributors).where(
            and_(released_cells.c.insurer == insurer, released_cells.c.dataset == dataset)
        )
    )
    return [(row.cell, int(row.contributors)) for row in rows]


def remember_released(conn: Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(released_cells.insert(), rows)
