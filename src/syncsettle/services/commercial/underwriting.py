"""Underwriting inside the medical-insurance domain: the filing's rule (or the shipped default) is
evaluated against the person's settled visits, and only the class goes to the insurer.

Both sides of that are audited: the read of the person's diagnoses (inside the domain, for
underwriting) and the release of the one field ``underwriting_class`` to the insurer, under the
person's underwriting consent.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.commercial import enrollments as repo
from syncsettle.adapters.underwriting_rules import default_rule, parse_underwriting_rule
from syncsettle.domain.commercial.underwriting import UnderwritingClass, UnderwritingRule, classify, years_before
from syncsettle.domain.commercial.vocabulary import Granularity, Purpose
from syncsettle.domain.identity import Principal
from syncsettle.services.management.audit import Action, Use, record

IN_DOMAIN = "medical-insurance:underwriting"


def rule_of(filing_row: dict[str, Any]) -> UnderwritingRule:
    raw = filing_row.get("underwriting")
    return default_rule() if raw is None else parse_underwriting_rule(raw, f"filing {filing_row['id']}.underwriting")


def underwrite(
    conn: Connection, at: datetime, actor: Principal, psn_no: str, filing_row: dict[str, Any], day: date,
    consent_id: str,
) -> UnderwritingClass:  # fmt: skip
    """The person's class for the filing's product on ``day``; audits the read and the release."""
    rule = rule_of(filing_row)
    history = repo.diagnosis_history(conn, psn_no, years_before(day, rule.lookback_years))
    result = classify(rule, history, day)
    ref = [f"filing:{filing_row['id']}"]
    record(
        conn,
        at,
        Use(
            actor,
            Action.READ,
            Purpose.UNDERWRITING.value,
            IN_DOMAIN,
            ref,
            ["diagnoses", "setl_date"],
            psn_no=psn_no,
            consent_id=consent_id,
            reason=f"rule {rule.id}: {len(history)} diagnoses",
        ),
    )
    record(conn, at, Use(actor, Action.RELEASE, Purpose.UNDERWRITING.value, filing_row["insurer_id"], ref,
                         ["underwriting_class"], psn_no=psn_no, consent_id=consent_id,
                         granularity=Granularity.RESULT.value))  # fmt: skip
    return result
