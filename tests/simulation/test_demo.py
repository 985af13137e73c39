"""``syncsettle demo`` end to end on a small world (300 persons, 2 days), on SQLite and on
PostgreSQL: the summary adds up (total = public funds + commercial + personal account + cash, the
funds and products add up to their totals, the insurers' statements to the commercial amount),
every flow happened (reversals, pending legs, quick claims, clearing, 3201/3202 reconciliation
without a difference), ``syncsettle check`` and ``syncsettle audit verify`` are clean afterwards,
and the console accepts the ready-made login of every role on the demo's days."""

from __future__ import annotations

import json
import socket
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from syncsettle.adapters.clock import FixedClock
from syncsettle.adapters.db.core.engine import make_engine
from syncsettle.money import parse_yuan
from syncsettle.services.platform import Platform
from syncsettle_tools.cli.demo import console_app
from syncsettle_tools.simulation.calendar import china
from tests.world import World

PARTS = ("public_funds", "commercial", "personal_account", "cash")


def fen(yuan: str) -> int:
    return parse_yuan(yuan, allow_negative=True)


def run_demo(cli: Any, url: str, persons: int = 300, days: int = 2, *extra: str) -> dict[str, Any]:
    result = cli("demo", "--persons", str(persons), "--days", str(days), "--no-serve", "--json", "--database-url", url,
                 *extra)  # fmt: skip
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


@pytest.mark.slow
def test_a_small_demo_adds_up_and_leaves_a_clean_database(
    cli: Any, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    s = run_demo(cli, database_url)

    assert fen(s["total"]) == sum(fen(s[k]) for k in PARTS) > 0
    assert sum(fen(f["amount"]) for f in s["funds"].values()) == fen(s["public_funds"]) > 0
    assert sum(fen(p["amount"]) for p in s["products"].values()) == fen(s["commercial"]) > 0
    assert sum(fen(st["payable"]) for st in s["statements"]) == fen(s["commercial"])
    # every benefit beyond the pooled fund was used, and what each payer paid adds up to the total
    assert sum(fen(v) for v in s["paid_by"].values()) == fen(s["total"])
    assert all(fen(s["paid_by"][k]) > 0 for k in ("hifp_pay", "cvlserv_pay", "maf_pay", "acct_mulaid_pay", "comm_pay"))
    assert fen(s["paid_by"]["acct_mulaid_pay"]) == fen(s["family_account"])
    assert all(n > 0 for n in s["benefits"]["holders"].values()), s["benefits"]
    assert all(n > 0 for n in s["benefits"]["settlements"].values()), s["benefits"]
    assert {st["insurer"] for st in s["statements"]} == {"yantai-hmb", "acme-group", "anyang-phb", "hainan-hqb"}
    assert all(Path(st["file"]).is_file() for st in s["statements"])
    assert s["settlements"] > 100 and s["reversals"] >= 4  # at least two reversals a day
    assert s["interface_refusals"] == 0
    assert s["pending_legs"] == sum(s["pending_by_reason"].values()) > 0  # outage, suspension, prefunding, holds
    assert s["quick_claims"] > 0 and s["claimed_by_person"] >= 1
    assert s["still_pending"] == 0
    assert s["pending_by_reason"]["prefund_exhausted"] > 0  # the thinly prefunded insurer ran out …
    assert s["prefund_alerts"]["raised"] >= 1 and s["prefund_alerts"]["open"] == 0  # … was alerted, topped up
    assert s["clearing"]["windows"] == s["clearing"]["settled"] == 4  # two regions × two days
    revolving = {(f["insured_region"], f["treatment_region"]): f for f in s["revolving_funds"]}
    assert set(revolving) == {("370600", "150900"), ("150900", "370600")}  # 周转金 advanced both ways …
    assert all(f["undrawn_settlements"] == 0 and f["level"] == "100000.00" for f in revolving.values())
    assert sum(fen(f["required_top_up"]) for f in revolving.values()) > 0  # … and drawn by cross-region care
    rec = s["reconciliation"]
    assert rec["totals_differ"] == rec["mismatched"] == 0
    assert rec["matched"] == s["settlements"] + s["reversals"]
    assert s["consents"]["granted_with_enrollment"] == 2 * s["enrollments"]  # underwriting + settlement

    check = cli("check", "--json", "--database-url", database_url)
    assert check.exit_code == 0 and json.loads(check.stdout)["ok"], check.output
    verify = cli("audit", "verify", "--json", "--database-url", database_url)
    report = json.loads(verify.stdout)
    assert verify.exit_code == 0 and report["valid"] and report["entries"] > 500 and report["unsealed"] == 0

    monkeypatch.setenv("SYNCSETTLE_CLAIMS_RETRY_S", "0")  # no background retry thread in the test
    engine = make_engine(database_url)
    end = FixedClock(china(date.fromisoformat(s["days"][-1]) + timedelta(days=1), 9))  # where the demo's clock ended
    client = TestClient(console_app(Platform(engine=engine), end))
    logins = s["console"]["logins"]
    assert set(logins) == {"operator", "regulator", "insurer", "hospital", "insured"}
    for role, login in logins.items():
        client.cookies.clear()
        me = client.get("/api/me", headers={"Authorization": f"Bearer {login['token']}"})
        assert me.status_code == 200 and me.json()["role"] == role
        assert client.post("/console/login", data={"token": login["token"]}, follow_redirects=False).status_code == 303
    fsi = logins["hospital"]["fsi"]  # what the demo prints for the HIS: the secret alone, the code in the envelope
    code, psn_no = fsi["fixmedins_code"], logins["insured"]["who"].rsplit("(", 1)[1].rstrip(")")
    envelope = {"infno": "1101", "msgid": f"{code}20260604090000000001", "fixmedins_code": code,
                "input": {"data": {"psn_no": psn_no}}}  # fmt: skip
    answer = client.post("/fsi/api", json=envelope, headers={"Authorization": fsi["authorization"]})
    assert answer.json()["infcode"] == 0, answer.text
    console_form = {"Authorization": f"Bearer {logins['hospital']['token']}"}
    as_console = client.post("/fsi/api", json=envelope, headers=console_form)
    assert as_console.json()["infcode"] == -1  # the console's code.secret is not the interface's credential
    client.cookies.clear()
    client.post("/console/login", data={"token": logins["operator"]["token"]})
    page = client.get("/console/overview")  # the last 30 days of the console's clock: the demo's days
    assert page.status_code == 200 and s["total"] in page.text and s["public_funds"] in page.text
    client.cookies.clear()
    client.post("/console/login", data={"token": logins["insured"]["token"]})
    for slip in logins["insured"]["slips"]:
        shown = client.get(slip)
        assert shown.status_code == 200 and slip.rsplit("/", 1)[1] in shown.text
    engine.dispose()


@pytest.mark.slow
def test_the_same_seed_gives_the_same_demo(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runs = []
    for name in ("a", "b"):
        s = run_demo(cli, f"sqlite:///{tmp_path / name / 'demo.db'}", 100, 1, "--seed", "42")
        for key in ("seconds", "console", "database"):
            s.pop(key)
        for st in s["statements"]:
            st.pop("file")
        runs.append(s)
    assert runs[0] == runs[1]


def test_the_demo_refuses_a_database_that_already_holds_people(cli: Any, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'used.db'}"
    World(url).platform.engine.dispose()
    result = cli("demo", "--no-serve", "--database-url", url)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: {url} already holds persons: give an empty database, or "
                                                  "leave out --database-url"]  # fmt: skip


def test_the_demo_says_when_the_console_port_is_taken(cli: Any, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("demo", "--port", str(port))
    assert result.exit_code == 2 and "is in use" in result.stderr and not (tmp_path / "var").exists()


def test_the_demo_refuses_days_outside_the_product_year(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("demo", "--days", "0", "--no-serve")
    assert result.exit_code == 2 and result.stderr.startswith("error: --days must be between 1 and")
