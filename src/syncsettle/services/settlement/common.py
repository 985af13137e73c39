"""Checks shared by the hospital use cases: the caller owns the visit, the person is insured.

The region and visit checks live in the shared kernel (:mod:`syncsettle.services.hospital_scope`) and
the id minting in :mod:`syncsettle.services.ids`, since other centres answer hospitals too; they are
named here again for the settlement modules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.settlement import people
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.hospital_scope import check_insured_region as check_insured_region
from syncsettle.services.hospital_scope import claimed_insured_region as claimed_insured_region
from syncsettle.services.hospital_scope import own_visit as own_visit
from syncsettle.services.hospital_scope import same_region as same_region
from syncsettle.services.ids import new_id as new_id


def insured(conn: Connection, psn_no: str, insutype: str) -> dict[str, Any]:
    """The person's insurance row of ``insutype``, if they are insured in it and the row is active."""
    return insured_person(conn, psn_no, insutype)[1]


def insured_person(conn: Connection, psn_no: str, insutype: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the stored person, their active insurance row of ``insutype``), read in one statement."""
    person, row = people.person_with_row(conn, psn_no, insutype)
    if person is None:
        raise ServiceError(Code.NOT_FOUND, f"人员编号 {psn_no} 不存在", "psn_no")
    if row is None:
        raise ServiceError(Code.NOT_INSURED, f"人员 {psn_no} 未参加险种 {insutype}", "insutype")
    if row["psn_insu_stas"] != "1":
        raise ServiceError(Code.NOT_INSURED, f"人员 {psn_no} 险种 {insutype} 参保状态异常（暂停/终止）", "insutype")
    check_insured_region(row["insuplc_admdvs"])
    return person, row


def open_visit(conn: Connection, mdtrt_id: str, hospital: str, psn_no: str | None = None) -> dict[str, Any]:
    visit = own_visit(conn, mdtrt_id, hospital, psn_no)
    if visit["status"] not in ("registered", "admitted", "discharged"):
        raise ServiceError(Code.STATE, f"就诊 {mdtrt_id} 状态为 {visit['status']}，不能办理", "mdtrt_id")
    return visit
