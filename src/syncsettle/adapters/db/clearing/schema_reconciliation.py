"""Hospital reconciliation runs (3201 对总账 / 3202 对明细账): one row per run, written in the
reconciliation's own transaction, so the console can show every hospital its results (and the
operator all of them) after the national answer has gone. The differences behind a mismatched
detail run are the tracked ``discrepancies`` of the same scope (``schema_clearing``).

Totals are fen (``BigInteger`` values inside the JSON objects, keyed by the national field names).
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, Index, Integer, String, Table, Text

from syncsettle.adapters.db.core.schema import TS, metadata

reconciliation_runs = Table(
    "reconciliation_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hospital", String(30), nullable=False),  # fixmedins_code
    Column("kind", String(4), nullable=False),  # 3201 (totals) | 3202 (detail)
    Column("scope", String(80), nullable=False),  # Scope.label: insutype/clr_type/begin..end[/0]
    Column("insutype", String(6), nullable=False),
    Column("clr_type", String(6), nullable=False),
    Column("period_begin", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("include_refunds", Boolean, nullable=False),
    Column("result", String(1), nullable=False),  # stmt_rslt: 0 matched, 1 mismatched
    Column("description", Text, nullable=False),  # stmt_rslt_dscr, or the detail's summary
    Column("matched", Integer, nullable=True),  # detail: settlements that match
    Column("mismatched", Integer, nullable=True),  # detail: differences (each a discrepancy)
    Column("platform", JSON, nullable=True),  # totals: the platform's figures (fen; fixmedins_setl_cnt a count)
    Column("stated", JSON, nullable=True),  # totals: the hospital's figures
    Column("run_at", TS, nullable=False),
    Index("ix_reconciliation_runs_hospital", "hospital", "run_at"),
)
