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

from syncsettle_tools.loadgen.server import seed, start_server
from syncsettle_tools.loadgen.terminal import Terminal
from syncsettle_tools.loadgen.visits import Tally, one_visit


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


@pytest.mark.slow
def test_open_loop_counts_statements_and_measures_the_floor_in_the_same_run() -> None:
    cmd = [sys.executable, "-c", "from syncsettle.entrypoints.cli import main; main()"]
    args = ["bench", "service", "--seconds", "2", "--persons", "40", "--rate", "10", "--json"]
    done = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["mode"] == "open" and figures["errors"] == 0 and figures["check_ok"] is True
    assert figures["offered_visits"] == figures["settlements"] > 0  # every scheduled visit was run and settled
    # a visit registers, uploads, pre-settles and settles: at least three commits (the audit sealer of the
    # server commits now and then too), and more statements than requests
    assert figures["commits_per_visit"] >= 3.0 and figures["statements_per_visit"] > 4
    assert (
        figures["floor_rps"] > 0 and abs(figures["floor_visits_per_s"] - figures["floor_rps"] / 4) <= 0.1
    )  # both rounded
    per_floor = figures["settlements_per_s"] / figures["floor_visits_per_s"]
    assert figures["ratio_to_floor"] == pytest.approx(per_floor, 0.02)
    assert set(figures["latency_ms"]) == {"2201", "2204", "2206", "2207"}
    assert figures["cpu_ms_per_visit"] >= figures["server_cpu_ms_per_visit"] > 0


def test_an_open_loop_schedule_is_fixed_in_advance_and_seeded() -> None:
    from syncsettle_tools.loadgen.openloop import schedule

    poisson = schedule(50, 10, "poisson", seed=3)
    assert poisson == schedule(50, 10, "poisson", seed=3) and poisson == sorted(poisson)
    assert 400 < len(poisson) < 600 and poisson[0] > 0 and poisson[-1] < 10
    uniform = schedule(4, 1, "uniform")
    assert uniform == pytest.approx([0.25, 0.5, 0.75])
    with pytest.raises(ValueError):
        schedule(0, 1)


def test_latency_counts_from_the_scheduled_send_time_not_from_when_the_client_got_to_it() -> None:
    import time

    tally = Tally()
    late_by = 0.05  # the visit was due 50 ms ago: a queue in front of the server
    tally.mark("2201", time.perf_counter() - late_by)
    assert tally.latency_ms["2201"][0] >= late_by * 1000


def test_the_floor_endpoint_exists_only_for_the_benchmark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from syncsettle.adapters.db.core.engine import make_engine
    from syncsettle.adapters.db.core.migrate import upgrade
    from syncsettle.entrypoints.http.app import create_app
    from syncsettle.entrypoints.http.bench_hooks import ENV, FLOOR
    from syncsettle.services.platform import Platform

    platform = Platform(engine=make_engine(f"sqlite:///{tmp_path}/f.db"))
    upgrade(platform.engine)
    FLOOR.create(platform.engine)
    monkeypatch.delenv(ENV, raising=False)
    assert TestClient(create_app(platform)).post("/bench/floor").status_code in (404, 405)
    monkeypatch.setenv(ENV, "1")
    assert TestClient(create_app(platform)).post("/bench/floor").status_code == 200
    with platform.engine.connect() as conn:
        assert conn.execute(FLOOR.select()).all() == [(1, "floor")]
