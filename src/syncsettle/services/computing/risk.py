"""Risk checks where the bill is (事前 3101, 事中 3102 and at pre-settlement/settlement).

Every rule set in force on the day screens the visit against the person's stored history within
the rule set's look-back. Findings go back to the hospital in the national 3101/3102
``result[]`` shape; at settlement they ride along in the answer under ``risk``, and findings above a product's threshold
(``holds:`` of the rule file) hold that product's commercial leg for review (:class:`Screening`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.computing import risk_history as repo
from syncsettle.adapters.db.settlement import people
from syncsettle.adapters.db.settlement import visits as visit_repo
from syncsettle.adapters.db.settlement.records import Hospital
from syncsettle.domain.risk.screen import Finding, holds_leg, screen
from syncsettle.domain.rules.risk import RiskVersion, Stage
from syncsettle.domain.rules.risk_facts import RiskPerson, RiskVisit
from syncsettle.money import format_yuan
from syncsettle.services.platform import Platform


def render_findings(findings: Sequence[Finding], task_id: str = "") -> list[dict[str, Any]]:
    """The national 3101/3102 ``result[]``: one entry per violation, its lines in ``judge_result_detail``."""
    out = []
    for f in findings:
        entry: dict[str, Any] = {
            "jr_id": f.jr_id, "rule_id": f.rule_id, "rule_name": f.rule_name, "vola_cont": f.vola_cont,
            "patn_id": f.psn_no or "", "psn_no": f.psn_no or "", "mdtrt_id": f.mdtrt_id or "",
            "vola_amt": format_yuan(f.vola_amt), "vola_amt_stas": "1", "sev_deg": f.sev_deg,
            "vola_evid": f.basis, "vola_bhvr_type": f.behaviour, "task_id": task_id,
            "judge_result_detail": [
                {"jrd_id": f"{f.jr_id}-{i + 1}", "patn_id": f.psn_no or "", "mdtrt_id": f.mdtrt_id or "",
                 "rx_id": sn, "feedetl_sn": sn, "vola_item_type": "1", "vola_amt": format_yuan(amount)}
                for i, (sn, amount) in enumerate(f.lines)
            ],
        }  # fmt: skip
        if len(f.lines) == 1:
            entry["feedetl_sn"] = f.lines[0][0]
        out.append(entry)
    return out


def screen_versions(
    p: Platform, conn: Connection, stage: Stage, person: RiskPerson, visit: RiskVisit, day: date,
    extra_history: Sequence[RiskVisit] = (),
) -> list[tuple[RiskVersion, list[Finding]]]:  # fmt: skip
    """Screen one visit with each rule-set version in force on ``day``: (version, its findings)."""
    versions = p.rules.risk_versions_on(day)
    if not versions:
        return []
    lookback = max(v.lookback_days for v in versions)
    stored = repo.person_history(conn, person.psn_no, day, lookback, visit.mdtrt_id)
    given = {v.mdtrt_id for v in extra_history}
    history = [*extra_history, *(v for v in stored if v.mdtrt_id not in given)]
    return [(v, screen(v, stage, person, visit, history, day)) for v in versions]


def screen_facts(
    p: Platform, conn: Connection, stage: Stage, person: RiskPerson, visit: RiskVisit, day: date,
    extra_history: Sequence[RiskVisit] = (), rule_ids: Sequence[str] = (),
) -> list[Finding]:  # fmt: skip
    """Screen one visit with every rule set in force on ``day`` (optionally only ``rule_ids``)."""
    findings = [f for _, found in screen_versions(p, conn, stage, person, visit, day, extra_history) for f in found]
    return [f for f in findings if f.rule_id in rule_ids] if rule_ids else findings


def stored_person(conn: Connection, psn_no: str, insutype: str) -> RiskPerson:
    return person_of(people.person(conn, psn_no), psn_no, insutype)


def person_of(row: dict[str, Any] | None, psn_no: str, insutype: str) -> RiskPerson:
    """The person the rules see, from a ``persons`` row (unknown sex and age without one)."""
    if row is None:
        return RiskPerson(psn_no, "9", None, insutype)
    return RiskPerson(psn_no, row["gend"], row["brdy"], insutype)


def visit_findings(
    p: Platform, conn: Connection, stage: Stage, visit: dict[str, Any], hospital: Hospital, day: date,
    lines: Sequence[dict[str, Any]] | None = None, person_row: dict[str, Any] | None = None,
) -> list[Finding]:  # fmt: skip
    """Screen a stored visit: its given lines (default: every active line), the person from the
    given ``persons`` row (default: read it). Nothing is read when no rule set is in force."""
    if not p.rules.risk_versions_on(day):
        return []
    rows = lines if lines is not None else visit_repo.lines(conn, visit["mdtrt_id"])
    subject = repo.risk_visit(visit, hospital.hosp_lv, hospital.admdvs, rows)
    row = person_row if person_row is not None else people.person(conn, visit["psn_no"])
    return screen_facts(p, conn, stage, person_of(row, visit["psn_no"], visit["insutype"]), subject, day)


@dataclass(frozen=True)
class Screening:
    """The 事中 findings on the lines being (pre-)settled, per rule-set version in force (each version
    carries its own hold thresholds)."""

    by_version: tuple[tuple[RiskVersion, tuple[Finding, ...]], ...] = ()

    @property
    def findings(self) -> list[Finding]:
        return [f for _, found in self.by_version for f in found]

    def holds(self, product_id: str) -> bool:
        """Whether these findings hold ``product_id``'s commercial leg for review (a threshold of
        some version in force is reached by that version's findings). Never the basic leg."""
        return any(holds_leg(found, product_id, version.holds) for version, found in self.by_version)


def settlement_screening(p: Platform, conn: Connection, vi: Any, day: date) -> Screening:
    """Screen a (pre-)settlement's lines before its commercial legs take their turn. ``vi`` is the
    settlement's ``VisitInputs`` (its visit, lines and person row are already loaded, so the check costs
    one query — the person's recent visits — and the rules' evaluation; nothing when no rule set is in force)."""
    if not p.rules.risk_versions_on(day):
        return Screening()
    subject = repo.risk_visit(vi.visit, vi.bill.hospital_level, vi.bill.treatment_region, vi.lines)
    person = person_of(vi.person_row, vi.visit["psn_no"], vi.visit["insutype"])  # already loaded: no read
    found = screen_versions(p, conn, "during", person, subject, day)
    return Screening(tuple((version, tuple(findings)) for version, findings in found))


def attach_findings(output: dict[str, Any], screening: Screening) -> dict[str, Any]:
    """Add the 事中 findings to a 2206/2207/2303/2304 answer as ``risk`` (the national 3102
    ``result[]`` shape)."""
    output["risk"] = render_findings(screening.findings)
    return output
