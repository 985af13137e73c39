"""Bedside leg checks: held legs (leg_holds), review decisions, alerts; claims may be held or rejected

Revision ID: 0009_legs
Revises: 0005_clearing
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import syncsettle.adapters.db.core.types


revision = "0009_legs"
down_revision = "0005_clearing"
branch_labels = None
depends_on = None

OLD_STATUSES = "status in ('pending', 'settled', 'cancelled')"
NEW_STATUSES = "status in ('pending', 'settled', 'cancelled', 'held', 'rejected')"


def _claim_statuses(condition: str) -> None:
    with op.batch_alter_table("commercial_claims", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_commercial_claims_known_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_commercial_claims_known_status"), condition)


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("open_key", sa.String(length=4), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("raised_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("kind", "subject", "open_key", name="uq_alerts_open"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_subject", ["subject", "raised_at"], unique=False)
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_kind", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_role", sa.String(length=12), nullable=False),
        sa.Column("actor_tenant", sa.String(length=80), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("credential_id", sa.String(length=60), nullable=False),
        sa.Column("decided_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.create_index("ix_review_decisions_item", ["item_kind", "item_id"], unique=False)
    op.create_table(
        "leg_holds",
        sa.Column("claim_id", sa.String(length=40), nullable=False),
        sa.Column("setl_id", sa.String(length=40), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("vola_amt", sa.BigInteger(), nullable=False),
        sa.Column("held_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["commercial_claims.claim_id"], name=op.f("fk_leg_holds_claim_id_commercial_claims")
        ),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_leg_holds")),
    )
    with op.batch_alter_table("leg_holds", schema=None) as batch_op:
        batch_op.create_index("ix_leg_holds_setl", ["setl_id"], unique=False)
    _claim_statuses(NEW_STATUSES)


def downgrade() -> None:
    op.execute("UPDATE commercial_claims SET status = 'cancelled' WHERE status IN ('held', 'rejected')")
    _claim_statuses(OLD_STATUSES)
    with op.batch_alter_table("leg_holds", schema=None) as batch_op:
        batch_op.drop_index("ix_leg_holds_setl")
    op.drop_table("leg_holds")
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_review_decisions_item")
    op.drop_table("review_decisions")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_subject")
    op.drop_table("alerts")
