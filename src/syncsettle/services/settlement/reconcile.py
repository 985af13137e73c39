"""Reconciliation with a hospital: totals (3201 对总账) and detail (3202 对明细账).

The platform's figures for the hospital, insutype, clearing type and period (by settlement date,
China time) are net of reversals: a reversal is its own row with negated amounts. With
``refd_setl_flag`` "0" reversal rows and the settlements they reverse are left out on both sides.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, func, select

from syncsettle.adapters.db.schema import settlements
from syncsettle.adapters.json_reader import Reader
from syncsettle.money import format_yuan
from syncsettle.services.platform import Platform


def _scope(hospital: str, insutype: str, clr_type: str, begin: date, end: date, include_refunds: bool) -> Any:
    cond = and_(
        settlements.c.fixmedins_code == hospital,
        settlements.c.insutype == insutype,
        settlements.c.clr_type == clr_type,
        settlements.c.setl_date >= begin,
        settlements.c.setl_date <= end,
    )
    if not include_refunds:
        cond = and_(cond, settlements.c.status == "settled")
    return cond


def totals(p: Platform, hospital: dict[str, Any], data: Reader) -> dict[str, Any]:
    insutype = data.req_text("insutype")
    clr_type = data.req_text("clr_type")
    begin, end = data.day("stmt_begndate"), data.day("stmt_enddate")
    assert begin is not None and end is not None
    include = (data.text("refd_setl_flag", required=False) or "1") == "1"
    stated = {
        "medfee_sumamt": data.yuan("medfee_sumamt", required=True),
        "fund_pay_sumamt": data.yuan("fund_pay_sumamt", required=True),
        "acct_pay": data.yuan("acct_pay", required=True),
        "fixmedins_setl_cnt": data.integer("fixmedins_setl_cnt"),
    }
    cond = _scope(hospital["fixmedins_code"], insutype, clr_type, begin, end, include)
    with p.uow(readonly=True) as uow:
        row = uow.conn.execute(
            select(
                func.coalesce(func.sum(settlements.c.medfee_sumamt), 0),
                func.coalesce(func.sum(settlements.c.fund_pay_sumamt), 0),
                func.coalesce(func.sum(settlements.c.acct_pay), 0),
                func.count(),
            ).where(cond)
        ).one()
    ours = {"medfee_sumamt": int(row[0]), "fund_pay_sumamt": int(row[1]), "acct_pay": int(row[2]),
            "fixmedins_setl_cnt": int(row[3])}  # fmt: skip
    diffs = []
    for key, value in ours.items():
        if stated[key] != value:
            show = (lambda v: str(v)) if key == "fixmedins_setl_cnt" else format_yuan
            diffs.append(f"{key} 机构 {show(stated[key])} / 平台 {show(value)}")
    return {
        "stmtinfo": {
            "setl_optins": data.text("setl_optins", required=False) or "",
            "stmt_rslt": "0" if not diffs else "1",
            "stmt_rslt_dscr": "对账一致" if not diffs else "对账不平：" + "；".join(diffs),
        },
        "platform": {k: (v if k == "fixmedins_setl_cnt" else format_yuan(v)) for k, v in ours.items()},
    }


def detail(p: Platform, hospital: dict[str, Any], data: Reader) -> dict[str, Any]:
    """Compare the hospital's detail lines with the platform's, settlement by settlement."""
    insutype = data.req_text("insutype")
    clr_type = data.req_text("clr_type")
    begin, end = data.day("stmt_begndate"), data.day("stmt_enddate")
    assert begin is not None and end is not None
    include = (data.text("refd_setl_flag", required=False) or "1") == "1"
    theirs: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(data.items("details")):
        r = Reader(item, f"details[{i}]")
        theirs[r.req_text("setl_id")] = {
            "mdtrt_id": r.text("mdtrt_id", required=False),
            "psn_no": r.text("psn_no", required=False),
            "medfee_sumamt": r.yuan("medfee_sumamt", required=True),
            "fund_pay_sumamt": r.yuan("fund_pay_sumamt", required=True),
            "acct_pay": r.yuan("acct_pay", required=True),
        }
    cond = _scope(hospital["fixmedins_code"], insutype, clr_type, begin, end, include)
    with p.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(settlements.c.setl_id, settlements.c.mdtrt_id, settlements.c.psn_no, settlements.c.msgid,
                   settlements.c.medfee_sumamt, settlements.c.fund_pay_sumamt, settlements.c.acct_pay,
                   settlements.c.refd_setl_flag).where(cond).order_by(settlements.c.setl_id)
        ).mappings().all()  # fmt: skip
    results = []
    ours = {r["setl_id"]: r for r in rows}
    for setl_id, mine in ours.items():
        their = theirs.get(setl_id)
        if their is None:
            results.append({"setl_id": setl_id, "stmt_rslt": "1", "memo": "机构缺少该笔结算", "msgid": mine["msgid"],
                            "refd_setl_flag": mine["refd_setl_flag"]})  # fmt: skip
            continue
        diffs = [
            f"{k} 机构 {format_yuan(their[k])} / 平台 {format_yuan(int(mine[k]))}"
            for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")
            if their[k] != int(mine[k])
        ]
        results.append({"setl_id": setl_id, "stmt_rslt": "1" if diffs else "0", "memo": "；".join(diffs) or "一致",
                        "msgid": mine["msgid"], "refd_setl_flag": mine["refd_setl_flag"]})  # fmt: skip
    for setl_id in sorted(set(theirs) - set(ours)):
        results.append({"setl_id": setl_id, "stmt_rslt": "1", "memo": "平台无该笔结算（或不在对账范围内）",
                        "msgid": "", "refd_setl_flag": ""})  # fmt: skip
    mismatched = sum(1 for r in results if r["stmt_rslt"] != "0")
    return {
        "stmt_rslt": "0" if mismatched == 0 else "1",
        "matched": len(results) - mismatched,
        "mismatched": mismatched,
        "details": results,
    }
