"""Repository of insurers, product filings and their lifecycle events. Reads and writes; never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from syncsettle.adapters.db.commercial.schema_commercial import filing_events, insurers, product_filings


def insurer(conn: Connection, insurer_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(insurers).where(insurers.c.insurer_id == insurer_id)).mappings().first()
    return dict(row) if row else None


def add_insurer(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insurers.insert(), row)


def update_insurer(conn: Connection, insurer_id: str, **values: Any) -> None:
    conn.execute(insurers.update().where(insurers.c.insurer_id == insurer_id).values(**values))


def all_insurers(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(insurers).order_by(insurers.c.insurer_id)).mappings()]


def filing(conn: Connection, filing_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    stmt = select(product_filings).where(product_filings.c.id == filing_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def add_filing(conn: Connection, row: dict[str, Any]) -> int:
    return int(conn.execute(product_filings.insert().returning(product_filings.c.id), row).scalar_one())


def update_filing(conn: Connection, filing_id: int, **values: Any) -> None:
    conn.execute(product_filings.update().where(product_filings.c.id == filing_id).values(**values))


def next_version(conn: Connection, product_id: str) -> int:
    top = conn.execute(
        select(func.max(product_filings.c.version)).where(product_filings.c.product_id == product_id)
    ).scalar()
    return int(top or 0) + 1


def product_owner(conn: Connection, product_id: str) -> str | None:
    """The insurer that first filed ``product_id`` (a product id belongs to one insurer)."""
    stmt = select(product_filings.c.insurer_id).where(product_filings.c.product_id == product_id)
    return conn.execute(stmt.order_by(product_filings.c.id).limit(1)).scalar()


def filings(
    conn: Connection, *, insurer_id: str | None = None, statuses: tuple[str, ...] = (), product_id: str | None = None
) -> list[dict[str, Any]]:
    stmt = select(product_filings).order_by(product_filings.c.id)
    if insurer_id is not None:
        stmt = stmt.where(product_filings.c.insurer_id == insurer_id)
    if statuses:
        stmt = stmt.where(product_filings.c.status.in_(statuses))
    if product_id is not None:
        stmt = stmt.where(product_filings.c.product_id == product_id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def add_event(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(filing_events.insert(), row)


def events(conn: Connection, filing_id: int) -> list[dict[str, Any]]:
    stmt = select(filing_events).where(filing_events.c.filing_id == filing_id).order_by(filing_events.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def move(
    conn: Connection, filing_row: dict[str, Any], to_status: str, actor: tuple[str, str], note: str, at: Any,
    **values: Any,
) -> None:  # fmt: skip
    """Move a filing to ``to_status`` (with other column ``values``) and record the event with ``note``
    as its reason; ``actor`` is ``(role, tenant)``. Checking that the step is allowed is the caller's job."""
    update_filing(conn, filing_row["id"], status=to_status, updated_at=at, **values)
    add_event(
        conn,
        {"filing_id": filing_row["id"], "at": at, "actor_role": actor[0], "actor_tenant": actor[1],
         "from_status": filing_row["status"], "to_status": to_status, "reason": note},
    )  # fmt: skip
