"""The clearing commands as an operator runs them: close, run (with the instruction file), confirm,
status, statement (XLSX) and its reconciliation, hospital reconciliation, discrepancies, check, the
benchmark; errors are one line without a traceback and a non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clearing.conftest import HMB, inpatient, reverse
from tests.world import World

WINDOW = "W370600-20250610"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    w = World(url)
    settled = inpatient(w, "P0001", "60000.00", product=HMB)
    other = inpatient(w, "Q0001", "3000.00")
    reverse(w, other)
    (tmp_path / "hospital.json").write_text(json.dumps({"data": {
        "insutype": "390", "clr_type": "21", "stmt_begndate": "2025-06-10", "stmt_enddate": "2025-06-10",
        "details": [{k: settled["setlinfo"][k] for k in ("setl_id", "medfee_sumamt", "fund_pay_sumamt", "acct_pay")}],
    }}), encoding="utf-8")  # fmt: skip
    w.platform.engine.dispose()
    yield url


def test_close_run_confirm_status(cli: Any, db: str, tmp_path: Path) -> None:
    closed = cli("clearing", "close", "--region", "370600", "--date", "2025-06-10", "--database-url", db, "--json")
    assert closed.exit_code == 0, closed.output
    assert json.loads(closed.stdout)["items"] == 3
    ran = cli("clearing", "run", WINDOW, "--out", str(tmp_path / "pay.csv"), "--database-url", db, "--json")
    result = json.loads(ran.stdout)
    assert result["status"] == "PENDING_SETTLEMENT"
    assert (tmp_path / "pay.csv").read_text().endswith(f"SM3,{result['checksum']}\n")
    as_json = json.loads(cli("clearing", "instructions", WINDOW, "--format", "json", "--database-url", db).stdout)
    assert as_json["checksum"]["value"] == result["checksum"]
    done = cli("clearing", "confirm", WINDOW, "--by", "出纳", "--bank-ref", "BK-1", "--database-url", db, "--json")
    assert json.loads(done.stdout)["status"] == "SETTLED"
    listing = cli("clearing", "status", "--database-url", db)
    assert WINDOW in listing.stdout and "SETTLED" in listing.stdout
    assert json.loads(cli("check", "--database-url", db, "--json").stdout)["ok"]


def test_statement_and_reconciliations(cli: Any, db: str, tmp_path: Path) -> None:
    xlsx = tmp_path / "hmb.xlsx"
    made = cli("statement", "--insurer", "yantai-hmb", "--month", "2025-06", "--out", str(xlsx), "--database-url", db)
    assert made.exit_code == 0 and xlsx.exists()
    back = cli("reconcile", "insurer", str(xlsx), "--insurer", "yantai-hmb", "--month", "2025-06",
               "--database-url", db, "--json")  # fmt: skip
    assert json.loads(back.stdout)["mismatched"] == 0
    hospital = cli("reconcile", "hospital", str(tmp_path / "hospital.json"), "--hospital", "H37060000001",
                   "--database-url", db)  # fmt: skip
    assert "detail: 1 matched, 2 mismatched" in hospital.stdout
    assert "missing_at_hospital" in hospital.stdout and "missing_reversal" in hospital.stdout
    found = json.loads(cli("reconcile", "discrepancies", "--database-url", db, "--json").stdout)["discrepancies"]
    moved = cli("reconcile", "discrepancy", str(found[0]["id"]), "--to", "investigating", "--by", "张三",
                "--why", "核对中", "--database-url", db, "--json")  # fmt: skip
    assert json.loads(moved.stdout)["history"][0]["by"] == "张三"


def test_bench_clearing_prints_its_figures(cli: Any) -> None:
    out = json.loads(cli("bench", "clearing", "--settlements", "500", "--json").stdout)
    assert {"database", "settlements", "close_and_clear_s", "instructions"} <= set(out)
    assert (out["database"], out["settlements"], out["items"]) == ("sqlite", 500, 500)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", "from syncsettle.entrypoints.cli import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def test_errors_are_one_line(db: str) -> None:
    done = run("clearing", "run", "W370600-20990101", "--database-url", db)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["error: [SS-1201] window_id: 窗口 W370600-20990101 不存在"]
    done = run("statement", "--insurer", "yantai-hmb", "--month", "June", "--database-url", db)
    assert done.returncode == 2 and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
