"""Appending to the audit log: every release or read of medical-insurance data, and every refusal.

Call :func:`record` inside the use case's own transaction, so the entry commits with the release it
describes (or not at all). A release that has already happened when it is recorded — data sent to
the commercial side during the transaction — is recorded with ``sent=True``: if the transaction
then rolls back, the entry is written again in a transaction of its own, so no release that took
place is ever missing from the log. It is a plain insert — no global lock on the settlement path; sealing
(position, Merkle leaf, hash chain) and signed checkpoints happen afterwards in the order entries
committed (see the audit sealing service).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection

from syncsettle.adapters.db.management import audit_log
from syncsettle.domain.identity import Principal
from syncsettle.services.unit_of_work import after_rollback


class Action(StrEnum):
    RELEASE = "release"  # data left the medical-insurance domain
    READ = "read"  # a person's data was read inside it (console, API, underwriting)
    REFUSAL = "refusal"  # a release was refused (no consent, not approved, ...)
    EXPORT = "export"  # a file or aggregate left (statement, actuarial release)
    DECISION = "decision"  # a reviewer's or regulator's decision


@dataclass(frozen=True, slots=True)
class Use:
    """What one audit entry says: who (``actor``) did what with whose data, why, under which consent."""

    actor: Principal
    action: Action
    purpose: str
    recipient: str
    record_ids: Sequence[str]
    fields: Sequence[str]
    psn_no: str | None = None
    consent_id: str | None = None
    granularity: str | None = None
    outcome: str = "released"
    reason: str = ""


def record(conn: Connection, at: datetime, use: Use, *, sent: bool = False) -> None:
    """Append one entry (unsealed) in the caller's transaction. ``sent``: the data already left, so
    the entry must outlive a rollback (written again, its reason saying so)."""
    row = {
        "created_at": at,
        "actor_role": use.actor.role.value,
        "actor_tenant": use.actor.tenant,
        "credential_id": use.actor.credential_id,
        "action": use.action.value,
        "purpose": use.purpose,
        "recipient": use.recipient,
        "psn_no": use.psn_no,
        "consent_id": use.consent_id,
        "granularity": use.granularity,
        "record_ids": list(use.record_ids),
        "fields": sorted(use.fields),
        "outcome": use.outcome,
        "reason": use.reason,
    }
    audit_log.add_entry(conn, row)
    if sent:
        survivor = {**row, "reason": f"{use.reason} (sent; the transaction that sent it rolled back)".strip()}

        def again(c: Connection) -> None:
            audit_log.add_entry(c, survivor)

        after_rollback(conn, again)
