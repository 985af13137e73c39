"""The national gateway: sealed hospital tokens for x-tif-* signatures, nonces, 9001 sign-ins, 9101 files,
persons.naty and visits.mdtrt_cert_type

Revision ID: 0011_his
Revises: 0010_pages
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import syncsettle.adapters.db.core.types

revision = "0011_his"
down_revision = "0010_pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hospitals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("secret_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("paas_id", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("sign_no_policy", sa.String(length=10), nullable=False, server_default="tolerate")
        )
    op.create_table(
        "gateway_nonces",
        sa.Column("paas_id", sa.String(length=40), nullable=False),
        sa.Column("nonce", sa.String(length=80), nullable=False),
        sa.Column("seen_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("paas_id", "nonce", name=op.f("pk_gateway_nonces")),
    )
    op.create_index(op.f("ix_gateway_nonces_seen_at"), "gateway_nonces", ["seen_at"], unique=False)
    op.create_table(
        "sign_ins",
        sa.Column("sign_no", sa.String(length=40), nullable=False),
        sa.Column("fixmedins_code", sa.String(length=20), nullable=False),
        sa.Column("opter_no", sa.String(length=30), nullable=False),
        sa.Column("mac", sa.String(length=40), nullable=False),
        sa.Column("ip", sa.String(length=60), nullable=False),
        sa.Column("signed_in_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("signed_out_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["fixmedins_code"], ["hospitals.fixmedins_code"], name=op.f("fk_sign_ins_fixmedins_code_hospitals")
        ),
        sa.PrimaryKeyConstraint("sign_no", name=op.f("pk_sign_ins")),
    )
    op.create_index(op.f("ix_sign_ins_fixmedins_code"), "sign_ins", ["fixmedins_code"], unique=False)
    op.create_table(
        "fsi_files",
        sa.Column("file_qury_no", sa.String(length=40), nullable=False),
        sa.Column("fixmedins_code", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", syncsettle.adapters.db.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["fixmedins_code"], ["hospitals.fixmedins_code"], name=op.f("fk_fsi_files_fixmedins_code_hospitals")
        ),
        sa.PrimaryKeyConstraint("file_qury_no", name=op.f("pk_fsi_files")),
    )
    op.create_index(op.f("ix_fsi_files_fixmedins_code"), "fsi_files", ["fixmedins_code"], unique=False)
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("naty", sa.String(length=3), nullable=True))
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mdtrt_cert_type", sa.String(length=3), nullable=True))
    with op.batch_alter_table("fee_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("init_feedetl_sn", sa.String(length=30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fee_lines", schema=None) as batch_op:
        batch_op.drop_column("init_feedetl_sn")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_column("mdtrt_cert_type")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_column("naty")
    op.drop_index(op.f("ix_fsi_files_fixmedins_code"), table_name="fsi_files")
    op.drop_table("fsi_files")
    op.drop_index(op.f("ix_sign_ins_fixmedins_code"), table_name="sign_ins")
    op.drop_table("sign_ins")
    op.drop_index(op.f("ix_gateway_nonces_seen_at"), table_name="gateway_nonces")
    op.drop_table("gateway_nonces")
    with op.batch_alter_table("hospitals", schema=None) as batch_op:
        batch_op.drop_column("sign_no_policy")
        batch_op.drop_column("paas_id")
        batch_op.drop_column("secret_sealed")
