"""What the broker consumer pushed to insured persons (slips, quick-claim progress); the database's instance id; outbox by topic and key

Revision ID: 0017_insured_notices
Revises: 0016_claim_codes
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

import syncsettle.adapters.db.core.types

revision = "0017_insured_notices"
down_revision = "0016_claim_codes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    instance = op.create_table("platform_instance", sa.Column("instance_id", sa.String(length=36), nullable=False),
                               sa.PrimaryKeyConstraint("instance_id", name=op.f("pk_platform_instance")))  # fmt: skip
    op.bulk_insert(instance, [{"instance_id": str(uuid.uuid4())}])  # drawn once, when the database is created
    op.create_table(
        "insured_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=160), nullable=False),
        sa.Column("psn_no", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("setl_id", sa.String(length=40), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("occurred_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind in ('settled', 'reversed', 'claim_settled')", name=op.f("ck_insured_notices_known_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insured_notices")),
        sa.UniqueConstraint("event_id", name=op.f("uq_insured_notices_event_id")),
    )
    op.create_index("ix_insured_notices_psn", "insured_notices", ["psn_no", "id"], unique=False)
    op.create_index("ix_outbox_topic_key", "outbox", ["topic", "key"], unique=False)  # the insurer feeds' check


def downgrade() -> None:
    op.drop_index("ix_outbox_topic_key", table_name="outbox")
    op.drop_index("ix_insured_notices_psn", table_name="insured_notices")
    op.drop_table("insured_notices")
    op.drop_table("platform_instance")
