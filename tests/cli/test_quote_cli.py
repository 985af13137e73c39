"""``syncsettle quote`` as a user runs it: JSON out on success; one line naming the field, no
traceback and a non-zero exit on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

GOOD: dict[str, Any] = {
    "date": "2025-06-10",
    "person": {"psn_no": "P1", "insutype": "390", "psn_type": "1501", "insured_region": "150900"},
    "policy": "ulanqab-resident-2019",
    "products": [],
    "bill": {
        "med_type": "21",
        "hospital_level": "3",
        "treatment_region": "150900",
        "items": [{"feedetl_sn": "1", "med_list_codg": "X", "cnt": "1", "pric": "50000.00", "chrgitm_lv": "01"}],
    },
}


def run(tmp_path: Path, payload: str) -> subprocess.CompletedProcess[str]:
    case = tmp_path / "case.json"
    case.write_text(payload, encoding="utf-8")
    cmd = [sys.executable, "-c", "from syncsettle.entrypoints.cli import main; main()", "quote", str(case)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def test_quote_prints_the_settlement(tmp_path: Path) -> None:
    done = run(tmp_path, json.dumps(GOOD))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["summary"] == {"total": "50000.00", "public_funds": "34688.00", "commercial": "0.00",
                              "personal_account": "0.00", "family_account": "0.00", "cash": "15312.00"}  # fmt: skip


def _mutate(path: str, value: Any) -> str:
    case = json.loads(json.dumps(GOOD))
    target = case
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is _DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return json.dumps(case)


_DELETE = object()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (_mutate("person.insutype", _DELETE), "person.insutype"),
        (_mutate("bill.items.0.pric", 150.0), "bill.items[0].pric"),
        (_mutate("bill.items.0.chrgitm_lv", "04"), "bill.items[0].chrgitm_lv"),
        (_mutate("bill.items.0.pric", "-1.00"), "bill.items[0].pric"),
        (_mutate("policy", "nowhere-2025"), "policy"),
        (_mutate("basic_result", {"medfee_sumamt": "50000.00", "inscp_scp_amt": "50000.00"}), "policy"),
        (_mutate("policy", None), "policy"),
        (_mutate("products", ["no-such-product"]), "products[0]"),
        ("{not json", "case"),
    ],
)
def test_bad_input_is_one_line_naming_the_field(tmp_path: Path, payload: str, field: str) -> None:
    done = run(tmp_path, payload)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: {field}: ")
    assert "Traceback" not in done.stderr


def test_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    cmd = [sys.executable, "-c", "from syncsettle.entrypoints.cli import main; main()", "quote", str(tmp_path / "x")]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "cannot be read" in done.stderr


def test_rules_check_names_file_field_and_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "kind: product\nid: x\nname: x\ninsurer: i\nroute: embedded\npriority: 1\nversions:\n"
        "  - version: 1\n    effective_from: 2025-01-01\n    responsibilities:\n"
        "      - {id: R1, name: a, covers: [in_scope_selfpay], ratio: {standard: 0.7}, cap: '1.00'}\n",
        encoding="utf-8",
    )
    cmd = [sys.executable, "-c", "from syncsettle.entrypoints.cli import main; main()", "rules", "check", str(tmp_path)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert f"{bad}: versions[0].responsibilities[0].ratio.standard: " in done.stderr
    assert "not the number 0.7" in done.stderr
