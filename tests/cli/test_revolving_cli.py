"""``syncsettle clearing revolving`` as the clearing operator runs it: advance, status, run of a
closed month, reconcile; an error is one line and a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from syncsettle.money import format_yuan, parse_yuan
from tests.clearing.conftest import inpatient
from tests.world import World

PAIR = ("--insured", "370600", "--treatment", "150900")


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    w = World(url)
    inpatient(w, "Q0001", "42000.00", hospital="H15090000001")
    w.platform.engine.dispose()
    return url


def test_advance_status_run_reconcile(cli: Any, db: str) -> None:
    opened = cli("clearing", "revolving", "advance", *PAIR, "--amount", "150000.00", "--by", "烟台医保中心",
                 "--database-url", db, "--json")  # fmt: skip
    assert opened.exit_code == 0, opened.output
    assert json.loads(opened.stdout)["balance"] == "150000.00"
    listed = cli("clearing", "revolving", "status", "--database-url", db, "--json")
    [fund] = json.loads(listed.stdout)["funds"]
    assert fund["undrawn_settlements"] == 1 and fund["level"] == "100000.00"
    text = cli("clearing", "revolving", "status", "--database-url", db)
    assert "370600 → 150900" in text.stdout and "undrawn 1" in text.stdout
    # the settlement is of 2025-06-10 and the CLI runs on the real clock: June is long closed
    ran = cli("clearing", "revolving", "run", *PAIR, "--month", "2025-06", "--by", "烟台医保中心",
              "--database-url", db, "--json")  # fmt: skip
    assert ran.exit_code == 0, ran.output
    june = json.loads(ran.stdout)
    # the advance is valued today, after June: June's end saw only the stay's draw, so June's
    # clearing pays the level plus what the stay drew
    owed = parse_yuan(fund["undrawn"])
    assert (june["paid"], june["balance_before"]) == (fund["undrawn"], format_yuan(-owed))
    assert june["top_up"] == format_yuan(10_000_000 + owed) and june["balance_after"] == "100000.00"
    rec = cli("clearing", "revolving", "reconcile", *PAIR, "--month", "2025-06", "--database-url", db)
    assert rec.exit_code == 0 and "1 matched, 0 differ" in rec.stdout
    assert json.loads(cli("check", "--database-url", db, "--json").stdout)["ok"]


def test_errors_are_one_line(cli: Any, db: str) -> None:
    bad = cli("clearing", "revolving", "run", *PAIR, "--month", "2025-06", "--by", "x", "--database-url", db)
    assert bad.exit_code == 2 and "未向" in bad.stderr and "Traceback" not in bad.output
    month = cli("clearing", "revolving", "run", *PAIR, "--month", "June", "--by", "x", "--database-url", db)
    assert month.exit_code == 2 and "YYYY-MM" in month.stderr
