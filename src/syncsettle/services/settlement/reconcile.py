"""Reconciliation with a hospital over the national interface: totals (3201 对总账) and detail (3202
对明细账). The comparison and the discrepancy records live in the clearing centre
(:mod:`syncsettle.services.clearing.hospital_reconciliation`); this module reads the messages.
"""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.json_reader import Reader
from syncsettle.services.clearing.hospital_reconciliation import (
    read_details,
    read_scope,
    read_stated_totals,
    reconcile_detail,
    reconcile_totals,
)
from syncsettle.services.platform import Platform


def totals(p: Platform, hospital: dict[str, Any], data: Reader) -> dict[str, Any]:
    scope = read_scope(hospital["fixmedins_code"], data)
    result = reconcile_totals(p, scope, read_stated_totals(data))
    return {
        "stmtinfo": {
            "setl_optins": data.text("setl_optins", required=False) or "",
            "stmt_rslt": result["stmt_rslt"],
            "stmt_rslt_dscr": result["stmt_rslt_dscr"],
        },
        "platform": result["platform"],
    }


def detail(p: Platform, hospital: dict[str, Any], data: Reader) -> dict[str, Any]:
    """Compare the hospital's detail lines with the platform's, settlement by settlement."""
    scope = read_scope(hospital["fixmedins_code"], data)
    return reconcile_detail(p, scope, read_details(data))
