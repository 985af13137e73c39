"""Reconciliation with a hospital whose file differs from the platform (missing settlement,
different amount, extra reversal, missing reversal, unknown settlement): each difference reported
with its reason, recorded once as a discrepancy, and worked through open → investigating →
resolved / written off with who and why."""

from __future__ import annotations

from typing import Any

import pytest

from syncsettle.adapters.json_reader import Reader
from syncsettle.services.clearing import discrepancies
from syncsettle.services.clearing.hospital_reconciliation import Scope, read_details, reconcile_detail
from syncsettle.services.errors import ServiceError
from tests.clearing.conftest import World, inpatient, reverse


def row(output: dict[str, Any], **change: str) -> dict[str, str]:
    info = output["setlinfo"]
    line = {k: info[k] for k in ("setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay")}
    return line | {"refd_setl_flag": "0"} | change


def differing_day(w: World) -> tuple[dict[str, Any], dict[str, str]]:
    a = inpatient(w, "Q0001", "3000.00")
    b = inpatient(w, "Q0002", "5000.00")
    c = inpatient(w, "Q0003", "7000.00")
    rc = reverse(w, c)
    d = inpatient(w, "Q0004", "9000.00")
    ids = {"a": a["setlinfo"]["setl_id"], "b": b["setlinfo"]["setl_id"], "c": c["setlinfo"]["setl_id"],
           "rc": rc["setlinfo"]["setl_id"], "d": d["setlinfo"]["setl_id"]}  # fmt: skip
    hospital_file = {
        "insutype": "390", "clr_type": "21", "stmt_begndate": "2025-06-10", "stmt_enddate": "2025-06-10",
        "refd_setl_flag": "1",
        "details": [
            row(a),
            row(b, fund_pay_sumamt="1.00"),  # different amount
            row(c),
            # rc (the platform's reversal of c) is missing; d is missing
            {"setl_id": "HIS-RV-0001", "init_setl_id": ids["a"], "refd_setl_flag": "1", "medfee_sumamt": "-3000.00",
             "fund_pay_sumamt": "-1950.00", "acct_pay": "0.00"},  # a reversal the platform never received
            {"setl_id": "ST-NOT-HERE", "medfee_sumamt": "10.00", "fund_pay_sumamt": "0.00", "acct_pay": "0.00"},
        ],
    }  # fmt: skip
    return hospital_file, ids


def test_each_difference_is_reported_with_its_reason(world: World) -> None:
    hospital_file, ids = differing_day(world)
    out = world.ok("3202", {"data": hospital_file})
    reasons = {d["setl_id"]: d["reason"] for d in out["details"]}
    assert reasons == {
        ids["a"]: "matched",
        ids["b"]: "amount_differs",
        ids["c"]: "matched",
        ids["rc"]: "missing_reversal",
        ids["d"]: "missing_at_hospital",
        "HIS-RV-0001": "extra_reversal",
        "ST-NOT-HERE": "missing_at_platform",
    }
    memo = {d["setl_id"]: d["memo"] for d in out["details"]}
    assert memo[ids["b"]] == "金额不符：fund_pay_sumamt 机构 1.00 / 平台 2730.00"  # (5000 − 800) × 65%
    assert memo[ids["d"]] == "机构缺少该笔结算"
    assert ids["a"] in memo["HIS-RV-0001"]
    assert (out["stmt_rslt"], out["matched"], out["mismatched"]) == ("1", 2, 5)


def test_totals_first_then_detail(world: World) -> None:
    hospital_file, _ = differing_day(world)
    stated = {"medfee_sumamt": "24000.00", "fund_pay_sumamt": "10000.00", "acct_pay": "0.00", "fixmedins_setl_cnt": 5}
    totals = world.ok("3201", {"data": {k: v for k, v in hospital_file.items() if k != "details"} | stated})
    assert totals["stmtinfo"]["stmt_rslt"] == "1"
    assert "medfee_sumamt 机构 24000.00 / 平台 17000.00" in totals["stmtinfo"]["stmt_rslt_dscr"]


def test_differences_become_discrepancies_once(world: World) -> None:
    hospital_file, ids = differing_day(world)
    scope = Scope("H37060000001", "390", "21", *(Reader(hospital_file, "").day(k) for k in
                                                  ("stmt_begndate", "stmt_enddate")))  # type: ignore[arg-type]  # fmt: skip
    theirs = read_details(Reader(hospital_file, ""))
    reconcile_detail(world.platform, scope, theirs)
    reconcile_detail(world.platform, scope, theirs)  # re-running records nothing new
    world.ok("3202", {"data": hospital_file})
    found = discrepancies.listing(world.platform, source="hospital")
    assert sorted((d["setl_id"], d["reason"]) for d in found) == sorted([
        (ids["b"], "amount_differs"), (ids["rc"], "missing_reversal"), (ids["d"], "missing_at_hospital"),
        ("HIS-RV-0001", "extra_reversal"), ("ST-NOT-HERE", "missing_at_platform"),
    ])  # fmt: skip
    differs = next(d for d in found if d["reason"] == "amount_differs")
    assert (differs["ours"], differs["theirs"], differs["status"]) == ("2730.00", "1.00", "open")


def test_discrepancy_workflow_records_who_and_why(world: World) -> None:
    hospital_file, ids = differing_day(world)
    world.ok("3202", {"data": hospital_file})
    target = next(d for d in discrepancies.listing(world.platform) if d["setl_id"] == ids["b"])
    with pytest.raises(ServiceError):
        discrepancies.move(world.platform, target["id"], "investigating", " ", "no one")
    discrepancies.move(world.platform, target["id"], "investigating", "对账员 张三", "联系医院核对基金支付")
    done = discrepancies.move(world.platform, target["id"], "resolved", "对账员 张三", "医院录入错误，已更正")
    assert done["status"] == "resolved"
    assert [(h["from"], h["to"], h["by"], h["why"]) for h in done["history"]] == [
        ("open", "investigating", "对账员 张三", "联系医院核对基金支付"),
        ("investigating", "resolved", "对账员 张三", "医院录入错误，已更正"),
    ]
    with pytest.raises(ServiceError, match="不能转为"):
        discrepancies.move(world.platform, target["id"], "investigating", "张三", "reopen")
    other = next(d for d in discrepancies.listing(world.platform, status="open") if d["setl_id"] == "ST-NOT-HERE")
    assert discrepancies.move(world.platform, other["id"], "written_off", "主管 赵六", "医院测试数据")["status"] == (
        "written_off"
    )
    assert len(discrepancies.listing(world.platform, status="open")) == 3
