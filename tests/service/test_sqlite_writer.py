"""On SQLite, writing units of work queue on a lock of their own before ``BEGIN IMMEDIATE`` — the
threads of a process on a re-entrant lock, the processes on an ``flock`` of ``<file>.writer`` —
instead of sleeping in SQLite's busy handler; a lock held too long still ends in SQLite's own
"database is locked"."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from syncsettle.adapters.clock import SystemClock
from syncsettle.adapters.db.core.engine import make_engine
from syncsettle.services import unit_of_work
from syncsettle.services.unit_of_work import SqliteWriter, UnitOfWork, writer_lock

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.execute(text("create table counter (n integer not null)"))
        conn.execute(text("insert into counter values (0)"))
    return engine


def _bump(engine) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine, SystemClock()) as uow:
        n = uow.conn.execute(text("select n from counter")).scalar_one()
        uow.conn.execute(text("update counter set n = :n"), {"n": n + 1})
        uow.commit()


def test_writers_of_one_process_take_turns_and_lose_nothing(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    threads = [threading.Thread(target=lambda: [_bump(engine) for _ in range(25)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as conn:
        assert conn.execute(text("select n from counter")).scalar_one() == 200
    assert (tmp_path / "w.db.writer").exists()
    assert writer_lock(engine) is writer_lock(engine)  # one per database file in a process
    engine.dispose()


def test_the_lock_is_reentrant_in_a_thread_and_exclusive_across_threads(tmp_path: Path) -> None:
    writer = SqliteWriter(str(tmp_path / "x.db"))
    writer.acquire()
    writer.acquire()  # a unit of work inside another, same thread
    got = threading.Event()
    other = threading.Thread(target=lambda: (writer.acquire(), got.set(), writer.release()))
    other.start()
    writer.release()
    assert not got.wait(0.2)  # still held once
    writer.release()
    assert got.wait(5)
    other.join()


def test_another_process_holding_the_file_lock_makes_writers_wait_then_proceed(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "w.db.writer"), "0.6"],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    _bump(engine)  # waits for the other process
    assert time.monotonic() - started >= 0.3
    holder.wait(10)
    engine.dispose()


def test_a_lock_held_past_the_wait_is_sqlites_database_is_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(tmp_path)
    monkeypatch.setattr(unit_of_work, "WRITER_WAIT_S", 0.3)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "w.db.writer"), "5"],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(OperationalError, match="database is locked"):
            _bump(engine)
    finally:
        holder.kill()
        holder.wait(10)
    other = threading.Thread(target=_bump, args=(engine,))  # another thread: the failed wait left no lock behind
    other.start()
    other.join(10)
    assert not other.is_alive()
    with engine.connect() as conn:
        assert conn.execute(text("select n from counter")).scalar_one() == 1
    engine.dispose()
