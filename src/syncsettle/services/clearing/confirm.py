"""Confirmation of payments: each confirmed instruction books its transfer journal (one ledger
each: fund → hospital in ``medical``, insurer → hospital in ``commercial``); when every instruction
of a window is confirmed the window is SETTLED and the prefunding reservations of its legs are
released. Confirming an instruction twice changes nothing.
"""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.db.clearing import clearing as repo
from syncsettle.adapters.db.clearing import prefunding
from syncsettle.adapters.db.settlement import ledger as ledger_repo
from syncsettle.domain.clearing.transfers import transfer_journal
from syncsettle.domain.clearing.windows import Status
from syncsettle.services.clearing.windows import existing
from syncsettle.services.clearing.windows import status as window_status
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform


def confirm(p: Platform, window_id: str, actor: str, bank_ref: str, seqs: list[int] | None = None) -> dict[str, Any]:
    """Confirm the given instructions (default: all still issued) of a PENDING_SETTLEMENT window."""
    if not actor or not bank_ref:
        raise ServiceError(Code.FIELD, "确认划拨须注明操作人和银行流水号", "bank_ref")
    now = p.clock.now()
    with p.uow() as uow:
        conn = uow.conn
        window = existing(conn, window_id, lock=True)
        if window["status"] == Status.SETTLED:
            return window_status(p, window_id=window_id)[0] | {"confirmed_now": 0}
        if window["status"] != Status.PENDING_SETTLEMENT:
            raise ServiceError(Code.STATE, f"窗口 {window_id} 状态为 {window['status']}，不能确认划拨", "window_id")
        rows = repo.instruction_rows(conn, window_id)
        known = {int(r["seq"]) for r in rows}
        wanted = set(seqs) if seqs is not None else known
        if wanted - known:
            raise ServiceError(Code.NOT_FOUND, f"窗口 {window_id} 没有划拨指令 {sorted(wanted - known)}", "seq")
        funded = prefunding.prefunded(conn)
        confirmed = 0
        for row in rows:  # instructions are aggregates (payers × hospitals), not settlements
            seq = int(row["seq"])
            if seq not in wanted or not repo.confirm_instruction(conn, window_id, seq, now, actor, bank_ref):
                continue
            insurer = row["payer"].removeprefix("insurer:") if row["payer"].startswith("insurer:") else None
            from_reserve = insurer in funded
            journal = transfer_journal(window_id, seq, row["payer"], row["hospital"], int(row["amount"]), from_reserve)
            ledger_repo.book(conn, journal, now)
            if from_reserve and insurer is not None:
                prefunding.add_to_reserve(conn, insurer, -int(row["amount"]), now)
            confirmed += 1
        if not repo.count_by_status(conn, window_id).get("issued"):
            prefunding.release_window(conn, window_id, now)
            if not repo.move(conn, window_id, Status.PENDING_SETTLEMENT, Status.SETTLED, settled_at=now):
                raise ServiceError(Code.CONFLICT, "窗口状态已被并发修改，请重试", None)
        uow.commit()
    return window_status(p, window_id=window_id)[0] | {"confirmed_now": confirmed}
