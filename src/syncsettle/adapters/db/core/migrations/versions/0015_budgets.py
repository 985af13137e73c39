"""Privacy budgets administered by the regulator: expiry, who granted, revocation

Revision ID: 0015_budgets
Revises: 0014_benefits
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import syncsettle.adapters.db.core.types

revision = "0015_budgets"
down_revision = "0014_benefits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("privacy_budgets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("granted_by", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("granted_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("revoked_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("revoked_by", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("privacy_budgets", schema=None) as batch_op:
        batch_op.drop_column("revoked_by")
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("granted_at")
        batch_op.drop_column("granted_by")
        batch_op.drop_column("expires_on")
