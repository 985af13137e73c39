"""Repositories of the national gateway: x-tif nonces seen, 9001 sign-ins. They never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.exc import IntegrityError

from syncsettle.adapters.db.core.schema import fsi_files, gateway_nonces, hospitals, sign_ins
from syncsettle.adapters.db.settlement.records import Hospital


def remember_nonce(conn: Connection, paas_id: str, nonce: str, at: datetime) -> bool:
    """Record a nonce; ``False`` when this paasid used it before (the row is already there).

    Runs in a savepoint, so a replay leaves the caller's transaction usable."""
    try:
        with conn.begin_nested():
            conn.execute(gateway_nonces.insert(), {"paas_id": paas_id, "nonce": nonce, "seen_at": at})
    except IntegrityError:
        return False
    return True


def forget_nonces_before(conn: Connection, before: datetime) -> int:
    """Drop nonces older than the window: a timestamp that old is refused before its nonce is looked at."""
    return conn.execute(delete(gateway_nonces).where(gateway_nonces.c.seen_at < before)).rowcount or 0


def add_sign_in(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(sign_ins.insert(), row)


def sign_in(conn: Connection, sign_no: str) -> dict[str, Any] | None:
    found = conn.execute(select(sign_ins).where(sign_ins.c.sign_no == sign_no)).mappings().first()
    return dict(found) if found else None


def sign_out(conn: Connection, sign_no: str, at: datetime) -> None:
    conn.execute(update(sign_ins).where(sign_ins.c.sign_no == sign_no).values(signed_out_at=at))


def set_hospital_gateway(conn: Connection, code: str, **values: Any) -> int:
    """Set a hospital's gateway columns (``secret_sealed``, ``paas_id``, ``sign_no_policy``)."""
    return conn.execute(update(hospitals).where(hospitals.c.fixmedins_code == code).values(**values)).rowcount or 0


def hospital_by_paas_id(conn: Connection, paas_id: str) -> Hospital | None:
    found = conn.execute(select(hospitals).where(hospitals.c.paas_id == paas_id)).mappings().first()
    return Hospital.of(found) if found else None


def add_file(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(fsi_files.insert(), row)


def file(conn: Connection, file_qury_no: str) -> dict[str, Any] | None:
    found = conn.execute(select(fsi_files).where(fsi_files.c.file_qury_no == file_qury_no)).mappings().first()
    return dict(found) if found else None


def first_sealed_hospital(conn: Connection) -> Hospital | None:
    """Any one hospital holding a sealed gateway token (the key check opens it)."""
    row = conn.execute(select(hospitals).where(hospitals.c.secret_sealed.is_not(None)).limit(1)).mappings().first()
    return Hospital.of(row) if row else None
