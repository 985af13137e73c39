"""Tables of the bedside commercial leg's checks: legs held for risk review, reviewers' decisions
and operational alerts (an insurer's prefunding exhausted).

A held leg is a ``commercial_claims`` row with status ``held`` (reason ``risk_review``); ``leg_holds``
keeps the findings that held it. A decision on a held leg or on a batch-scan ``risk_flags`` row is one
``review_decisions`` row (and one audit entry). An alert is open until it is resolved (a top-up
resolves its insurer's ``prefund_exhausted`` alert): ``open_key`` is ``"open"`` while it is open and
``NULL`` afterwards, so the unique key allows one open alert per kind and subject and any number of
resolved ones. Amounts are ``BigInteger`` fen.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from syncsettle.adapters.db.core.schema import TS, Money, metadata

leg_holds = Table(
    "leg_holds",
    metadata,
    Column("claim_id", String(40), ForeignKey("commercial_claims.claim_id"), primary_key=True),
    Column("setl_id", String(40), nullable=False),
    Column("findings", JSON, nullable=False),  # the visit's 事中 findings, national 3102 ``result[]`` shape
    Column("vola_amt", Money, nullable=False),  # fen in question over those findings
    Column("held_at", TS, nullable=False),
    Index("ix_leg_holds_setl", "setl_id"),
)

review_decisions = Table(
    "review_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_kind", String(8), nullable=False),  # leg (a held claim) | flag (a risk_flags row)
    Column("item_id", String(40), nullable=False),  # claim_id, or risk_flags.id as text
    Column("decision", String(12), nullable=False),  # approve | reject | more_info
    Column("reason", Text, nullable=False),
    Column("actor_role", String(12), nullable=False),
    Column("actor_tenant", String(80), nullable=False),
    Column("actor_name", String(100), nullable=False),
    Column("credential_id", String(60), nullable=False),
    Column("decided_at", TS, nullable=False),
    Index("ix_review_decisions_item", "item_kind", "item_id"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(30), nullable=False),  # prefund_exhausted
    Column("subject", String(80), nullable=False),  # the insurer
    Column("open_key", String(4), nullable=True),  # "open" while open, NULL once resolved
    Column("message", Text, nullable=False),
    Column("occurrences", Integer, nullable=False),  # legs refused while it was open
    Column("amount", Money, nullable=False),  # their fen
    Column("raised_at", TS, nullable=False),
    Column("last_at", TS, nullable=False),
    Column("resolved_at", TS, nullable=True),
    Column("resolved_by", String(100), nullable=True),
    UniqueConstraint("kind", "subject", "open_key", name="uq_alerts_open"),
    Index("ix_alerts_subject", "subject", "raised_at"),
)
