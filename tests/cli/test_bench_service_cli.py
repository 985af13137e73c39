"""``syncsettle bench service --json``: complete visits over real HTTP with the lean terminal client,
the CPU cost per visit of each side, the load averages, and ``syncsettle check`` on what it booked.
(Shape and honesty of the answer, not speed: speed is measured, not asserted.)"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from syncsettle.loadgen.server import seed, start_server
from syncsettle.loadgen.terminal import Terminal
from syncsettle.loadgen.visits import Tally, one_visit


@pytest.mark.slow
def test_bench_service_reports_costs_per_visit_and_a_clean_check() -> None:
    cmd = [sys.executable, "-c", "from syncsettle.entrypoints.cli import main; main()"]
    args = ["bench", "service", "--seconds", "2", "--persons", "40", "--concurrency", "4", "--json"]
    done = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["database"] == "sqlite" and figures["errors"] == 0
    assert figures["settlements"] > 0 and figures["check_ok"] is True
    assert figures["check_settlements"] == figures["settlements"]
    assert figures["client_cpu_ms_per_visit"] > 0 and figures["server_cpu_ms_per_visit"] > 0
    assert len(figures["load_average"]) == 6 and figures["bare_endpoint_rps"] > 0


def test_the_terminal_client_settles_visits_and_reads_the_bare_endpoint(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    secret = seed(url, 5)
    server = start_server(url, workers=1)
    try:

        async def run() -> tuple[Tally, int]:
            tally = Tally()
            async with Terminal(server.url, {"Authorization": f"Bearer {secret}"}) as terminal:
                for i in range(3):
                    await one_visit(terminal, f"B{i:06d}", "310" if i % 3 == 0 else "390", tally, random.Random(i))
                status, body = await terminal.get("/bare")
            assert body
            return tally, status

        tally, status = asyncio.run(run())
    finally:
        server.stop()
    assert (tally.settled, tally.errors, status) == (3, 0, 200), tally.last_error
    assert len(tally.confirmed) == 3
