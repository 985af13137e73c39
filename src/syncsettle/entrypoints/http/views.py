"""JSON shapes of the commercial centre's records at the API edge: amounts as yuan strings, dates
ISO, timestamps UTC with ``Z``. Personal identifiers never appear here unmasked (the services mask
what they release; filings and audit entries carry none)."""

from __future__ import annotations

from typing import Any

from syncsettle.domain.trust.canonical import instant
from syncsettle.money import format_yuan


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def filing_view(row: dict[str, Any], *, content: bool = False) -> dict[str, Any]:
    out = {
        "filing_id": row["id"], "product_id": row["product_id"], "version": row["version"],
        "insurer_id": row["insurer_id"], "region": row["region"], "status": row["status"], "route": row["route"],
        "granularity": row["granularity"], "premium": format_yuan(int(row["premium"])), "line": row["line"],
        "approved_from": _day(row["approved_from"]), "approved_to": _day(row["approved_to"]),
        "reason": row["reason"], "sha256": row["sha256"], "updated_at": instant(row["updated_at"]),
    }  # fmt: skip
    if content:
        out["content"] = row["content"]
        out["underwriting"] = row["underwriting"]
    if "events" in row:
        out["events"] = [
            {"at": instant(e["at"]), "actor": f"{e['actor_role']}:{e['actor_tenant']}", "from_status": e["from_status"],
             "to_status": e["to_status"], "reason": e["reason"]}
            for e in row["events"]
        ]  # fmt: skip
    return out


def consent_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "consent_id": row["id"], "insurer_id": row["insurer_id"], "purpose": row["purpose"],
        "granularity": row["granularity"], "begndate": _day(row["begndate"]), "enddate": _day(row["enddate"]),
        "granted_at": instant(row["granted_at"]),
        "revoked_at": instant(row["revoked_at"]) if row["revoked_at"] else None,
        "receipt": row["receipt"], "signature": row["signature"],
    }  # fmt: skip


def insurer_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "insurer_id": row["insurer_id"], "name": row["name"], "status": row["status"], "region": row["region"],
        "reason": row["reason"], "admitted_at": instant(row["admitted_at"]) if row["admitted_at"] else None,
        "exited_at": instant(row["exited_at"]) if row["exited_at"] else None,
    }  # fmt: skip
