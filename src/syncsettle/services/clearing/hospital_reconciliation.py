"""Reconciliation with a hospital: totals (3201 对总账), then detail (3202 对明细账), per insutype,
clearing type and period (settlement business date, China time); every difference in the detail
becomes a tracked discrepancy with its reason (missing settlement, missing reversal, unknown
settlement, extra reversal, different amount).

The platform's figures are net of reversals (a reversal is its own row with negated amounts). With
``refd_setl_flag`` "0" the reversals and the settlements they reverse are left out on both sides.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.clearing import hospital_ledger
from syncsettle.adapters.db.clearing import reconciliation_runs as runs_repo
from syncsettle.adapters.json_reader import Reader
from syncsettle.domain.clearing.reconciliation import (
    HOSPITAL_FIELDS,
    Scope,
    SettlementRecord,
    compare_settlements,
    compare_totals,
)
from syncsettle.money import format_yuan
from syncsettle.services.clearing.discrepancies import record_findings
from syncsettle.services.platform import Platform

TOTAL_FIELDS = (*HOSPITAL_FIELDS, "fixmedins_setl_cnt")


def read_scope(hospital: str, data: Reader, *, detail: bool = False) -> Scope:
    """3201 names insutype and clr_type; 3202 (``detail``) may leave either out: all of them then."""
    begin, end = data.day("stmt_begndate"), data.day("stmt_enddate")
    assert begin is not None and end is not None
    include = (data.text("refd_setl_flag", required=False) or "1") == "1"
    if detail:
        insutype, clr_type = data.text("insutype", required=False), data.text("clr_type", required=False)
    else:
        insutype, clr_type = data.req_text("insutype"), data.req_text("clr_type")
    return Scope(hospital, insutype, clr_type, begin, end, include)


def read_stated_totals(data: Reader) -> dict[str, int]:
    stated = {k: data.yuan(k, required=True, allow_negative=True) for k in HOSPITAL_FIELDS}
    return stated | {"fixmedins_setl_cnt": data.integer("fixmedins_setl_cnt")}


def read_details(data: Reader) -> dict[str, SettlementRecord]:
    """The hospital's detail lines (3202 ``details``): setl_id, amounts, refd_setl_flag, init_setl_id."""
    theirs: dict[str, SettlementRecord] = {}
    for i, item in enumerate(data.items("details")):
        r = Reader(item, f"details[{i}]")
        setl_id = r.req_text("setl_id")
        theirs[setl_id] = SettlementRecord(
            setl_id,
            (r.text("refd_setl_flag", required=False) or "0") == "1",
            {k: r.yuan(k, required=True, allow_negative=True) for k in HOSPITAL_FIELDS},
            r.text("init_setl_id", required=False),
        )
    return theirs


def totals_of(theirs: dict[str, SettlementRecord]) -> dict[str, int]:
    """The totals a hospital's detail lines add up to (when its file states no totals of its own)."""
    summed = {k: sum(r.amounts[k] for r in theirs.values()) for k in HOSPITAL_FIELDS}
    return summed | {"fixmedins_setl_cnt": len(theirs)}


def platform_totals(conn: Connection, scope: Scope) -> dict[str, int]:
    return dict(zip(TOTAL_FIELDS, hospital_ledger.totals(conn, scope, HOSPITAL_FIELDS), strict=True))


def platform_records(conn: Connection, scope: Scope) -> tuple[dict[str, SettlementRecord], dict[str, str]]:
    """The platform's settlements in scope, and their msgids."""
    records: dict[str, SettlementRecord] = {}
    msgids: dict[str, str] = {}
    for r in hospital_ledger.rows(conn, scope, HOSPITAL_FIELDS):
        records[r["setl_id"]] = SettlementRecord(
            r["setl_id"], r["status"] == "reversal", {k: int(r[k]) for k in HOSPITAL_FIELDS}, r["reverses"]
        )
        msgids[r["setl_id"]] = r["msgid"]
    return records, msgids


def reconcile_totals(p: Platform, scope: Scope, stated: dict[str, int]) -> dict[str, Any]:
    """3201: the hospital's totals against the platform's (totals are not recorded as discrepancies:
    the detail reconciliation that follows names the settlements behind any difference)."""
    now = p.clock.now()
    with p.uow() as uow:
        ours = platform_totals(uow.conn, scope)
        diffs = compare_totals(ours, stated)
        result = "0" if not diffs else "1"
        description = "对账一致" if not diffs else "对账不平：" + "；".join(diffs)
        _record_run(uow.conn, scope, "3201", result, description, now, platform=ours, stated=stated)
        uow.commit()
    return {
        "stmt_rslt": result,
        "stmt_rslt_dscr": description,
        "platform": {k: (v if k == "fixmedins_setl_cnt" else format_yuan(v)) for k, v in ours.items()},
    }


def _record_run(conn: Connection, scope: Scope, kind: str, result: str, description: str, now: datetime,
                **figures: Any) -> None:  # fmt: skip
    """Keep the run's result for the console (same transaction as the reconciliation itself)."""
    runs_repo.add(conn, {
        "hospital": scope.hospital, "kind": kind, "scope": scope.label, "insutype": scope.insutype or "*",
        "clr_type": scope.clr_type or "*", "period_begin": scope.begin, "period_end": scope.end,
        "include_refunds": scope.include_refunds, "result": result, "description": description, "run_at": now,
        "matched": figures.get("matched"), "mismatched": figures.get("mismatched"),
        "platform": figures.get("platform"), "stated": figures.get("stated"),
    })  # fmt: skip


def runs(p: Platform, hospital: str | None = None) -> list[dict[str, Any]]:
    """Reconciliation runs, newest first: one hospital's (its own page) or every hospital's (the operator)."""
    with p.uow(readonly=True) as uow:
        return runs_repo.find(uow.conn, hospital)


def reconcile_detail(p: Platform, scope: Scope, theirs: dict[str, SettlementRecord]) -> dict[str, Any]:
    """3202: settlement by settlement, each difference recorded as a discrepancy (idempotently)."""
    now = p.clock.now()
    with p.uow() as uow:
        ours, msgids = platform_records(uow.conn, scope)
        findings = compare_settlements(ours, theirs)
        mismatched = record_findings(uow.conn, "hospital", scope.hospital, scope.label, findings, now)
        description = f"明细 {len(findings)} 笔：一致 {len(findings) - mismatched}，不一致 {mismatched}"
        _record_run(uow.conn, scope, "3202", "0" if mismatched == 0 else "1", description, now,
                    matched=len(findings) - mismatched, mismatched=mismatched)  # fmt: skip
        uow.commit()
    details = [
        {"setl_id": f.key, "stmt_rslt": "0" if f.matched else "1", "reason": f.reason, "memo": f.detail,
         "msgid": msgids.get(f.key, ""),
         "refd_setl_flag": ("1" if ours[f.key].reversal else "0") if f.key in ours else ""}
        for f in findings
    ]  # fmt: skip
    return {
        "stmt_rslt": "0" if mismatched == 0 else "1",
        "matched": len(findings) - mismatched,
        "mismatched": mismatched,
        "details": details,
    }
