"""Screen one bill (or, for hospital-level rules, a period's hospitals) with a rule-set version.

Pure: the caller gives the facts (person, visit, the person's history within the version's
``lookback_days``, the day) and gets findings back. A finding carries what the national 3101/3102
``result[]`` needs: rule id and name, severity, the amount in question (fen), the text, the
person, the visit and the lines concerned.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from syncsettle.domain.risk.candidates import (
    Candidate,
    frequency_candidates,
    line_candidates,
    person_day_candidates,
    readmission_candidates,
    visit_candidates,
)
from syncsettle.domain.rules.risk import (
    FrequencyRule,
    HoldThreshold,
    HospitalShareRule,
    LineRule,
    PersonDayRule,
    ReadmissionRule,
    RiskVersion,
    RuleBase,
    Stage,
    VisitRule,
)
from syncsettle.domain.rules.risk_expressions import render_text
from syncsettle.domain.rules.risk_facts import RiskPerson, RiskVisit, person_fact, visit_fact
from syncsettle.money import round_fraction


@dataclass(frozen=True, slots=True)
class Finding:
    """One violation (违规): a rule that fired on a visit (or a hospital), with the amount in question."""

    rule_id: str
    rule_name: str
    sev_deg: str
    behaviour: str
    basis: str
    vola_amt: int
    vola_cont: str
    psn_no: str | None
    mdtrt_id: str | None
    hospital: str | None
    lines: tuple[tuple[str, int], ...]
    key: str

    @property
    def jr_id(self) -> str:
        """A stable id of the finding (the same bill and rule give the same id on every run)."""
        text = "|".join((self.rule_id, self.mdtrt_id or "", self.hospital or "", self.key))
        return hashlib.sha256(text.encode()).hexdigest()[:24].upper()


@dataclass(frozen=True, slots=True)
class HospitalStats:
    """A hospital's lines in a period: how many, how many at or above the high-cost threshold, and their fen."""

    code: str
    level: str
    lines: int
    high_cost_lines: int
    amount: int
    high_cost_amount: int


def _candidates(rule: RuleBase, visit: RiskVisit, history: Sequence[RiskVisit], vfact: dict[str, Any]) -> list[Any]:
    if isinstance(rule, LineRule):
        return line_candidates(rule, visit)
    if isinstance(rule, VisitRule):
        return visit_candidates(vfact)
    if isinstance(rule, FrequencyRule):
        return frequency_candidates(rule, visit, history)
    if isinstance(rule, PersonDayRule):
        return person_day_candidates(visit, history)
    if isinstance(rule, ReadmissionRule):
        return readmission_candidates(rule, visit, history)
    return []  # hospital-level rules run in the batch scan only


def _fire(
    rule: RuleBase, candidates: list[Candidate], shared: dict[str, Any], who: tuple[str | None, str | None, str | None]
) -> Iterable[Finding]:
    program = rule.program
    for ref, amount in program.run([c[0] for c in candidates], shared):
        fact, lines, key = candidates[ref]
        text = render_text(rule.text, {**shared, program.var: fact})
        psn_no, mdtrt_id, hospital = who
        hospital = hospital if hospital is not None else str(fact["code"])  # a hospital-level finding
        yield Finding(
            rule.id, rule.name, rule.sev_deg, rule.behaviour, rule.basis, amount, text, psn_no, mdtrt_id, hospital,
            lines, key,
        )  # fmt: skip


def screen(
    version: RiskVersion,
    stage: Stage,
    person: RiskPerson,
    visit: RiskVisit,
    history: Sequence[RiskVisit],
    today: date,
) -> list[Finding]:
    """Every finding of the version's rules for ``stage`` on one visit, in rule order."""
    history = [v for v in history if v.mdtrt_id != visit.mdtrt_id]
    vfact = visit_fact(visit, today)
    shared = {"visit": vfact, "person": person_fact(person, visit.adm_day), "params": {}}
    findings: list[Finding] = []
    for rule in version.rules:
        if stage not in rule.stages or isinstance(rule, HospitalShareRule):
            continue
        candidates = _candidates(rule, visit, history, vfact)
        if candidates:
            shared["params"] = rule.params
            findings.extend(_fire(rule, candidates, shared, (person.psn_no, visit.mdtrt_id, visit.hospital)))
    return findings


def hospital_findings(rule: HospitalShareRule, stats: Sequence[HospitalStats]) -> list[Finding]:
    """Each hospital's share of high-cost lines against the hospitals of its level with at least
    ``min_lines`` lines. ``excess_amount`` = high-cost fen − (peer mean share × the hospital's fen),
    rounded half-up, at least 0; ``z`` = (share − mean) / standard deviation (0 when peers agree)."""
    groups: dict[str, list[HospitalStats]] = defaultdict(list)
    for s in stats:
        if s.lines >= rule.min_lines:
            groups[s.level].append(s)
    findings: list[Finding] = []
    for level in sorted(groups):
        members = groups[level]
        shares = [Fraction(s.high_cost_lines, s.lines) for s in members]
        mean = sum(shares, Fraction(0)) / len(shares)
        sd = statistics.pstdev([float(x) for x in shares]) if len(shares) > 1 else 0.0
        peers = {"hospitals": len(members), "mean_share": float(mean), "sd_share": sd}
        candidates: list[Candidate] = []
        for s, share in zip(members, shares, strict=True):
            fact = {
                "code": s.code, "level": s.level, "lines": s.lines, "high_cost_lines": s.high_cost_lines,
                "share": float(share), "amount": s.amount, "high_cost_amount": s.high_cost_amount,
                "excess_amount": max(0, s.high_cost_amount - round_fraction(mean * s.amount)),
                "z": float((share - mean) / Fraction(sd)) if sd else 0.0, "ref": len(candidates), "p": {},
            }  # fmt: skip
            candidates.append((fact, (), s.code))
        shared = {"peers": peers, "params": rule.params}
        findings.extend(_fire(rule, candidates, shared, (None, None, None)))
    return findings


def holds_leg(findings: Sequence[Finding], product_id: str, holds: dict[str, HoldThreshold]) -> bool:
    """Phase 2 hook: whether these findings hold ``product_id``'s commercial leg for review — the
    findings at or above the product's severity (``"1"`` is the most severe) add up to at least its
    ``min_vola_amt``. A product with no threshold (and no ``default``) is never held."""
    threshold = holds.get(product_id) or holds.get("default")
    if threshold is None:
        return False
    serious = [f for f in findings if f.sev_deg <= threshold.max_sev_deg]
    return bool(serious) and sum(f.vola_amt for f in serious) >= threshold.min_vola_amt
