"""Background jobs (``jobs`` table): queued → running → done | failed, progress 0..1, result JSON.

A job's work runs outside any transaction of the job row: each status or progress change is its
own short transaction, so a reader sees progress while the work goes on (SQLite and PostgreSQL).
:func:`start` runs the work on a daemon thread (an API endpoint returns the job id at once);
:func:`run` runs it in the caller's thread (the CLI, with its progress bar).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from syncsettle.adapters.db.computing import jobs as repo
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

Work = Callable[[Callable[[float], None]], dict[str, Any]]


def submit(p: Platform, kind: str, owner: str, params: dict[str, Any]) -> str:
    job_id = f"JB{uuid.uuid4().hex[:24].upper()}"
    with p.uow() as uow:
        repo.add(
            uow.conn,
            {"id": job_id, "kind": kind, "owner": owner, "status": "queued", "progress": 0.0, "params": params,
             "created_at": p.clock.now()},
        )  # fmt: skip
        uow.commit()
    return job_id


def _set(p: Platform, job_id: str, **values: Any) -> None:
    with p.uow() as uow:
        repo.change(uow.conn, job_id, **values)
        uow.commit()


def run(p: Platform, job_id: str, work: Work, on_progress: Callable[[float], None] | None = None) -> dict[str, Any]:
    """Run the work, recording progress (at most every 1 %) and the result or the failure."""
    _set(p, job_id, status="running", started_at=p.clock.now())
    last = [0.0]

    def progress(fraction: float) -> None:
        fraction = min(1.0, max(0.0, fraction))
        if on_progress is not None:
            on_progress(fraction)
        if fraction - last[0] >= 0.01 or fraction == 1.0:
            last[0] = fraction
            _set(p, job_id, progress=fraction)

    try:
        result = work(progress)
    except Exception as exc:
        _set(p, job_id, status="failed", error=str(exc), finished_at=p.clock.now())
        raise
    _set(p, job_id, status="done", progress=1.0, result=result, finished_at=p.clock.now())
    return result


def start(p: Platform, job_id: str, work: Work) -> threading.Thread:
    def body() -> None:
        try:
            run(p, job_id, work)
        except Exception:  # recorded as failed on the job row
            return

    thread = threading.Thread(target=body, name=f"job-{job_id}", daemon=True)
    thread.start()
    return thread


def status(p: Platform, job_id: str) -> dict[str, Any]:
    with p.uow(readonly=True) as uow:
        row = repo.job(uow.conn, job_id)
    if row is None:
        raise ServiceError(Code.NOT_FOUND, f"任务 {job_id} 不存在", "job_id")
    return row


def of_owner(p: Platform, owner: str, kind: str, limit: int = 20) -> list[dict[str, Any]]:
    """The owner's latest jobs of ``kind``, newest first (id, status, progress, params, times; no result)."""
    with p.uow(readonly=True) as uow:
        return repo.of_owner(uow.conn, owner, kind, limit)
