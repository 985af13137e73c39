"""Frozen facts the risk rules read: the person, the visit under review with its lines, and the
person's other visits (history). Adapters build them from the national messages or stored rows.

Amounts are integer fen. ``cnt`` is scaled by 10**4 and ``pric`` by 10**6 as in the national
interface; CEL sees ``cnt`` as a double (a quantity, never money), ``cnt4`` as the scaled integer
(for integer arithmetic on amounts) and ``pric`` as fen rounded half-up (a cap compares in whole fen).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from syncsettle.domain.codes import INPATIENT_MED_TYPES
from syncsettle.money import round_half_up

CNT_SCALE = 10**4
PRIC_TO_FEN = 10**4  # pric is 10**-6 yuan; one fen is 10**4 of those


@dataclass(frozen=True, slots=True)
class RiskLine:
    """One fee line: serial, national code, name, charge type, quantity, price, amount, day."""

    sn: str
    code: str
    amount: int
    day: date
    cnt: int = CNT_SCALE
    pric: int = 0
    name: str = ""
    type: str = ""


@dataclass(frozen=True, slots=True)
class RiskVisit:
    """One visit (就诊): where, what care, when, diagnoses (ICD-10) and lines."""

    mdtrt_id: str
    hospital: str
    hospital_level: str
    region: str
    med_type: str
    adm_day: date
    dscg_day: date | None
    diagnoses: tuple[str, ...]
    lines: tuple[RiskLine, ...]
    seq: str = ""  # when the visit began (ISO time) — orders visits of one day; "" = unknown

    def before(self, other: RiskVisit) -> bool:
        """Whether this visit began before ``other`` (unknown times on the same day count as before)."""
        if self.adm_day != other.adm_day or not (self.seq and other.seq):
            return self.adm_day <= other.adm_day
        return (self.seq, self.mdtrt_id) < (other.seq, other.mdtrt_id)

    @property
    def inpatient(self) -> bool:
        return self.med_type in INPATIENT_MED_TYPES

    @property
    def amount(self) -> int:
        return sum(line.amount for line in self.lines)

    def los_days(self, today: date) -> int:
        """Length of stay in days (discharge − admission; still in hospital: today − admission; ≥ 1)."""
        end = self.dscg_day or today
        return max(1, (end - self.adm_day).days)

    def days(self) -> list[date]:
        """The days the bill covers: every line's day, or the admission day when there is no line."""
        return sorted({line.day for line in self.lines} or {self.adm_day})


@dataclass(frozen=True, slots=True)
class RiskPerson:
    psn_no: str
    gend: str
    brdy: date | None
    insutype: str = ""

    def age_on(self, day: date) -> int:
        """Age in completed years on ``day`` (−1 when the birth date is unknown)."""
        if self.brdy is None:
            return -1
        before_birthday = (day.month, day.day) < (self.brdy.month, self.brdy.day)
        return day.year - self.brdy.year - (1 if before_birthday else 0)


def line_fact(line: RiskLine) -> dict[str, Any]:
    return {
        "sn": line.sn,
        "code": line.code,
        "name": line.name,
        "type": line.type,
        "cnt": line.cnt / CNT_SCALE,
        "cnt4": line.cnt,
        "pric": round_half_up(line.pric, PRIC_TO_FEN),
        "amount": line.amount,
        "day": line.day.isoformat(),
    }


def visit_fact(visit: RiskVisit, today: date) -> dict[str, Any]:
    return {
        "mdtrt_id": visit.mdtrt_id,
        "hospital": visit.hospital,
        "hospital_level": visit.hospital_level,
        "region": visit.region,
        "med_type": visit.med_type,
        "inpatient": visit.inpatient,
        "diagnoses": list(visit.diagnoses),
        "main_diagnosis": visit.diagnoses[0] if visit.diagnoses else "",
        "adm_day": visit.adm_day.isoformat(),
        "los_days": visit.los_days(today),
        "amount": visit.amount,
        "lines": len(visit.lines),
    }


def person_fact(person: RiskPerson, day: date) -> dict[str, Any]:
    return {"psn_no": person.psn_no, "gend": person.gend, "age": person.age_on(day), "insutype": person.insutype}


# A sample of every kind's facts: rule files are dry-run against these at load, so a misspelt
# field or an expression of the wrong type is refused before any bill is checked.
SAMPLE_DAY = date(2025, 1, 15)
SAMPLE_LINE = RiskLine("1", "XJ01CR-0002", 17300, SAMPLE_DAY, 2 * CNT_SCALE, 86_500_000, "药品", "09")
SAMPLE_VISIT = RiskVisit("M1", "H1", "3", "370600", "21", date(2025, 1, 10), SAMPLE_DAY, ("I63.9",), (SAMPLE_LINE,))
SAMPLE_PERSON = RiskPerson("P1", "1", date(1980, 1, 1), "390")
SAMPLES: dict[str, dict[str, Any]] = {
    "line": line_fact(SAMPLE_LINE),
    "visit": visit_fact(SAMPLE_VISIT, SAMPLE_DAY),
    "person": person_fact(SAMPLE_PERSON, SAMPLE_DAY),
    "item": {
        "code": "XJ01CR-0002", "name": "药品", "type": "09", "day": "2025-01-15", "count": 2, "quantity": 4.0,
        "limit": 1, "amount": 34600, "excess_amount": 17300, "visits": 2, "hospitals": 1,
    },
    "day": {"day": "2025-01-15", "visits": 2, "hospitals": 2, "hospital_codes": ["H1", "H2"], "amount": 17300},
    "readmission": {
        "days": 3, "previous_mdtrt_id": "M0", "previous_hospital": "H1", "same_hospital": True,
        "previous_diagnoses": ["I63.9"], "same_diagnosis": True, "amount": 17300,
    },
    "hospital": {
        "code": "H1", "level": "3", "lines": 100, "high_cost_lines": 30, "share": 0.3, "amount": 1_000_000,
        "high_cost_amount": 600_000, "excess_amount": 200_000, "z": 2.5,
    },
    "peers": {"hospitals": 5, "mean_share": 0.1, "sd_share": 0.08},
}  # fmt: skip


def sample_context(kind: str, var: str, params: Any, p: Any) -> dict[str, Any]:
    """What a rule's text template may name: its candidate, the shared facts and ``params``."""
    if kind == "hospital_share":
        return {var: {**SAMPLES[var], "p": p}, "peers": SAMPLES["peers"], "params": params}
    return {var: {**SAMPLES[var], "p": p}, "visit": SAMPLES["visit"], "person": SAMPLES["person"], "params": params}
