"""Console pages: hospital reconciliation runs (3201/3202 results kept for the console)

Revision ID: 0010_pages
Revises: 0009_legs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import syncsettle.adapters.db.core.types


revision = "0010_pages"
down_revision = "0009_legs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reconciliation_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hospital", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("insutype", sa.String(length=6), nullable=False),
        sa.Column("clr_type", sa.String(length=6), nullable=False),
        sa.Column("period_begin", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("include_refunds", sa.Boolean(), nullable=False),
        sa.Column("result", sa.String(length=1), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=True),
        sa.Column("mismatched", sa.Integer(), nullable=True),
        sa.Column("platform", sa.JSON(), nullable=True),
        sa.Column("stated", sa.JSON(), nullable=True),
        sa.Column("run_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_runs")),
    )
    with op.batch_alter_table("reconciliation_runs", schema=None) as batch_op:
        batch_op.create_index("ix_reconciliation_runs_hospital", ["hospital", "run_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reconciliation_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_reconciliation_runs_hospital")
    op.drop_table("reconciliation_runs")
