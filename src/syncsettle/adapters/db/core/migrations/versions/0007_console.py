"""Console and operations: per-minute latency histograms of the hospital interface

Revision ID: 0007_console
Revises: 0003_commercial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import syncsettle.adapters.db.core.types


revision = "0007_console"
down_revision = "0003_commercial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "latency_minutes",
        sa.Column("minute", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("operation", sa.String(length=12), nullable=False),
        sa.Column("route", sa.String(length=80), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("le_ms", sa.Integer(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("sum_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("minute", "operation", "route", "outcome", "le_ms", name=op.f("pk_latency_minutes")),
    )


def downgrade() -> None:
    op.drop_table("latency_minutes")
