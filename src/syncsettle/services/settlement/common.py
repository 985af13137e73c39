"""Checks shared by the hospital use cases: the caller owns the visit, the person is insured."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db import people, visits
from syncsettle.services.errors import Code, ServiceError

# the insured region the hospital's envelope names (``insuplc_admdvs``), for the request being answered
_CLAIMED_REGION: ContextVar[str | None] = ContextVar("claimed_insuplc_admdvs", default=None)


@contextmanager
def claimed_insured_region(region: str | None) -> Iterator[None]:
    """While a hospital's request is answered: the ``insuplc_admdvs`` its envelope names. Every use
    case that reads the person's insurance row or the visit then checks it (:func:`check_insured_region`)."""
    token = _CLAIMED_REGION.set(region)
    try:
        yield
    finally:
        _CLAIMED_REGION.reset(token)


def same_region(claimed: str, actual: str) -> bool:
    """``claimed`` names ``actual``'s region: the same code, or its city (``4403xx`` → ``440300``) or
    province (``44xxxx`` → ``440000``), or a district of the city ``actual`` names. A medical-insurance
    officer reads a pooled city's code as covering its districts (市级统筹), and nothing wider."""
    if claimed == actual:
        return True
    for a, b in ((claimed, actual), (actual, claimed)):
        if a.endswith("0000") and b[:2] == a[:2]:
            return True
        if a.endswith("00") and b[:4] == a[:4]:
            return True
    return False


def check_insured_region(actual: str) -> None:
    """Refuse the request when its envelope's ``insuplc_admdvs`` is not the person's insured region."""
    claimed = _CLAIMED_REGION.get()
    if claimed and not same_region(claimed, actual):
        raise ServiceError(Code.REGION, f"参保地医保区划 {claimed} 与参保人参保地 {actual} 不符", "insuplc_admdvs")


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:24].upper()}"


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


def own_visit(conn: Connection, mdtrt_id: str, hospital: str, psn_no: str | None = None) -> dict[str, Any]:
    """The visit, if it exists and belongs to the calling hospital (another's is refused, not hidden)."""
    visit = visits.visit(conn, mdtrt_id)
    if visit is None:
        raise ServiceError(Code.NOT_FOUND, f"就诊 {mdtrt_id} 不存在", "mdtrt_id")
    if visit["fixmedins_code"] != hospital:
        raise ServiceError(Code.FORBIDDEN, f"就诊 {mdtrt_id} 不属于本机构", "mdtrt_id")
    if psn_no is not None and visit["psn_no"] != psn_no:
        raise ServiceError(Code.FIELD, f"人员编号与就诊 {mdtrt_id} 不符", "psn_no")
    check_insured_region(visit["insuplc_admdvs"])
    return visit


def open_visit(conn: Connection, mdtrt_id: str, hospital: str, psn_no: str | None = None) -> dict[str, Any]:
    visit = own_visit(conn, mdtrt_id, hospital, psn_no)
    if visit["status"] not in ("registered", "admitted", "discharged"):
        raise ServiceError(Code.STATE, f"就诊 {mdtrt_id} 状态为 {visit['status']}，不能办理", "mdtrt_id")
    return visit
