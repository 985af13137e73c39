"""``syncsettle bench engine --json`` prints one object with the figures the speed goals are read from.
(It checks the shape of the answer, not the speed: speed is measured, not asserted.)"""

from __future__ import annotations

import json
import subprocess
import sys


def test_bench_engine_prints_wall_and_cpu_figures_as_one_json_object() -> None:
    cmd = [sys.executable, "-c", "from syncsettle.entrypoints.cli import main; main()"]
    done = subprocess.run([*cmd, "bench", "engine", "--seconds", "0.05", "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    for key in (
        "outpatient_bills_per_s",
        "inpatient_bills_per_s",
        "outpatient_bills_per_cpu_s",
        "inpatient_bills_per_cpu_s",
    ):
        assert isinstance(figures[key], int) and figures[key] > 0
    assert (figures["outpatient_lines"], figures["inpatient_lines"]) == (20, 300)
