"""Insurer monthly statements (CSV and XLSX, one line per settlement line: visit, amounts per
responsibility, route) and the reconciliation of a statement the insurer sends back."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from syncsettle.adapters.statement_files import StatementFileError, read, to_csv, write_xlsx
from syncsettle.services import admin
from syncsettle.services.clearing import discrepancies, statement
from syncsettle.services.errors import ServiceError
from tests.clearing.conftest import HMB, World, inpatient, reverse

ACME = "acme-supplementary-2025"


def month_of_claims(w: World) -> dict[str, Any]:
    kept = inpatient(w, "P0001", "60000.00", product=HMB)
    undone = inpatient(w, "Q0005", "80000.00", product=HMB)
    w.clock.advance(days=2)
    rev = reverse(w, undone)
    inpatient(w, "Q0006", "3000.00")  # no commercial leg: not on the statement
    return {"kept": kept, "undone": undone, "rev": rev}


def test_a_statement_line_per_responsibility_with_visit_and_route(world: World) -> None:
    made = month_of_claims(world)
    stmt = statement.statement(world.platform, "yantai-hmb", "2025-06")
    kept, undone, rev = (made[k]["setlinfo"]["setl_id"] for k in ("kept", "undone", "rev"))
    assert stmt.columns == ("setl_id", "init_setl_id", "setl_date", "fixmedins_code", "mdtrt_id", "psn_no",
                            "product_id", "route", "resp_id", "resp_name", "base", "deductible", "payable")  # fmt: skip
    assert all(set(line) == set(stmt.columns) for line in stmt.lines), "no field beyond the statement's columns"
    by_settlement: dict[str, list[dict[str, Any]]] = {}
    for line in stmt.lines:
        by_settlement.setdefault(line["setl_id"], []).append(line)
    assert set(by_settlement) == {kept, undone, rev}
    first = by_settlement[kept][0]
    assert (first["mdtrt_id"], first["route"], first["product_id"], first["fixmedins_code"]) == (
        made["kept"]["setlinfo"]["mdtrt_id"],
        "embedded",
        HMB,
        "H37060000001",
    )
    responsibilities = made["kept"]["commercial"][0]["responsibilities"]
    assert [(x["resp_id"], x["payable"]) for x in by_settlement[kept]] == [
        (r["id"], r["payable"]) for r in sorted(responsibilities, key=lambda r: r["id"])
    ]
    assert [x["payable"] for x in by_settlement[rev]] == [
        "-" + x["payable"] if x["payable"] != "0.00" else "0.00" for x in by_settlement[undone]
    ]
    assert all(x["init_setl_id"] == undone for x in by_settlement[rev])
    assert stmt.payable == 1405_60
    assert statement.statement(world.platform, "yantai-hmb", "2025-06").lines == stmt.lines  # filled once
    assert statement.statement(world.platform, "yantai-hmb", "2025-07").lines == []
    with pytest.raises(ServiceError):
        statement.statement(world.platform, "yantai-hmb", "June")


def test_a_settlement_with_a_pending_leg_lists_only_the_legs_that_settled(world: World) -> None:
    admin.enroll(world.platform, "P0001", ACME, date(2025, 1, 1), date(2025, 12, 31))  # no consent: pending
    paid = inpatient(world, "P0001", "60000.00", product=HMB)
    legs = {e["product"]: e["status"] for e in paid["commercial"]}
    assert legs == {HMB: "settled", ACME: "pending"}
    stmt = statement.statement(world.platform, "yantai-hmb", "2025-06")
    assert {line["product_id"] for line in stmt.lines} == {HMB} and stmt.payable > 0
    assert statement.statement(world.platform, "acme-group", "2025-06").lines == []


def test_csv_and_xlsx_carry_the_same_lines(world: World, tmp_path: Path) -> None:
    month_of_claims(world)
    stmt = statement.statement(world.platform, "yantai-hmb", "2025-06")
    (tmp_path / "s.csv").write_text(to_csv(stmt.columns, stmt.lines, stmt.trailer), encoding="utf-8")
    write_xlsx(tmp_path / "s.xlsx", "yantai-hmb 2025-06", stmt.columns, stmt.lines, stmt.trailer)
    from_csv, from_xlsx = read(tmp_path / "s.csv"), read(tmp_path / "s.xlsx")
    assert from_csv == from_xlsx
    assert [r["payable"] for r in from_csv] == [x["payable"] for x in stmt.lines]
    assert stmt.trailer == ["TOTAL", "yantai-hmb", "2025-06", str(len(stmt.lines)), "payable", "1405.60"]


def test_a_returned_statement_is_reconciled_line_by_line(world: World, tmp_path: Path) -> None:
    month_of_claims(world)
    stmt = statement.statement(world.platform, "yantai-hmb", "2025-06")
    returned = [dict(line) for line in stmt.lines]
    paying = next(x for x in returned if x["payable"] not in ("0.00",) and not x["payable"].startswith("-"))
    paying["payable"] = "1400.00"
    dropped = returned.pop()
    returned.append(dict(dropped, setl_id="ST-INSURER-ONLY"))
    write_xlsx(tmp_path / "back.xlsx", "back", stmt.columns, returned, stmt.trailer)
    result = statement.reconcile(world.platform, "yantai-hmb", "2025-06", read(tmp_path / "back.xlsx"))
    reasons = sorted((d["reason"], d["line"].split("/")[0]) for d in result["differences"])
    assert reasons == sorted([("amount_differs", paying["setl_id"]), ("missing_at_insurer", dropped["setl_id"]),
                              ("missing_at_platform", "ST-INSURER-ONLY")])  # fmt: skip
    assert result["mismatched"] == 3 and result["matched"] == len(stmt.lines) - 2
    statement.reconcile(world.platform, "yantai-hmb", "2025-06", read(tmp_path / "back.xlsx"))
    recorded = discrepancies.listing(world.platform, source="insurer", party="yantai-hmb", scope="2025-06")
    assert len(recorded) == 3
    assert {d["item"] for d in recorded} >= {f"{HMB}/{paying['resp_id']}"}


def test_an_unreadable_returned_statement_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("setl_id,payable\nX,1.00\n", encoding="utf-8")
    with pytest.raises(StatementFileError, match="product_id, resp_id"):
        read(tmp_path / "bad.csv")
