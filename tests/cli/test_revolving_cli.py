"""``syncsettle clearing revolving`` as the clearing operator runs it: advance, status, run of a
closed month, reconcile; an error is one line and a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from syncsettle.money import format_yuan, parse_yuan
from syncsettle.services.clearing import revolving
from tests.clearing.conftest import inpatient
from tests.world import World

PAIR = ("--insured", "370600", "--treatment", "150900")


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    w = World(url)  # its clock: 2025-06-10
    revolving.advance(w.platform, "370600", "150900", parse_yuan("150000.00"), "烟台医保中心")
    inpatient(w, "Q0001", "42000.00", hospital="H15090000001")
    w.platform.engine.dispose()
    return url


def test_advance_status_run_reconcile(cli: Any, db: str) -> None:
    back = ("--insured", "150900", "--treatment", "370600")
    opened = cli("clearing", "revolving", "advance", *back, "--by", "乌兰察布医保中心", "--database-url", db, "--json")
    assert opened.exit_code == 0, opened.output
    assert json.loads(opened.stdout)["balance"] == "100000.00"  # no history: the minimum
    listed = cli("clearing", "revolving", "status", "--database-url", db, "--json")
    [other, fund] = json.loads(listed.stdout)["funds"]
    assert other["insured_region"] == "150900" and other["undrawn_settlements"] == 0
    assert fund["undrawn_settlements"] == 1 and fund["level"] == "100000.00" and fund["balance"] == "150000.00"
    text = cli("clearing", "revolving", "status", "--database-url", db)
    assert "370600 → 150900" in text.stdout and "undrawn 1" in text.stdout
    # the settlement is of 2025-06-10 and the CLI runs on the real clock: June is long closed
    ran = cli("clearing", "revolving", "run", *PAIR, "--month", "2025-06", "--by", "烟台医保中心",
              "--database-url", db, "--json")  # fmt: skip
    assert ran.exit_code == 0, ran.output
    june = json.loads(ran.stdout)
    # June's end: 150,000.00 advanced less the stay; the level is the minimum, so money goes back
    owed = parse_yuan(fund["undrawn"])
    assert (june["paid"], june["balance_before"]) == (fund["undrawn"], format_yuan(15_000_000 - owed))
    assert june["top_up"] == format_yuan(owed - 5_000_000) and june["balance_after"] == "100000.00"
    rec = cli("clearing", "revolving", "reconcile", *PAIR, "--month", "2025-06", "--database-url", db)
    assert rec.exit_code == 0 and "1 matched, 0 differ" in rec.stdout
    assert json.loads(cli("check", "--database-url", db, "--json").stdout)["ok"]


def test_errors_are_one_line(cli: Any, db: str) -> None:
    other = ("--insured", "150900", "--treatment", "370600")
    bad = cli("clearing", "revolving", "run", *other, "--month", "2025-06", "--by", "x", "--database-url", db)
    assert bad.exit_code == 2 and "未向" in bad.stderr and "Traceback" not in bad.output
    month = cli("clearing", "revolving", "run", *PAIR, "--month", "June", "--by", "x", "--database-url", db)
    assert month.exit_code == 2 and "YYYY-MM" in month.stderr
