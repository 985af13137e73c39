"""Tables of the general computing centre (通用计算能力中心): risk flags, the claim facts that
actuarial queries and replays read, background jobs, premiums, privacy budgets and released cells.

All live in the medical-insurance domain: nothing here leaves it except through a release
(``services/computing/release.py``). Amounts are ``BigInteger`` fen; epsilon is kept in
millionths (``BigInteger``) so a budget is spent with an exact relative update.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from syncsettle.adapters.db.core.schema import metadata, visits
from syncsettle.adapters.db.core.types import UTCDateTime

TS = UTCDateTime()
Money = BigInteger

# the risk rules read a person's recent visits on every 3101/3102/settlement: find them by person
Index("ix_visits_psn_begntime", visits.c.psn_no, visits.c.begntime)

risk_flags = Table(
    "risk_flags",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("jr_id", String(40), nullable=False),
    Column("scan_id", String(40), nullable=False),
    Column("rule_set", String(80), nullable=False),
    Column("rule_version", Integer, nullable=False),
    Column("rule_id", String(40), nullable=False),
    Column("rule_name", String(200), nullable=False),
    Column("sev_deg", String(2), nullable=False),
    Column("psn_no", String(30), nullable=True),
    Column("mdtrt_id", String(40), nullable=True),
    Column("setl_id", String(40), nullable=True),
    Column("fixmedins_code", String(20), nullable=True),
    Column("vola_amt", Money, nullable=False),
    Column("vola_cont", Text, nullable=False),
    Column("lines", JSON, nullable=False),
    Column("status", String(12), nullable=False, default="open"),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    Column("flagged_at", TS, nullable=False),
    UniqueConstraint("jr_id", name="uq_risk_flags_jr_id"),
    Index("ix_risk_flags_status", "status", "flagged_at"),
)

claim_facts = Table(
    "claim_facts",
    metadata,
    Column("setl_id", String(40), primary_key=True),
    Column("psn_no", String(30), nullable=False),
    Column("year", Integer, nullable=False),
    Column("setl_date", Date, nullable=False),
    Column("setl_time", TS, nullable=False),
    Column("med_type", String(6), nullable=False),
    Column("insutype", String(6), nullable=False),
    Column("fixmedins_code", String(20), nullable=False),
    Column("hospital_level", String(2), nullable=False),
    Column("treatment_region", String(6), nullable=False),
    Column("insured_region", String(6), nullable=False),
    Column("gend", String(1), nullable=False),
    Column("age", Integer, nullable=False),
    Column("medfee_sumamt", Money, nullable=False),
    Column("fulamt_ownpay_amt", Money, nullable=False),
    Column("overlmt_amt", Money, nullable=False),
    Column("preselfpay_amt", Money, nullable=False),
    Column("inscp_scp_amt", Money, nullable=False),
    Column("cross_region_selfpay", Money, nullable=False),
    Column("product_status", String(30), nullable=False),
    Column("fund_pay_sumamt", Money, nullable=False),
    Column("commercial_sumamt", Money, nullable=False),
    Column("acct_pay", Money, nullable=False),
    Column("psn_cash_pay", Money, nullable=False),
    Column("diagnoses", JSON, nullable=False),
    Index("ix_claim_facts_date", "setl_date"),
    Index("ix_claim_facts_psn", "psn_no", "setl_time"),
)

claim_fact_products = Table(
    "claim_fact_products",
    metadata,
    Column("setl_id", String(40), primary_key=True),
    Column("product_id", String(80), primary_key=True),
    Column("resp_id", String(20), primary_key=True),
    Column("deductible_applied", Money, nullable=False),
    Column("paid", Money, nullable=False),
    Index("ix_claim_fact_products_product", "product_id", "setl_id"),
)

product_premiums = Table(
    "product_premiums",
    metadata,
    Column("product_id", String(80), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("premium", Money, nullable=False),
    CheckConstraint("premium >= 0", name="premium_not_negative"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("owner", String(80), nullable=False),
    Column("status", String(10), nullable=False),
    Column("progress", Float, nullable=False, default=0.0),
    Column("params", JSON, nullable=False),
    Column("result", JSON, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", TS, nullable=False),
    Column("started_at", TS, nullable=True),
    Column("finished_at", TS, nullable=True),
    CheckConstraint("status in ('queued', 'running', 'done', 'failed')", name="known_status"),
    CheckConstraint("progress >= 0 and progress <= 1", name="progress_range"),
)

privacy_budgets = Table(
    "privacy_budgets",
    metadata,
    Column("insurer", String(80), primary_key=True),
    Column("dataset", String(80), primary_key=True),
    Column("total_micro", BigInteger, nullable=False),
    Column("spent_micro", BigInteger, nullable=False, default=0),
    Column("expires_on", Date, nullable=True),  # last business date (Beijing) it may be spent; none: no expiry
    Column("granted_by", String(120), nullable=True),  # the regulator's credential and name
    Column("granted_at", TS, nullable=True),
    Column("revoked_at", TS, nullable=True),  # revoked: nothing more may be spent (what was spent stays)
    Column("revoked_by", String(120), nullable=True),
    CheckConstraint("spent_micro >= 0 and spent_micro <= total_micro", name="within_budget"),
)

released_cells = Table(
    "released_cells",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("insurer", String(80), nullable=False),
    Column("dataset", String(80), nullable=False),
    Column("cell", JSON, nullable=False),
    Column("contributors", Integer, nullable=False),
    Column("released_at", TS, nullable=False),
    Index("ix_released_cells_owner", "insurer", "dataset"),
)
