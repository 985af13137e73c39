"""Repositories of the medical-insurance domain's reference data: hospitals, persons and their
insurance rows (as 1101 returns them), enrollments. They read and write; they never commit.

The statements every settlement runs are built once and run on the driver (:mod:`.fast`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select

from syncsettle.adapters.db.core.fast import Fast
from syncsettle.adapters.db.core.schema import enrollments, hospitals, insurance_rows, persons
from syncsettle.adapters.db.settlement.records import Hospital

_HOSPITAL = Fast(select(hospitals).where(hospitals.c.fixmedins_code == bindparam("code")))
_PERSON = Fast(select(persons).where(persons.c.psn_no == bindparam("psn_no")))
_INSURANCE_ROW = Fast(
    select(insurance_rows).where(
        insurance_rows.c.psn_no == bindparam("psn_no"), insurance_rows.c.insutype == bindparam("insutype")
    )
)
_PERSON_WITH_ROW = Fast(  # the person and one insurance row in one round trip (a settlement reads both)
    select(*persons.c, *(c.label(f"ins_{c.name}") for c in insurance_rows.c))
    .select_from(
        persons.outerjoin(
            insurance_rows,
            and_(insurance_rows.c.psn_no == persons.c.psn_no, insurance_rows.c.insutype == bindparam("insutype")),
        )
    )
    .where(persons.c.psn_no == bindparam("psn_no"))
)
_INSURANCE_KEYS = tuple(c.name for c in insurance_rows.c)
_SET_BALANCE = Fast(  # an UPDATE's parameters may not be named after its columns
    insurance_rows.update()
    .where(insurance_rows.c.psn_no == bindparam("k_psn_no"), insurance_rows.c.insutype == bindparam("k_insutype"))
    .values(balc=bindparam("new_balc"))
)
_ACTIVE_ENROLLMENTS = Fast(
    select(enrollments).where(
        enrollments.c.psn_no == bindparam("psn_no"),
        enrollments.c.status == "active",
        enrollments.c.begndate <= bindparam("day"),
        enrollments.c.enddate >= bindparam("day"),
    )
)


def hospital(conn: Connection, code: str) -> Hospital | None:
    row = _HOSPITAL.first(conn, {"code": code})
    return Hospital.of(row) if row is not None else None


def add_hospital(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(hospitals.insert(), row)


def person(conn: Connection, psn_no: str) -> dict[str, Any] | None:
    """The stored row: name and certificate number sealed (open them with ``Platform.pii.open``)."""
    return _PERSON.first(conn, {"psn_no": psn_no})


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
    return _INSURANCE_ROW.first(conn, {"psn_no": psn_no, "insutype": insutype})


def person_with_row(
    conn: Connection, psn_no: str, insutype: str
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the stored person, their insurance row of ``insutype``): (None, None) for an unknown person,
    (person, None) for one not insured in ``insutype``."""
    found = _PERSON_WITH_ROW.first(conn, {"psn_no": psn_no, "insutype": insutype})
    if found is None:
        return None, None
    person_row = {c: found[c] for c in _PERSON_KEYS}
    if found["ins_psn_no"] is None:
        return person_row, None
    return person_row, {c: found[f"ins_{c}"] for c in _INSURANCE_KEYS}


_PERSON_KEYS = tuple(c.name for c in persons.c)


def upsert_person(conn: Connection, person_row: dict[str, Any], rows: list[dict[str, Any]]) -> bool:
    """Insert or replace a person (a sealed row) and their insurance rows (admin import); whether the
    person existed before."""
    existing = person(conn, person_row["psn_no"])
    if existing:
        conn.execute(persons.update().where(persons.c.psn_no == person_row["psn_no"]).values(**person_row))
        conn.execute(insurance_rows.delete().where(insurance_rows.c.psn_no == person_row["psn_no"]))
    else:
        conn.execute(persons.insert(), person_row)
    if rows:
        conn.execute(insurance_rows.insert(), rows)
    return existing is not None


def set_balance(conn: Connection, psn_no: str, insutype: str, balc: int) -> None:
    _SET_BALANCE.run(conn, {"k_psn_no": psn_no, "k_insutype": insutype, "new_balc": balc})


def active_enrollments(conn: Connection, psn_no: str, day: date) -> list[dict[str, Any]]:
    return _ACTIVE_ENROLLMENTS.dicts(conn, {"psn_no": psn_no, "day": day})


def add_enrollment(conn: Connection, row: dict[str, Any]) -> int:
    result = conn.execute(enrollments.insert().returning(enrollments.c.id), row)
    return int(result.scalar_one())


def first_person(conn: Connection) -> dict[str, Any] | None:
    """Any one person row, sealed as stored (the key check opens it)."""
    row = conn.execute(select(persons).limit(1)).mappings().first()
    return dict(row) if row else None


class Hospitals:
    """The hospitals repository as the unit of work hands it out (``uow.hospitals``): frozen
    :class:`Hospital` records by code, bound to the unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, code: str) -> Hospital | None:
        return hospital(self._conn, code)

    def exists(self, code: str) -> bool:
        return hospital(self._conn, code) is not None
