"""周转金: the revolving funds of cross-region settlement, their ledger entries and monthly settlements

Revision ID: 0013_revolving
Revises: 0011_his
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import syncsettle.adapters.db.core.types

revision = "0013_revolving"
down_revision = "0011_his"
branch_labels = None
depends_on = None

TS = syncsettle.adapters.db.core.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "revolving_funds",
        sa.Column("insured_region", sa.String(length=6), nullable=False),
        sa.Column("treatment_region", sa.String(length=6), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.BigInteger(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("insured_region", "treatment_region", name=op.f("pk_revolving_funds")),
    )
    op.create_table(
        "revolving_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("insured_region", sa.String(length=6), nullable=False),
        sa.Column("treatment_region", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("ref", sa.String(length=60), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("booked_at", TS, nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revolving_entries")),
        sa.UniqueConstraint("insured_region", "treatment_region", "kind", "ref", name=op.f("uq_revolving_entries_ref")),
    )
    op.create_index(
        "ix_revolving_entries_pair_date",
        "revolving_entries",
        ["insured_region", "treatment_region", "value_date"],
        unique=False,
    )
    op.create_table(
        "revolving_periods",
        sa.Column("insured_region", sa.String(length=6), nullable=False),
        sa.Column("treatment_region", sa.String(length=6), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("balance_before", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.BigInteger(), nullable=False),
        sa.Column("top_up", sa.BigInteger(), nullable=False),
        sa.Column("settled_at", TS, nullable=False),
        sa.Column("settled_by", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("insured_region", "treatment_region", "month", name=op.f("pk_revolving_periods")),
    )


def downgrade() -> None:
    op.drop_table("revolving_periods")
    op.drop_index("ix_revolving_entries_pair_date", table_name="revolving_entries")
    op.drop_table("revolving_entries")
    op.drop_table("revolving_funds")
