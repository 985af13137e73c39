"""Product rule files the commercial tests file besides the shipped reference products."""

from __future__ import annotations

from typing import Any

SUMMARY_ID = "summary-computable"
SUMMARY_CONTENT: dict[str, Any] = {
    "kind": "product", "id": SUMMARY_ID, "name": "结算数据可算产品", "insurer": "test-insurer",
    "route": "settlement_summary", "priority": 15,
    "versions": [{"version": 1, "effective_from": "2025-01-01", "responsibilities": [
        {"id": "A", "name": "政策内自付", "covers": ["in_scope_selfpay"],
         "deductible": {"standard": "300.00", "by_insutype": {"310": "500.00"}},
         "ratio": {"standard": "0.60", "cross_region": {"unfiled_out_of_province": {"standard": "0.30"}}},
         "cap": "20000.00"},
        {"id": "B", "name": "其余自付自费",
         "covers": ["preselfpay", "cross_region_selfpay", "overlimit", "out_of_scope"],
         "ratio": {"standard": "0.40"}, "cap": "8000.00"}]}],
}  # fmt: skip
"""A product the ``settlement_summary`` granularity can adjudicate exactly: one responsibility on the
in-policy self-pay, one on everything else (the summary tells those two apart and nothing finer)."""
