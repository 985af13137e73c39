"""Clearing of a closed window: positions (gross and net per payer × hospital, one GROUP BY),
payment instructions (one per non-zero net position) and their SM3 checksum; the window moves
CLOSED → PENDING_SETTLEMENT in the same transaction.

Idempotent: clearing a window that is already PENDING_SETTLEMENT or SETTLED returns the stored
result and writes nothing; a crash half-way leaves the window CLOSED with nothing written.
"""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.db.clearing import clearing as repo
from syncsettle.domain.clearing import instructions as files
from syncsettle.domain.clearing.windows import Status, may_move
from syncsettle.services.admin import stored_rulebook
from syncsettle.services.clearing.windows import existing
from syncsettle.services.clearing.windows import status as window_status
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform


def product_insurers(p: Platform) -> dict[str, str]:
    """Every known product (shipped and loaded into the database) → its insurer."""
    return {pid: product.insurer for pid, product in stored_rulebook(p, p.rules).products.items()}


def run(p: Platform, window_id: str) -> dict[str, Any]:
    now = p.clock.now()
    insurers = product_insurers(p)
    with p.uow() as uow:
        conn = uow.conn
        window = existing(conn, window_id, lock=True)
        state = Status(window["status"])
        if state in (Status.PENDING_SETTLEMENT, Status.SETTLED):
            return window_status(p, window_id=window_id)[0] | {"cleared_now": False}
        if not may_move(state, Status.PENDING_SETTLEMENT):
            raise ServiceError(Code.STATE, f"窗口 {window_id} 状态为 {state}，须先关闭", "window_id")
        repo.add_payers(conn, insurers)
        unknown = repo.unknown_products(conn, window_id)
        if unknown:
            raise ServiceError(Code.RULES, f"未知产品的保险公司：{', '.join(unknown)}", "window_id")
        repo.build_positions(conn, window_id, window["region"])
        repo.build_instructions(conn, window_id)
        lines = repo.instructions(conn, window_id)
        t = files.totals(lines)
        moved = repo.move(
            conn, window_id, Status.CLOSED, Status.PENDING_SETTLEMENT, cleared_at=now, instructions=t.count,
            total_paid=t.paid, total_refunded=t.refunded, checksum=files.checksum(window_id, lines),
        )  # fmt: skip
        if not moved:
            raise ServiceError(Code.CONFLICT, "窗口状态已被并发修改，请重试", None)
        uow.commit()
    return window_status(p, window_id=window_id)[0] | {"cleared_now": True}


def instruction_file(p: Platform, window_id: str, fmt: str) -> str | dict[str, Any]:
    """The window's payment instructions as CSV text or a JSON object (void ones left out)."""
    with p.uow(readonly=True) as uow:
        window = existing(uow.conn, window_id)
        if window["status"] not in (Status.PENDING_SETTLEMENT, Status.SETTLED):
            raise ServiceError(
                Code.STATE, f"窗口 {window_id} 状态为 {window['status']}，没有有效的划拨指令", "window_id"
            )
        lines = repo.instructions(uow.conn, window_id)
    if fmt == "csv":
        return files.to_csv(window_id, lines)
    return files.to_json(window_id, lines)
