"""Reconciliation with a hospital over the national interface: totals (3201 对总账) and detail (3202
对明细账). The comparison and the discrepancy records live in the clearing centre
(:mod:`syncsettle.services.clearing.hospital_reconciliation`); this module reads the messages.
"""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.db.settlement.records import Hospital
from syncsettle.adapters.json_reader import Reader
from syncsettle.services.clearing.hospital_reconciliation import (
    read_details,
    read_scope,
    read_stated_totals,
    reconcile_detail,
    reconcile_totals,
)
from syncsettle.services.platform import Platform
from syncsettle.services.settlement import files


def totals(p: Platform, hospital: Hospital, data: Reader) -> dict[str, Any]:
    scope = read_scope(hospital.fixmedins_code, data)
    result = reconcile_totals(p, scope, read_stated_totals(data))
    return {
        "stmtinfo": {
            "setl_optins": data.text("setl_optins", required=False) or "",
            "stmt_rslt": result["stmt_rslt"],
            "stmt_rslt_dscr": result["stmt_rslt_dscr"],
        },
        "platform": result["platform"],
    }


def detail(p: Platform, hospital: Hospital, data: Reader) -> dict[str, Any]:
    """Compare the hospital's detail lines with the platform's, settlement by settlement. The lines
    come as the interface sends them, in a file uploaded by 9101 and named by ``file_qury_no``
    (:mod:`.files`), or inline as ``details[]``."""
    scope = read_scope(hospital.fixmedins_code, data, detail=True)
    number = data.text("file_qury_no", required=False)
    theirs = files.read_detail_file(files.uploaded(p, hospital, number)) if number else read_details(data)
    result = reconcile_detail(p, scope, theirs)
    if number:
        result["fileinfo"] = {"file_qury_no": number, "filename": "", "dld_endtime": ""}
    return result
