"""Settlement windows: schedules, closing (assigning settlements set-based), aborting, status.

Closing never touches the settle path: it assigns, in one statement, every unassigned settlement
and reversal of the region timed before the window's cut-off. A window closes only ``close_delay``
after its cut-off; an earlier window of the region still OPEN must close first. Re-closing a closed
window changes nothing. Aborting (before any payment is confirmed) voids its instructions and frees
its items, which the next window to close takes over.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.clearing import clearing as repo
from syncsettle.domain.clearing.windows import Period, Schedule, Status, closable_at, may_move, period_of
from syncsettle.money import format_yuan
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform


def set_schedule(p: Platform, region: str, period_days: int, close_delay_s: int) -> Schedule:
    """Configure a region's windows (``*`` = the default for every region). Existing windows keep
    their periods; new ones follow the new schedule."""
    if region != "*" and (len(region) != 6 or not region.isdigit()):
        raise ServiceError(Code.FIELD, "统筹区须为6位数字或 *", "region")
    try:
        value = Schedule(period_days, close_delay_s)
    except ValueError as exc:
        raise ServiceError(Code.FIELD, str(exc), "schedule") from None
    with p.uow() as uow:
        repo.set_schedule(uow.conn, region, value, p.clock.now())
        uow.commit()
    return value


def open_window(conn: Any, region: str, day: date, now: Any) -> dict[str, Any]:
    found = repo.window_covering(conn, region, day)
    if found is not None:
        return found
    sched = repo.schedule(conn, region)
    period: Period = period_of(region, day, sched, repo.latest_end_before(conn, region, day))
    repo.add_window(
        conn,
        {"window_id": period.window_id, "region": region, "period_begin": period.begin, "period_end": period.end,
         "cutoff": period.cutoff, "close_delay_s": sched.close_delay_s, "status": Status.OPEN.value, "items": 0,
         "instructions": 0, "total_paid": 0, "total_refunded": 0, "opened_at": now},
    )  # fmt: skip
    window = repo.window(conn, period.window_id)
    assert window is not None
    return window


def existing(conn: Any, window_id: str, *, lock: bool = False) -> dict[str, Any]:
    """The window (locked for this transaction when asked), or a NOT_FOUND rejection."""
    window = repo.window(conn, window_id, lock=lock)
    if window is None:
        raise ServiceError(Code.NOT_FOUND, f"窗口 {window_id} 不存在", "window_id")
    return window


def default_day(p: Platform, region: str) -> date:
    """The business day whose window is due: yesterday, counted from ``now − close delay``."""
    with p.uow(readonly=True) as uow:
        delay = repo.schedule(uow.conn, region).close_delay_s
    return business_date(p.clock.now() - timedelta(seconds=delay)) - timedelta(days=1)


def close(p: Platform, region: str, day: date | None = None) -> dict[str, Any]:
    """Close the region's window covering business date ``day`` (default: the one due now)."""
    now = p.clock.now()
    day = day or default_day(p, region)
    with p.uow() as uow:
        conn = uow.conn
        window = existing(conn, open_window(conn, region, day, now)["window_id"], lock=True)  # one closer at a time
        if window["status"] != Status.OPEN:
            return _summary(window, assigned=0)  # already closed: closing again changes nothing
        due = closable_at(window["cutoff"], window["close_delay_s"])
        if now < due:
            raise ServiceError(Code.STATE, f"窗口 {window['window_id']} 须在 {due.isoformat()} 之后关闭", "date")
        earlier = repo.earlier_open(conn, region, window["period_begin"])
        if earlier:
            raise ServiceError(Code.STATE, f"须先关闭更早的窗口 {earlier}", "date")
        assigned = repo.assign(conn, window["window_id"], region, window["cutoff"])
        if not repo.move(conn, window["window_id"], Status.OPEN, Status.CLOSED, items=assigned, closed_at=now):
            raise ServiceError(Code.CONFLICT, "窗口状态已被并发修改，请重试", None)
        uow.commit()
        closed = dict(window, status=Status.CLOSED.value, items=assigned, closed_at=now)
    return _summary(closed, assigned=assigned)


def abort(p: Platform, window_id: str, actor: str, reason: str) -> dict[str, Any]:
    """Abort a closed or pending window whose payments are not confirmed; its items roll over."""
    if not actor or not reason:
        raise ServiceError(Code.FIELD, "中止窗口须注明操作人和原因", "reason")
    now = p.clock.now()
    with p.uow() as uow:
        conn = uow.conn
        window = existing(conn, window_id, lock=True)
        status = Status(window["status"])
        if not may_move(status, Status.ABORTED):
            raise ServiceError(Code.STATE, f"窗口 {window_id} 状态为 {status}，不能中止", "window_id")
        if repo.count_by_status(conn, window_id).get("confirmed"):
            raise ServiceError(Code.STATE, f"窗口 {window_id} 已有确认的划拨，不能中止", "window_id")
        repo.void_instructions(conn, window_id)
        freed = repo.unassign(conn, window_id)
        if not repo.move(conn, window_id, status, Status.ABORTED, aborted_at=now, aborted_by=actor,
                         aborted_reason=reason):  # fmt: skip
            raise ServiceError(Code.CONFLICT, "窗口状态已被并发修改，请重试", None)
        uow.commit()
        done = dict(window, status=Status.ABORTED.value, aborted_at=now)
    return _summary(done, assigned=-freed)


def status(p: Platform, region: str | None = None, window_id: str | None = None) -> list[dict[str, Any]]:
    with p.uow(readonly=True) as uow:
        rows = [existing(uow.conn, window_id)] if window_id else repo.windows(uow.conn, region)
        out = []
        for row in rows:
            summary = _summary(row)
            summary["instructions_by_status"] = repo.count_by_status(uow.conn, row["window_id"])
            out.append(summary)
        return out


def _summary(window: dict[str, Any], assigned: int | None = None) -> dict[str, Any]:
    out = {
        "window_id": window["window_id"],
        "region": window["region"],
        "period": [window["period_begin"].isoformat(), (window["period_end"] - timedelta(days=1)).isoformat()],
        "cutoff": window["cutoff"].isoformat(),
        "status": str(window["status"]),
        "items": window["items"],
        "instructions": window["instructions"],
        "total_paid": format_yuan(window["total_paid"]),
        "total_refunded": format_yuan(window["total_refunded"]),
        "checksum": window["checksum"],
    }
    if assigned is not None:
        out["assigned_now"] = assigned
    return out


def positions(p: Platform, window_id: str) -> list[dict[str, Any]]:
    """A cleared window's positions: per payer × hospital × ledger, gross settled, gross reversed
    (negative) and net, in fen, with the number of share lines (empty before clearing)."""
    with p.uow(readonly=True) as uow:
        existing(uow.conn, window_id)
        return repo.positions(uow.conn, window_id)
