"""Tables of the clearing & settlement business centre (清分结算): windows, their items, positions,
payment instructions, insurer prefunding, reconciliation discrepancies and insurer statement lines.

Money is ``BigInteger`` fen. The settle path never writes here: settlements are assigned to windows
set-based when a window closes (``clearing_items``, one row per settlement or reversal, so the primary
key itself proves that nothing belongs to two windows).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from syncsettle.adapters.db.core.schema import TS, Money, metadata

clearing_schedules = Table(
    "clearing_schedules",
    metadata,
    # insured region (6 digits), or "*" for the default of every region without a row of its own
    Column("region", String(6), primary_key=True),
    Column("period_days", Integer, nullable=False),
    Column("close_delay_s", Integer, nullable=False),
    Column("updated_at", TS, nullable=False),
)

clearing_windows = Table(
    "clearing_windows",
    metadata,
    Column("window_id", String(40), primary_key=True),
    Column("region", String(6), nullable=False),
    Column("period_begin", Date, nullable=False),  # first business date (China time) of the window
    Column("period_end", Date, nullable=False),  # first business date after it (exclusive)
    Column("cutoff", TS, nullable=False),  # period_end at 00:00 China time: settlements before it belong here
    Column("close_delay_s", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("items", Integer, nullable=False, default=0),
    Column("instructions", Integer, nullable=False, default=0),
    Column("total_paid", Money, nullable=False, default=0),  # payer → hospital, fen
    Column("total_refunded", Money, nullable=False, default=0),  # hospital → payer, fen
    Column("checksum", String(64), nullable=True),  # SM3 of the canonical instruction file
    Column("opened_at", TS, nullable=False),
    Column("closed_at", TS, nullable=True),
    Column("cleared_at", TS, nullable=True),
    Column("settled_at", TS, nullable=True),
    Column("aborted_at", TS, nullable=True),
    Column("aborted_by", String(60), nullable=True),
    Column("aborted_reason", Text, nullable=True),
    UniqueConstraint("region", "period_begin", name="uq_clearing_windows_region_begin"),
    Index("ix_clearing_windows_region_status", "region", "status"),
)

# No foreign keys here on purpose: closing a window inserts every item with one INSERT … SELECT from
# settlements, and per-row key checks (PostgreSQL locks the referenced row FOR KEY SHARE, a million
# times on the one window row) would cost more than the whole close. ``syncsettle check`` verifies
# that every item names an existing settlement and window.
clearing_items = Table(
    "clearing_items",
    metadata,
    Column("setl_id", String(40), primary_key=True),
    Column("window_id", String(40), nullable=False),
    Index("ix_clearing_items_window", "window_id"),
)

clearing_payers = Table(
    "clearing_payers",
    metadata,
    # a settlement_shares.payer of kind "product" (``product:<id>``) → the insurer that pays it
    Column("share_payer", String(80), primary_key=True),
    Column("insurer", String(80), nullable=False),
)

clearing_positions = Table(
    "clearing_positions",
    metadata,
    Column("window_id", String(40), ForeignKey("clearing_windows.window_id"), primary_key=True),
    Column("payer", String(100), primary_key=True),  # fund:<region>:<fund_pay_type> or insurer:<id>
    Column("hospital", String(20), primary_key=True),
    Column("ledger", String(12), nullable=False),
    Column("gross_settled", Money, nullable=False),  # shares of settlements (≥ 0)
    Column("gross_reversed", Money, nullable=False),  # shares of reversals (≤ 0)
    Column("net", Money, nullable=False),  # gross_settled + gross_reversed
    Column("lines", Integer, nullable=False),  # shares counted
)

payment_instructions = Table(
    "payment_instructions",
    metadata,
    Column("window_id", String(40), ForeignKey("clearing_windows.window_id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("ledger", String(12), nullable=False),
    Column("payer", String(100), nullable=False),
    Column("hospital", String(20), nullable=False),
    Column("amount", Money, nullable=False),  # signed fen: > 0 payer pays the hospital, < 0 the hospital refunds
    Column("status", String(12), nullable=False),  # issued | confirmed | void
    Column("confirmed_at", TS, nullable=True),
    Column("confirmed_by", String(60), nullable=True),
    Column("bank_ref", String(80), nullable=True),
)

insurer_funding = Table(
    "insurer_funding",
    metadata,
    Column("insurer", String(80), primary_key=True),
    Column("reserve", Money, nullable=False),  # prefunded money held for the insurer (may go down to -cap)
    Column("exposure", Money, nullable=False),  # bedside legs reserved and not yet paid out by clearing
    Column("net_debit_cap", Money, nullable=False),  # how far exposure may exceed the reserve
    Column("updated_at", TS, nullable=False),
)

insurer_reservations = Table(
    "insurer_reservations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("insurer", String(80), nullable=False),
    Column("ref", String(60), nullable=False),  # the leg: the settlement's setl_id
    Column("amount", Money, nullable=False),
    Column("reserved_at", TS, nullable=False),
    Column("released_in", String(40), nullable=True),  # the window whose settlement released it
    Index("ix_insurer_reservations_ref", "ref"),
    Index("ix_insurer_reservations_open", "insurer", "released_in"),
)

discrepancies = Table(
    "discrepancies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(12), nullable=False),  # hospital | insurer | revolving (周转金)
    Column("party", String(80), nullable=False),  # fixmedins_code or insurer id
    Column("scope", String(80), nullable=False),  # e.g. 390/11/2025-06-10..2025-06-10, or 2025-06
    Column("setl_id", String(40), nullable=False),
    Column("item", String(120), nullable=False, default=""),  # product/responsibility for statement lines
    Column("reason", String(30), nullable=False),
    Column("ours", BigInteger, nullable=True),
    Column("theirs", BigInteger, nullable=True),
    Column("detail", Text, nullable=False),
    Column("status", String(14), nullable=False),  # open | investigating | resolved | written_off
    Column("opened_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    UniqueConstraint("source", "party", "scope", "setl_id", "item", "reason", name="uq_discrepancies_key"),
    Index("ix_discrepancies_status", "status"),
)

discrepancy_events = Table(
    "discrepancy_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("discrepancy_id", Integer, ForeignKey("discrepancies.id"), nullable=False),
    Column("from_status", String(14), nullable=True),
    Column("to_status", String(14), nullable=False),
    Column("actor", String(60), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", TS, nullable=False),
    Index("ix_discrepancy_events_discrepancy", "discrepancy_id"),
)

commercial_lines = Table(
    "commercial_lines",
    metadata,
    # one responsibility of one product of one settlement (a reversal's lines are the original's, negated),
    # normalised from the settlement's stored output so statements are set-based
    Column("setl_id", String(40), ForeignKey("settlements.setl_id"), primary_key=True),
    Column("product_id", String(80), primary_key=True),
    Column("resp_id", String(20), primary_key=True),
    Column("insurer", String(80), nullable=False),
    Column("route", String(24), nullable=False),
    Column("resp_name", String(200), nullable=False),
    Column("setl_date", Date, nullable=False),
    Column("base", Money, nullable=False),
    Column("deductible", Money, nullable=False),
    Column("payable", Money, nullable=False),
    Index("ix_commercial_lines_insurer_date", "insurer", "setl_date"),
)

# 周转金: the revolving fund an insured region advances to a treatment region (domain/clearing/revolving.py).
# ``balance`` is the sum of the pair's entries (``syncsettle check`` verifies it), ``level`` the one
# the last monthly settlement restored (or the opening advance's).
revolving_funds = Table(
    "revolving_funds",
    metadata,
    Column("insured_region", String(6), primary_key=True),
    Column("treatment_region", String(6), primary_key=True),
    Column("balance", Money, nullable=False),
    Column("level", Money, nullable=False),
    Column("opened_on", Date, nullable=False),  # business date of the first advance: draws start there
    Column("opened_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
)

revolving_entries = Table(
    "revolving_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("insured_region", String(6), nullable=False),
    Column("treatment_region", String(6), nullable=False),
    Column("kind", String(10), nullable=False),  # advance | draw | top_up
    Column("ref", String(60), nullable=False),  # the advance's id, the settlement's setl_id, or the month (2025-06)
    Column("amount", Money, nullable=False),  # signed fen: > 0 adds to the fund
    Column("value_date", Date, nullable=False),  # business date it counts on (a top-up: the month's last day)
    Column("booked_at", TS, nullable=False),
    Column("actor", String(60), nullable=False),
    # a settlement is drawn once, a month settled once, per pair
    UniqueConstraint("insured_region", "treatment_region", "kind", "ref", name="uq_revolving_entries_ref"),
    Index("ix_revolving_entries_pair_date", "insured_region", "treatment_region", "value_date"),
)

revolving_periods = Table(
    "revolving_periods",
    metadata,
    Column("insured_region", String(6), primary_key=True),
    Column("treatment_region", String(6), primary_key=True),
    Column("month", Date, primary_key=True),  # first day of the month settled
    Column("paid", Money, nullable=False),  # the month's net payments for cross-region settlements
    Column("balance_before", Money, nullable=False),  # at the month's end, before the top-up
    Column("level", Money, nullable=False),
    Column("top_up", Money, nullable=False),  # level − balance_before, paid by the insured region
    Column("settled_at", TS, nullable=False),
    Column("settled_by", String(60), nullable=False),
)
