"""The batch scan (事后): every settlement settled in a period through the ``post`` rules, and the
period's hospitals through the hospital-level rules; findings become ``risk_flags`` for review
(idempotent on ``jr_id``: scanning a period twice flags nothing new). One transaction per batch of
settlements, so a long scan shows progress and a failure keeps what was flagged before it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from syncsettle.adapters.db.computing import scan_queries as q
from syncsettle.adapters.db.settlement import people
from syncsettle.adapters.db.settlement import visits as visit_repo
from syncsettle.domain.risk.screen import Finding, hospital_findings
from syncsettle.domain.rules.risk import HospitalShareRule
from syncsettle.services.computing.risk import visit_findings
from syncsettle.services.platform import Platform

BATCH = 200


def _row(f: Finding, scan_id: str, rule_set: tuple[str, int], setl_id: str | None, span: tuple[date, date],
         now: Any) -> dict[str, Any]:  # fmt: skip
    jr_id = f.jr_id if setl_id else hashlib.sha256(f"{f.jr_id}|{span[0]}|{span[1]}".encode()).hexdigest()[:24].upper()
    return {
        "jr_id": jr_id, "scan_id": scan_id, "rule_set": rule_set[0], "rule_version": rule_set[1],
        "rule_id": f.rule_id, "rule_name": f.rule_name, "sev_deg": f.sev_deg, "psn_no": f.psn_no,
        "mdtrt_id": f.mdtrt_id, "setl_id": setl_id, "fixmedins_code": f.hospital, "vola_amt": f.vola_amt,
        "vola_cont": f.vola_cont, "lines": [list(x) for x in f.lines], "status": "open",
        "period_from": span[0], "period_to": span[1], "flagged_at": now,
    }  # fmt: skip


def scan(
    p: Platform, day_from: date, day_to: date, progress: Callable[[float], None] = lambda _: None
) -> dict[str, Any]:
    """Flag the period's settlements and hospitals; returns counts by rule."""
    scan_id = f"SC{uuid.uuid4().hex[:24].upper()}"
    span = (day_from, day_to)
    with p.uow(readonly=True) as uow:
        todo = q.settled_in(uow.conn, span)
    counts: dict[str, int] = {}
    in_force = [(k, v.version) for k in sorted(p.rules.risk) if (v := p.rules.risk[k].version_on(day_to))]
    rule_set = (",".join(k for k, _ in in_force)[:80], max((n for _, n in in_force), default=0))
    for start in range(0, len(todo), BATCH):
        with p.uow() as uow:
            conn, rows = uow.conn, []
            for s in todo[start : start + BATCH]:
                visit = visit_repo.visit(conn, s["mdtrt_id"])
                hospital = people.hospital(conn, visit["fixmedins_code"]) if visit else None
                if visit is None or hospital is None:
                    continue
                lines = [r for r in visit_repo.lines(conn, s["mdtrt_id"]) if r["setl_id"] == s["setl_id"]]
                for f in visit_findings(p, conn, "post", visit, hospital, s["setl_date"], lines):
                    rows.append(_row(f, scan_id, rule_set, s["setl_id"], span, p.clock.now()))
                    counts[f.rule_id] = counts.get(f.rule_id, 0) + 1
            q.add_flags(conn, rows)
            uow.commit()
        progress(min(1.0, (start + BATCH) / max(1, len(todo))) * 0.9)
    with p.uow() as uow:
        rows = []
        for version in p.rules.risk_versions_on(day_to):
            for rule in version.rules:
                if isinstance(rule, HospitalShareRule):
                    for f in hospital_findings(rule, q.hospital_stats(uow.conn, span, rule.high_cost_line)):
                        rows.append(_row(f, scan_id, rule_set, None, span, p.clock.now()))
                        counts[f.rule_id] = counts.get(f.rule_id, 0) + 1
        q.add_flags(uow.conn, rows)
        uow.commit()
    progress(1.0)
    return {"scan_id": scan_id, "settlements": len(todo), "flags": sum(counts.values()), "by_rule": counts}
