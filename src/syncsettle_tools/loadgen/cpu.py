"""CPU seconds of the processes a bench drives, read from ``/proc`` (Linux, same machine).

On a machine shared with other users, wall-clock rates say as much about the neighbours as about
the service; CPU seconds per unit of work do not. ``None`` where ``/proc`` is not there (or the
database server runs elsewhere): such a figure is left out rather than guessed.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, text

_PROC = Path("/proc")


def _stat(pid: int, command: str | None = None) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name (state is [0], pgrp [2], utime [11]);
    None when the process is gone or (given ``command``) runs another program."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, PermissionError, ProcessLookupError):
        return None
    name, _, rest = text.partition("(")[2].rpartition(")")
    if command is not None and name != command:
        return None
    return rest.split()


def _seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def group_seconds(pgid: int) -> float | None:
    """User + system CPU seconds of the live processes of process group ``pgid`` (a server and its
    workers, started in their own session)."""
    if not _PROC.exists():
        return None
    total = 0.0
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[2]) == pgid:
                total += _seconds(fields)
    return total


def backend_seconds(engine: Engine) -> dict[int, float] | None:
    """PostgreSQL on this machine: CPU seconds of each backend connected to the engine's database
    (the service's connections), by pid. ``None`` on SQLite or when the backends cannot be read."""
    if engine.dialect.name != "postgresql" or not _PROC.exists():
        return None
    with engine.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        ).scalars()
        seen = {pid: _stat(pid, "postgres") for pid in pids}
    found = {pid: _seconds(fields) for pid, fields in seen.items() if fields is not None}
    return found if found or not seen else None  # none readable: the server runs elsewhere


def backend_delta(before: dict[int, float] | None, after: dict[int, float] | None) -> float | None:
    """CPU seconds the backends spent between two readings (a backend new since ``before`` counts whole)."""
    if before is None or after is None:
        return None
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
