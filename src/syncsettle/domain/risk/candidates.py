"""The candidates of each rule kind: the facts a rule's ``when`` decides on, built in Python with
the rule's typed settings (selected items, window, limit) so CEL only sees what could fire.

A candidate is ``(fact, lines, key)``: the fact dict CEL sees (with ``ref`` and the item's
parameters ``p``), the (feedetl_sn, fen) of the bill's lines it concerns, and a key that makes
the finding unique within its rule and visit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from syncsettle.domain.rules.risk import FrequencyRule, ReadmissionRule, RuleBase
from syncsettle.domain.rules.risk_facts import CNT_SCALE, RiskLine, RiskVisit, line_fact
from syncsettle.money import round_fraction

Candidate = tuple[dict[str, Any], tuple[tuple[str, int], ...], str]


def line_candidates(rule: RuleBase, visit: RiskVisit) -> list[Candidate]:
    out: list[Candidate] = []
    for line in visit.lines:
        selected, p = rule.item_params(line.code)
        if selected:
            out.append(({**line_fact(line), "ref": len(out), "p": p}, ((line.sn, line.amount),), line.sn))
    return out


def visit_candidates(visit_fact: dict[str, Any]) -> list[Candidate]:
    return [({**visit_fact, "ref": 0, "p": {}}, (), "")]


def _limit(rule: FrequencyRule, p: Any) -> int:
    if isinstance(p, dict) and isinstance(p.get("limit"), int):
        return int(p["limit"])
    assert rule.limit is not None  # validated: a rule-wide limit or one per item
    return rule.limit


def frequency_candidates(rule: FrequencyRule, visit: RiskVisit, history: Sequence[RiskVisit]) -> list[Candidate]:
    """For each (item, day) of the bill: the person's lines of that item in the window ending that
    day, from visits that began before this one, then the bill's own lines in serial order.
    ``excess_amount`` is the part of this day's bill lines beyond the limit (a line crossing it
    counts pro rata for quantity)."""
    days_of: dict[tuple[str, date], list[RiskLine]] = defaultdict(list)
    for line in visit.lines:
        days_of[(line.code, line.day)].append(line)
    past: dict[str, list[tuple[RiskLine, RiskVisit]]] = defaultdict(list)
    codes = {code for code, _ in days_of}
    for v in history:
        if not v.before(visit):  # a later visit is judged against this one, not the other way round
            continue
        for line in v.lines:
            if line.code in codes:
                past[line.code].append((line, v))
    out: list[Candidate] = []
    for (code, day), own in sorted(days_of.items()):
        selected, p = rule.item_params(code)
        if not selected:
            continue
        start = day - timedelta(days=rule.window_days - 1)
        earlier = [(ln, v) for ln, v in past[code] if start <= ln.day <= day]
        earlier.sort(key=lambda lv: (lv[0].day, lv[1].mdtrt_id, lv[0].sn))
        mine = [ln for ln in visit.lines if ln.code == code and start <= ln.day <= day]
        sequence = [ln for ln, _ in earlier] + mine
        weight = (lambda ln: ln.cnt) if rule.measure == "quantity" else (lambda ln: CNT_SCALE)
        limit = _limit(rule, p) * CNT_SCALE
        total = sum(weight(ln) for ln in sequence)
        if total <= limit:
            continue
        excess: list[tuple[str, int]] = []
        seen = 0
        today = {id(ln) for ln in own}
        for ln in sequence:
            w = weight(ln)
            over = min(w, max(0, seen + w - limit))
            seen += w
            if over and id(ln) in today:
                excess.append((ln.sn, round_fraction(Fraction(ln.amount * over, w))))
        if not excess:
            continue
        fact = {
            "code": code, "name": own[0].name, "type": own[0].type, "day": day.isoformat(),
            "count": len(sequence), "quantity": sum(ln.cnt for ln in sequence) / CNT_SCALE,
            "limit": _limit(rule, p), "amount": sum(ln.amount for ln in sequence),
            "excess_amount": sum(a for _, a in excess),
            "visits": len({v.mdtrt_id for _, v in earlier} | {visit.mdtrt_id}),
            "hospitals": len({v.hospital for _, v in earlier} | {visit.hospital}),
            "ref": len(out), "p": p,
        }  # fmt: skip
        out.append((fact, tuple(excess), f"{code}@{day.isoformat()}"))
    return out


def person_day_candidates(visit: RiskVisit, history: Sequence[RiskVisit]) -> list[Candidate]:
    """Each day of the bill on which the person also has a visit at another hospital."""
    out: list[Candidate] = []
    for day in visit.days():
        others = [v for v in history if day in v.days() or (v.adm_day <= day <= (v.dscg_day or v.adm_day))]
        hospitals = sorted({v.hospital for v in others} | {visit.hospital})
        if len(hospitals) < 2:
            continue
        own = tuple((ln.sn, ln.amount) for ln in visit.lines if ln.day == day)
        fact = {
            "day": day.isoformat(), "visits": len(others) + 1, "hospitals": len(hospitals),
            "hospital_codes": hospitals, "amount": sum(a for _, a in own), "ref": len(out), "p": {},
        }  # fmt: skip
        out.append((fact, own, day.isoformat()))
    return out


def _same_diagnosis(a: Sequence[str], b: Sequence[str]) -> bool:
    """Two diagnosis lists share an ICD-10 category (the first three characters)."""
    return bool({d[:3].upper() for d in a} & {d[:3].upper() for d in b})


def readmission_candidates(rule: ReadmissionRule, visit: RiskVisit, history: Sequence[RiskVisit]) -> list[Candidate]:
    """The latest earlier inpatient discharge within ``window_days`` before this admission."""
    if not visit.inpatient:
        return []
    earlier = [
        v
        for v in history
        if v.inpatient and v.dscg_day is not None and v.dscg_day <= visit.adm_day
        and (visit.adm_day - v.dscg_day).days <= rule.window_days
    ]  # fmt: skip
    if not earlier:
        return []
    prev = max(earlier, key=lambda v: (v.dscg_day or v.adm_day, v.mdtrt_id))
    assert prev.dscg_day is not None
    fact = {
        "days": (visit.adm_day - prev.dscg_day).days, "previous_mdtrt_id": prev.mdtrt_id,
        "previous_hospital": prev.hospital, "same_hospital": prev.hospital == visit.hospital,
        "previous_diagnoses": list(prev.diagnoses), "same_diagnosis": _same_diagnosis(prev.diagnoses, visit.diagnoses),
        "amount": visit.amount, "ref": 0, "p": {},
    }  # fmt: skip
    return [(fact, (), prev.mdtrt_id)]
