"""Tracked discrepancies: recorded by reconciliations, moved through open → investigating →
resolved / written off by a named person with a reason (every move is kept as an event)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.clearing import discrepancies as repo
from syncsettle.domain.clearing import discrepancies as workflow
from syncsettle.domain.clearing.reconciliation import Finding, mismatches
from syncsettle.money import format_yuan
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform


def record_findings(conn: Connection, source: str, party: str, scope: str, findings: Sequence[Finding],
                    now: datetime) -> int:  # fmt: skip
    """Open a discrepancy for every finding that is not a match (idempotent). Returns how many differ."""
    rows = []
    for f in mismatches(findings):
        setl_id, _, item = f.key.partition("/")
        rows.append(
            {"source": source, "party": party, "scope": scope, "setl_id": setl_id, "item": item, "reason": f.reason,
             "ours": f.ours, "theirs": f.theirs, "detail": f.detail, "status": workflow.OPEN, "opened_at": now,
             "updated_at": now},
        )  # fmt: skip
    repo.record(conn, rows)
    return len(rows)


def listing(p: Platform, *, source: str | None = None, party: str | None = None, scope: str | None = None,
            status: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    if status is not None and status not in workflow.STATUSES:
        raise ServiceError(Code.FIELD, f"状态须为 {', '.join(workflow.STATUSES)}", "status")
    with p.uow(readonly=True) as uow:
        return [_public(r) for r in repo.find(uow.conn, source, party, scope, status)]


def move(p: Platform, discrepancy_id: int, target: str, actor: str, reason: str) -> dict[str, Any]:
    """Move a discrepancy to ``target``, recording who and why."""
    if not actor.strip() or not reason.strip():
        raise ServiceError(Code.FIELD, "须注明处理人和原因", "reason")
    if target not in workflow.STATUSES:
        raise ServiceError(Code.FIELD, f"状态须为 {', '.join(workflow.STATUSES)}", "status")
    now = p.clock.now()
    with p.uow() as uow:
        row = repo.get(uow.conn, discrepancy_id)
        if row is None:
            raise ServiceError(Code.NOT_FOUND, f"差异 {discrepancy_id} 不存在", "id")
        if not workflow.may_move(row["status"], target):
            raise ServiceError(Code.STATE, f"差异 {discrepancy_id} 状态为 {row['status']}，不能转为 {target}", "status")
        if not repo.move(uow.conn, discrepancy_id, row["status"], target, actor, reason, now):
            raise ServiceError(Code.CONFLICT, "差异状态已被并发修改，请重试", None)
        uow.commit()
    return show(p, discrepancy_id)


def show(p: Platform, discrepancy_id: int) -> dict[str, Any]:
    with p.uow(readonly=True) as uow:
        row = repo.get(uow.conn, discrepancy_id)
        if row is None:
            raise ServiceError(Code.NOT_FOUND, f"差异 {discrepancy_id} 不存在", "id")
        history = repo.events(uow.conn, discrepancy_id)
    return _public(row) | {
        "history": [
            {"from": e["from_status"], "to": e["to_status"], "by": e["actor"], "why": e["reason"],
             "at": e["at"].isoformat()}
            for e in history
        ]
    }  # fmt: skip


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "source": row["source"], "party": row["party"], "scope": row["scope"],
        "setl_id": row["setl_id"], "item": row["item"], "reason": row["reason"], "detail": row["detail"],
        "ours": _yuan(row["ours"]), "theirs": _yuan(row["theirs"]), "status": row["status"],
        "opened_at": row["opened_at"].isoformat(), "updated_at": row["updated_at"].isoformat(),
    }  # fmt: skip


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else format_yuan(int(fen))
