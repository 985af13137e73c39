"""商保码 (一码通赔): the signed claim codes the platform issued, and the settlements each was presented for

Revision ID: 0016_claim_codes
Revises: 0015_budgets
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import syncsettle.adapters.db.core.types

revision = "0016_claim_codes"
down_revision = "0015_budgets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claim_codes",
        sa.Column("code_id", sa.String(length=40), nullable=False),
        sa.Column("psn_no", sa.String(length=30), nullable=False),
        sa.Column("product_id", sa.String(length=80), nullable=False),
        sa.Column("insurer_id", sa.String(length=40), nullable=False),
        sa.Column("issued_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("revoked_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint("status in ('active', 'revoked', 'superseded')", name=op.f("ck_claim_codes_known_status")),
        sa.CheckConstraint("expires_at > issued_at", name=op.f("ck_claim_codes_expires_after_issue")),
        sa.PrimaryKeyConstraint("code_id", name=op.f("pk_claim_codes")),
    )
    op.create_index("ix_claim_codes_psn", "claim_codes", ["psn_no", "product_id", "status"], unique=False)
    op.create_table(
        "claim_code_uses",
        sa.Column("code_id", sa.String(length=40), nullable=False),
        sa.Column("setl_id", sa.String(length=40), nullable=False),
        sa.Column("claim_id", sa.String(length=40), nullable=False),
        sa.Column("first_by", sa.String(length=100), nullable=False),
        sa.Column("first_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_by", sa.String(length=100), nullable=False),
        sa.Column("last_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["commercial_claims.claim_id"], name=op.f("fk_claim_code_uses_claim_id_commercial_claims")
        ),
        sa.ForeignKeyConstraint(
            ["code_id"], ["claim_codes.code_id"], name=op.f("fk_claim_code_uses_code_id_claim_codes")
        ),
        sa.ForeignKeyConstraint(
            ["setl_id"], ["settlements.setl_id"], name=op.f("fk_claim_code_uses_setl_id_settlements")
        ),
        sa.PrimaryKeyConstraint("code_id", "setl_id", name=op.f("pk_claim_code_uses")),
    )
    op.create_index("ix_claim_code_uses_claim", "claim_code_uses", ["claim_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_claim_code_uses_claim", table_name="claim_code_uses")
    op.drop_table("claim_code_uses")
    op.drop_index("ix_claim_codes_psn", table_name="claim_codes")
    op.drop_table("claim_codes")
