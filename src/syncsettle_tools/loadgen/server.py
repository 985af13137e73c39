"""A ``syncsettle serve`` child process on a free loopback port, and a seeded database for it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from syncsettle.adapters.db.core.engine import database_url, make_engine
from syncsettle.adapters.db.core.migrate import upgrade
from syncsettle.services import admin
from syncsettle.services.platform import Platform

HOSPITAL = ("H37060000001", "烟台毓璜顶医院", "3", "370600")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def fresh_postgres(url: str) -> Iterator[str]:
    """A new, empty database on the server of ``url`` (dropped afterwards)."""
    base = make_url(database_url(url))
    name = f"syncsettle_bench_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


def seed(url: str, persons: int) -> str:
    """Migrate, add one hospital (returns its secret) and ``persons`` insured residents/employees."""
    platform = Platform(engine=make_engine(url))
    upgrade(platform.engine)
    secret = admin.add_hospital(platform, *HOSPITAL)
    rows: list[dict[str, Any]] = []
    for i in range(persons):
        employee = i % 3 == 0
        rows.append(
            {"psn_no": f"B{i:06d}", "psn_name": f"压测{i}", "certno": f"370602198001{i:06d}", "gend": "12"[i % 2],
             "brdy": "1980-01-01", "insuplc_admdvs": "370600",
             "insuinfo": [{"insutype": "310" if employee else "390", "psn_type": "1101" if employee else "1501",
                           "balc": "300.00" if employee else "0.00"}]}
        )  # fmt: skip
    for start in range(0, len(rows), 1000):
        admin.import_persons(platform, rows[start : start + 1000])
    platform.engine.dispose()
    return secret


@dataclass
class ServerProcess:
    url: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL the server and its workers (no clean shutdown)."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def pause(self) -> None:
        """SIGSTOP: the process keeps its port (connections queue in the kernel) but answers nothing."""
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self.kill()


def start_server(database: str, *, workers: int = 2, port: int | None = None, timeout: float = 60,
                 role: str = "medical", env: dict[str, str] | None = None) -> ServerProcess:  # fmt: skip
    """A ``syncsettle serve --role ROLE`` child process (its own session, so it can be killed whole);
    ``env`` adds to this process's environment."""
    port = port or free_port()
    env = dict(os.environ, SYNCSETTLE_DATABASE_URL=database, **(env or {}))
    cmd = [sys.executable, "-c", "from syncsettle.entrypoints.cli import main; main()", "serve",
           "--port", str(port), "--workers", str(workers), "--role", role]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"server exited with {proc.returncode}: {err[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return ServerProcess(base, proc)
        except httpx.HTTPError:
            time.sleep(0.2)
    ServerProcess(base, proc).kill()
    raise RuntimeError("server did not become healthy in time")
