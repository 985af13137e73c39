"""Who used whose data: audit entries as the person, the insurer and the regulator may read them.

A person sees every entry about them (who, role, purpose, recipient, fields, consent, outcome); an
insurer sees the data it received (and the releases it was refused); a regulator sees the entries about persons
insured in its region (a national regulator and the operator see all). Entries are listed newest
first, ``limit`` at a time, older pages with ``before`` (an entry id).
"""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.db.management import audit_log
from syncsettle.domain.identity import ALL, Principal, Role
from syncsettle.domain.trust.canonical import instant
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management.audit import Action
from syncsettle.services.platform import Platform

MAX_PAGE = 500
RECEIVED = (Action.RELEASE.value, Action.REFUSAL.value, Action.EXPORT.value)


def scope_prefix(scope: str) -> str:
    """The region-code prefix a regulator scope covers (as ``identity.region_covers`` reads it)."""
    if scope.endswith("0000"):
        return scope[:2]
    if scope.endswith("00"):
        return scope[:4]
    return scope


def view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "entry_id": row["id"], "at": instant(row["created_at"]), "actor": f"{row['actor_role']}:{row['actor_tenant']}",
        "credential_id": row["credential_id"], "action": row["action"], "purpose": row["purpose"],
        "recipient": row["recipient"], "psn_no": row["psn_no"], "consent_id": row["consent_id"],
        "granularity": row["granularity"], "record_ids": row["record_ids"], "fields": row["fields"],
        "outcome": row["outcome"], "reason": row["reason"], "position": row["position"],
    }  # fmt: skip


def _scope(actor: Principal) -> dict[str, Any]:
    """What ``actor`` may read, as the repository's filters."""
    if actor.role is Role.INSURED:
        return {"psn_no": actor.tenant}
    if actor.role is Role.INSURER:  # data it received or was refused (not the decisions about its filings)
        return {"recipient": actor.tenant, "actions": RECEIVED}
    if actor.role is Role.OPERATOR or (actor.role is Role.REGULATOR and actor.tenant == ALL):
        return {}
    if actor.role is Role.REGULATOR:
        return {"region_prefix": scope_prefix(actor.tenant)}
    raise ServiceError(Code.FORBIDDEN, "无权查看数据使用记录")


def entries(p: Platform, actor: Principal, *, limit: int = 100, before: int | None = None,
            recipient: str | None = None, purpose: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Entries ``actor`` may read, newest first; optionally only those received by ``recipient``
    (an insurer) or made for ``purpose`` (the console's filters)."""
    scope = _scope(actor)
    if recipient and scope.get("recipient", recipient) != recipient:
        return []  # an insurer filtering by another recipient sees nothing
    filters = {**scope, "recipient": scope.get("recipient") or recipient or None}
    with p.uow(readonly=True) as uow:
        rows = audit_log.entries_where(uow.conn, **filters, purpose=purpose or None, before=before,
                                       limit=max(1, min(limit, MAX_PAGE)))  # fmt: skip
    return [view(r) for r in rows]
