"""Repositories of the person data behind the benefits beyond the pooled fund (``schema_benefits``):
medical-assistance identities, 门慢门特 certifications, 家庭共济 links, and the per-disease 门慢
accumulators. They read and write; they never commit.

Validity is inclusive on both ends, an absent end is open. A settlement reads what is valid on its
business date (the statements a settlement runs are prebuilt and run on the driver, :mod:`.fast`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select, update

from syncsettle.adapters.db.core.fast import Fast
from syncsettle.adapters.db.core.schema import disease_accumulators, insurance_rows
from syncsettle.adapters.db.core.util import insert_ignore
from syncsettle.adapters.db.settlement.schema_benefits import disease_certifications, family_links, person_identities


def _valid(table: Any) -> Any:
    return and_(
        or_(table.c.begndate.is_(None), table.c.begndate <= bindparam("day")),
        or_(table.c.enddate.is_(None), table.c.enddate >= bindparam("day")),
    )


_IDENTITIES_ON = Fast(
    select(person_identities.c.psn_idet_type)
    .where(person_identities.c.psn_no == bindparam("psn_no"), _valid(person_identities))
    .order_by(person_identities.c.id)
)
_CERTIFIED_ON = Fast(
    select(disease_certifications.c.opsp_dise_code)
    .where(disease_certifications.c.psn_no == bindparam("psn_no"), _valid(disease_certifications))
    .order_by(disease_certifications.c.id)
)
_LINKS_ON = Fast(
    select(family_links.c.id, family_links.c.holder_psn_no)
    .where(
        family_links.c.psn_no == bindparam("psn_no"),
        family_links.c.revoked_at.is_(None),
        family_links.c.begndate <= bindparam("day"),
        or_(family_links.c.enddate.is_(None), family_links.c.enddate >= bindparam("day")),
    )
    .order_by(family_links.c.id)
)
_DISEASES = Fast(
    select(disease_accumulators.c.opsp_dise_code, disease_accumulators.c.fund_paid).where(
        disease_accumulators.c.psn_no == bindparam("psn_no"),
        disease_accumulators.c.insutype == bindparam("insutype"),
        disease_accumulators.c.year == bindparam("year"),
    )
)
_ADD_TO_DISEASE = Fast(
    update(disease_accumulators)
    .where(
        disease_accumulators.c.psn_no == bindparam("k_psn_no"),
        disease_accumulators.c.insutype == bindparam("k_insutype"),
        disease_accumulators.c.year == bindparam("k_year"),
        disease_accumulators.c.opsp_dise_code == bindparam("k_code"),
    )
    .values(fund_paid=disease_accumulators.c.fund_paid + bindparam("add_paid"))
)
_ADD_TO_BALANCE = Fast(
    update(insurance_rows)
    .where(insurance_rows.c.psn_no == bindparam("k_psn_no"), insurance_rows.c.insutype == bindparam("k_insutype"))
    .values(balc=insurance_rows.c.balc + bindparam("add_balc"))
)
_ACCOUNT_LOCKED = Fast(
    select(insurance_rows.c.balc, insurance_rows.c.psn_insu_stas)
    .where(insurance_rows.c.psn_no == bindparam("psn_no"), insurance_rows.c.insutype == bindparam("insutype"))
    .with_for_update()
)


# --- identities (1101 idetinfo) ---------------------------------------------------------------


def identity_types_on(conn: Connection, psn_no: str, day: date) -> list[str]:
    """The person's ``psn_idet_type`` codes valid on ``day``, in the order they were recorded."""
    return [row[0] for row in _IDENTITIES_ON.rows(conn, {"psn_no": psn_no, "day": day})]


def identities(conn: Connection, psn_no: str) -> list[dict[str, Any]]:
    stmt = select(person_identities).where(person_identities.c.psn_no == psn_no).order_by(person_identities.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def replace_identities(conn: Connection, psn_no: str, rows: Sequence[Mapping[str, Any]]) -> None:
    conn.execute(person_identities.delete().where(person_identities.c.psn_no == psn_no))
    if rows:
        conn.execute(person_identities.insert(), [dict(r, psn_no=psn_no) for r in rows])


# --- 门慢门特 certifications (5301) --------------------------------------------------------------


def certified_on(conn: Connection, psn_no: str, day: date) -> list[str]:
    """The 门慢门特 disease codes certified for the person on ``day``."""
    return [row[0] for row in _CERTIFIED_ON.rows(conn, {"psn_no": psn_no, "day": day})]


def certifications(conn: Connection, psn_no: str) -> list[dict[str, Any]]:
    stmt = (
        select(disease_certifications)
        .where(disease_certifications.c.psn_no == psn_no)
        .order_by(disease_certifications.c.id)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def replace_certifications(conn: Connection, psn_no: str, rows: Sequence[Mapping[str, Any]]) -> None:
    conn.execute(disease_certifications.delete().where(disease_certifications.c.psn_no == psn_no))
    if rows:
        conn.execute(disease_certifications.insert(), [dict(r, psn_no=psn_no) for r in rows])


# --- 家庭共济 links ----------------------------------------------------------------------------


def links_on(conn: Connection, psn_no: str, day: date) -> list[tuple[int, str]]:
    """(link id, account holder) of the person's links valid on ``day`` and not revoked, in link order."""
    return [(int(i), str(h)) for i, h in _LINKS_ON.rows(conn, {"psn_no": psn_no, "day": day})]


def links_of(conn: Connection, psn_no: str | None = None, holder: str | None = None) -> list[dict[str, Any]]:
    """Every link (revoked ones too) where the person is the beneficiary or the account holder."""
    stmt = select(family_links).order_by(family_links.c.id)
    if psn_no is not None:
        stmt = stmt.where(family_links.c.psn_no == psn_no)
    if holder is not None:
        stmt = stmt.where(family_links.c.holder_psn_no == holder)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def link(conn: Connection, link_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(family_links).where(family_links.c.id == link_id)).mappings().first()
    return dict(row) if row else None


def add_link(conn: Connection, row: Mapping[str, Any]) -> int:
    result = conn.execute(family_links.insert().returning(family_links.c.id), dict(row))
    return int(result.scalar_one())


def revoke_link(conn: Connection, link_id: int, at: datetime) -> int:
    """End a link now (the holder withdraws consent); 0 when it is unknown or already revoked."""
    stmt = (
        family_links.update()
        .where(family_links.c.id == link_id, family_links.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return int(conn.execute(stmt).rowcount)


def replace_links_to(conn: Connection, psn_no: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Replace the links paying for ``psn_no`` (a person import that lists them)."""
    conn.execute(family_links.delete().where(family_links.c.psn_no == psn_no))
    if rows:
        conn.execute(family_links.insert(), [dict(r, psn_no=psn_no) for r in rows])


# --- personal accounts that pay -----------------------------------------------------------------


def lock_account(conn: Connection, psn_no: str, insutype: str) -> tuple[int, str] | None:
    """(balance in fen, ``psn_insu_stas``) of an insurance row, locked for this transaction (``FOR
    UPDATE`` on PostgreSQL; SQLite's transaction already excludes other writers), or None."""
    found = _ACCOUNT_LOCKED.rows(conn, {"psn_no": psn_no, "insutype": insutype})
    return (int(found[0][0]), str(found[0][1])) if found else None


def add_to_balance(conn: Connection, psn_no: str, insutype: str, delta: int) -> None:
    """Change a personal account's balance by ``delta`` fen, relative in SQL (the CHECK keeps it ≥ 0)."""
    if delta:
        _ADD_TO_BALANCE.run(conn, {"k_psn_no": psn_no, "k_insutype": insutype, "add_balc": delta})


# --- 门慢 per-disease accumulators --------------------------------------------------------------


def read_diseases(conn: Connection, psn_no: str, insutype: str, year: int) -> dict[str, int]:
    """门慢 disease → pooled fund paid this year (fen). The caller holds the person's basic lock."""
    rows = _DISEASES.rows(conn, {"psn_no": psn_no, "insutype": insutype, "year": year})
    return {str(code): int(paid) for code, paid in rows}


def add_to_diseases(conn: Connection, psn_no: str, insutype: str, year: int, deltas: Mapping[str, int]) -> None:
    changed = {code: d for code, d in deltas.items() if d}
    if not changed:
        return
    key = {"psn_no": psn_no, "insutype": insutype, "year": year}
    insert_ignore(conn, disease_accumulators, [{**key, "opsp_dise_code": code, "fund_paid": 0} for code in changed])
    for code, d in sorted(changed.items()):
        _ADD_TO_DISEASE.run(
            conn, {"k_psn_no": psn_no, "k_insutype": insutype, "k_year": year, "k_code": code, "add_paid": d}
        )
