"""Stored visits as risk facts: a person's recent visits with their active fee lines (two indexed
queries), and one visit's rows turned into :class:`RiskVisit`. They never commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from syncsettle.adapters.clock import CHINA, business_date
from syncsettle.adapters.db.schema import fee_lines, hospitals, visits
from syncsettle.domain.risk.facts import RiskLine, RiskVisit

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


def risk_visit(visit: dict[str, Any], hospital: dict[str, Any], lines: Sequence[dict[str, Any]]) -> RiskVisit:
    adm = business_date(visit["begntime"])
    end = visit.get("endtime")
    dscg = business_date(end) if end is not None and visit["status"] == "discharged" else None
    return RiskVisit(
        mdtrt_id=visit["mdtrt_id"],
        hospital=visit["fixmedins_code"],
        hospital_level=hospital["hosp_lv"],
        region=hospital["admdvs"],
        med_type=visit["med_type"],
        adm_day=adm,
        dscg_day=dscg,
        diagnoses=tuple(visit.get("diagnoses") or ()),
        lines=tuple(risk_line(r, adm) for r in lines),
        seq=visit["begntime"].isoformat(),
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA)


def person_history(
    conn: Connection, psn_no: str, day: date, lookback_days: int, exclude: str | None
) -> list[RiskVisit]:
    """The person's visits (not cancelled) that touch ``[day − lookback_days, day]``, with their active lines."""
    start, end = _start_of(day - timedelta(days=lookback_days)), _start_of(day + timedelta(days=1))
    stmt = (
        select(visits, hospitals.c.hosp_lv, hospitals.c.admdvs)
        .join(hospitals, hospitals.c.fixmedins_code == visits.c.fixmedins_code)
        .where(
            and_(
                visits.c.psn_no == psn_no,
                visits.c.begntime < end,
                visits.c.begntime >= start - timedelta(days=OPEN_VISIT_REACH_DAYS),
                visits.c.status != "cancelled",
                or_(visits.c.endtime.is_(None), visits.c.endtime >= start),
            )
        )
    )
    rows = [dict(r) for r in conn.execute(stmt).mappings() if r["mdtrt_id"] != exclude]
    if not rows:
        return []
    by_visit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    line_stmt = select(fee_lines).where(
        and_(fee_lines.c.mdtrt_id.in_([r["mdtrt_id"] for r in rows]), fee_lines.c.status == "active")
    )
    for line in conn.execute(line_stmt).mappings():
        by_visit[line["mdtrt_id"]].append(dict(line))
    return [risk_visit(r, r, by_visit[r["mdtrt_id"]]) for r in rows]
