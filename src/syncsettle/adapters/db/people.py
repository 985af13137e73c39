"""Repositories of the medical-insurance domain's reference data: hospitals, persons and their
insurance rows (as 1101 returns them), enrollments. They read and write; they never commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, select

from syncsettle.adapters.db.schema import enrollments, hospitals, insurance_rows, persons


def hospital(conn: Connection, code: str) -> dict[str, Any] | None:
    row = conn.execute(select(hospitals).where(hospitals.c.fixmedins_code == code)).mappings().first()
    return dict(row) if row else None


def add_hospital(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(hospitals.insert(), row)


def person(conn: Connection, psn_no: str) -> dict[str, Any] | None:
    """The stored row: name and certificate number sealed (open them with ``Platform.pii.open``)."""
    row = conn.execute(select(persons).where(persons.c.psn_no == psn_no)).mappings().first()
    return dict(row) if row else None


def any_person(conn: Connection) -> bool:
    return conn.execute(select(persons.c.psn_no).limit(1)).first() is not None


def person_by_certno_index(conn: Connection, certno_bidx: str) -> dict[str, Any] | None:
    """The stored row whose certificate number has this blind index (``Platform.pii.certno_index``)."""
    row = conn.execute(select(persons).where(persons.c.certno_bidx == certno_bidx)).mappings().first()
    return dict(row) if row else None


def insurance(conn: Connection, psn_no: str) -> list[dict[str, Any]]:
    stmt = select(insurance_rows).where(insurance_rows.c.psn_no == psn_no).order_by(insurance_rows.c.insutype)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def insurance_row(conn: Connection, psn_no: str, insutype: str) -> dict[str, Any] | None:
    stmt = select(insurance_rows).where(and_(insurance_rows.c.psn_no == psn_no, insurance_rows.c.insutype == insutype))
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def upsert_person(conn: Connection, person_row: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Insert or replace a person (a sealed row) and their insurance rows (admin import)."""
    existing = person(conn, person_row["psn_no"])
    if existing:
        conn.execute(persons.update().where(persons.c.psn_no == person_row["psn_no"]).values(**person_row))
        conn.execute(insurance_rows.delete().where(insurance_rows.c.psn_no == person_row["psn_no"]))
    else:
        conn.execute(persons.insert(), person_row)
    if rows:
        conn.execute(insurance_rows.insert(), rows)


def set_balance(conn: Connection, psn_no: str, insutype: str, balc: int) -> None:
    conn.execute(
        insurance_rows.update()
        .where(and_(insurance_rows.c.psn_no == psn_no, insurance_rows.c.insutype == insutype))
        .values(balc=balc)
    )


def active_enrollments(conn: Connection, psn_no: str, day: date) -> list[dict[str, Any]]:
    stmt = select(enrollments).where(
        and_(
            enrollments.c.psn_no == psn_no,
            enrollments.c.status == "active",
            enrollments.c.begndate <= day,
            enrollments.c.enddate >= day,
        )
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def add_enrollment(conn: Connection, row: dict[str, Any]) -> int:
    result = conn.execute(enrollments.insert().returning(enrollments.c.id), row)
    return int(result.scalar_one())
