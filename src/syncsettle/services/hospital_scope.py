"""Whose request this is: the insured region a hospital's envelope claims, and the visit it may touch.

Shared by every centre that answers a hospital's message (settlement, the rule audit of computing):
a hospital reads and changes only its own visits, and the envelope's ``insuplc_admdvs`` must name the
person's insured region. Part of the services' shared kernel, below the centres.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.settlement import visits
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
