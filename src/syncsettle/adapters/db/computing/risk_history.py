"""Stored visits as risk facts: a person's recent visits with their active fee lines (one indexed
query), and one visit's rows turned into :class:`RiskVisit`. They never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select

from syncsettle.adapters.clock import CHINA, business_date
from syncsettle.adapters.db.core.fast import Fast
from syncsettle.adapters.db.core.schema import fee_lines, hospitals, visits
from syncsettle.domain.rules.risk_facts import RiskLine, RiskVisit

OPEN_VISIT_REACH_DAYS = 90  # an outpatient visit never closes: look this far back for those


def risk_line(row: dict[str, Any], fallback_day: date) -> RiskLine:
    when = row.get("fee_ocur_time")
    return RiskLine(
        sn=row["feedetl_sn"],
        code=row["med_list_codg"],
        amount=int(row["det_item_fee_sumamt"]),
        day=business_date(when) if isinstance(when, datetime) else fallback_day,
        cnt=int(row["cnt"]),
        pric=int(row["pric"]),
        type=row.get("med_chrgitm_type") or "",
    )


def risk_visit(visit: dict[str, Any], level: str, region: str, lines: Sequence[dict[str, Any]]) -> RiskVisit:
    """A stored visit as the risk rules see it, at a hospital of ``level`` in ``region``."""
    adm = business_date(visit["begntime"])
    end = visit.get("endtime")
    dscg = business_date(end) if end is not None and visit["status"] == "discharged" else None
    return RiskVisit(
        mdtrt_id=visit["mdtrt_id"],
        hospital=visit["fixmedins_code"],
        hospital_level=level,
        region=region,
        med_type=visit["med_type"],
        adm_day=adm,
        dscg_day=dscg,
        diagnoses=tuple(visit.get("diagnoses") or ()),
        lines=tuple(risk_line(r, adm) for r in lines),
        seq=visit["begntime"].isoformat(),
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA)


_VISIT_COLUMNS = (
    visits.c.mdtrt_id, visits.c.fixmedins_code, visits.c.med_type, visits.c.begntime, visits.c.endtime,
    visits.c.status, visits.c.diagnoses, hospitals.c.hosp_lv, hospitals.c.admdvs,
)  # fmt: skip
_LINE_COLUMNS = (
    fee_lines.c.feedetl_sn, fee_lines.c.med_list_codg, fee_lines.c.det_item_fee_sumamt, fee_lines.c.fee_ocur_time,
    fee_lines.c.cnt, fee_lines.c.pric, fee_lines.c.med_chrgitm_type,
)  # fmt: skip
_VISIT_KEYS = tuple(c.key for c in _VISIT_COLUMNS)
_LINE_KEYS = tuple(c.key for c in _LINE_COLUMNS)


# built once: a settlement only binds the values (no statement construction per call)
_HISTORY = Fast(
    select(*_VISIT_COLUMNS, *_LINE_COLUMNS)
    .join(hospitals, hospitals.c.fixmedins_code == visits.c.fixmedins_code)
    .outerjoin(fee_lines, and_(fee_lines.c.mdtrt_id == visits.c.mdtrt_id, fee_lines.c.status == "active"))
    .where(
        visits.c.psn_no == bindparam("psn_no"),
        visits.c.begntime < bindparam("end"),
        visits.c.begntime >= bindparam("reach"),
        visits.c.status != "cancelled",
        or_(visits.c.endtime.is_(None), visits.c.endtime >= bindparam("start")),
        visits.c.mdtrt_id != bindparam("exclude"),
    )
)


def person_history(
    conn: Connection, psn_no: str, day: date, lookback_days: int, exclude: str | None
) -> list[RiskVisit]:
    """The person's visits (not cancelled) that touch ``[day − lookback_days, day]``, with their
    active lines: one query (the person's visits by the ``(psn_no, begntime)`` index, their lines by
    the fee-line key's prefix), only the columns the rules read."""
    start, end = _start_of(day - timedelta(days=lookback_days)), _start_of(day + timedelta(days=1))
    params = {"psn_no": psn_no, "end": end, "reach": start - timedelta(days=OPEN_VISIT_REACH_DAYS), "start": start,
              "exclude": exclude or ""}  # fmt: skip
    found: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    n = len(_VISIT_KEYS)
    for row in _HISTORY.rows(conn, params):
        mdtrt_id = row[0]
        if mdtrt_id not in found:
            found[mdtrt_id] = (dict(zip(_VISIT_KEYS, row[:n], strict=True)), [])
        if row[n] is not None:  # a visit with no active line yet
            found[mdtrt_id][1].append(dict(zip(_LINE_KEYS, row[n:], strict=True)))
    return [risk_visit(v, v["hosp_lv"], v["admdvs"], lines) for v, lines in found.values()]
