"""The benefits beyond the pooled fund in the database: persons' medical-assistance identities,
civil-servant status, 门慢门特 certifications and 家庭共济 links; the accumulators those benefits need
(civil-servant and assistance payments, assistance base, the 门慢 deductible, referrals, per-disease
fund payments); visits' 病种 code; settlements' family-account payment (acct_mulaid_pay) in the sum

Revision ID: 0014_benefits
Revises: 0013_revolving
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import syncsettle.adapters.db.core.types

revision = "0014_benefits"
down_revision = "0013_revolving"
branch_labels = None
depends_on = None

_OLD_SUM = "medfee_sumamt = fund_pay_sumamt + commercial_sumamt + acct_pay + psn_cash_pay"
_NEW_SUM = "medfee_sumamt = fund_pay_sumamt + commercial_sumamt + acct_pay + acct_mulaid_pay + psn_cash_pay"
_ACCUMULATORS = ("cvlserv_paid", "maf_paid", "assistance_base", "chronic_deductible_used")


def upgrade() -> None:
    ts = syncsettle.adapters.db.core.types.UTCDateTime(timezone=True)
    op.create_table(
        "person_identities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("psn_no", sa.String(length=30), nullable=False),
        sa.Column("psn_idet_type", sa.String(length=6), nullable=False),
        sa.Column("psn_type_lv", sa.String(length=6), nullable=True),
        sa.Column("begndate", sa.Date(), nullable=True),
        sa.Column("enddate", sa.Date(), nullable=True),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["psn_no"], ["persons.psn_no"], name=op.f("fk_person_identities_psn_no_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_identities")),
    )
    op.create_index("ix_person_identities_psn", "person_identities", ["psn_no"], unique=False)
    op.create_table(
        "disease_certifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("psn_no", sa.String(length=30), nullable=False),
        sa.Column("opsp_dise_code", sa.String(length=30), nullable=False),
        sa.Column("opsp_dise_name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("begndate", sa.Date(), nullable=True),
        sa.Column("enddate", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["psn_no"], ["persons.psn_no"], name=op.f("fk_disease_certifications_psn_no_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disease_certifications")),
    )
    op.create_index("ix_disease_certifications_psn", "disease_certifications", ["psn_no"], unique=False)
    op.create_table(
        "family_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("holder_psn_no", sa.String(length=30), nullable=False),
        sa.Column("psn_no", sa.String(length=30), nullable=False),
        sa.Column("begndate", sa.Date(), nullable=False),
        sa.Column("enddate", sa.Date(), nullable=True),
        sa.Column("consented_at", ts, nullable=False),
        sa.Column("revoked_at", ts, nullable=True),
        sa.Column("created_at", ts, nullable=False),
        sa.ForeignKeyConstraint(
            ["holder_psn_no"], ["persons.psn_no"], name=op.f("fk_family_links_holder_psn_no_persons")
        ),
        sa.ForeignKeyConstraint(["psn_no"], ["persons.psn_no"], name=op.f("fk_family_links_psn_no_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_links")),
    )
    op.create_index("ix_family_links_psn", "family_links", ["psn_no"], unique=False)
    op.create_index("ix_family_links_holder", "family_links", ["holder_psn_no"], unique=False)
    op.create_table(
        "disease_accumulators",
        sa.Column("psn_no", sa.String(length=30), nullable=False),
        sa.Column("insutype", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("opsp_dise_code", sa.String(length=30), nullable=False),
        sa.Column("fund_paid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("psn_no", "insutype", "year", "opsp_dise_code", name=op.f("pk_disease_accumulators")),
    )
    with op.batch_alter_table("insurance_rows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cvlserv_flag", sa.String(length=1), nullable=False, server_default="0"))
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dise_codg", sa.String(length=30), nullable=True))
    with op.batch_alter_table("basic_accumulators", schema=None) as batch_op:
        for name in _ACCUMULATORS:
            batch_op.add_column(sa.Column(name, sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("referrals", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acct_mulaid_pay", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.drop_constraint(op.f("ck_settlements_adds_up"), type_="check")
        batch_op.create_check_constraint(op.f("ck_settlements_adds_up"), _NEW_SUM)


def downgrade() -> None:
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_settlements_adds_up"), type_="check")
        batch_op.create_check_constraint(op.f("ck_settlements_adds_up"), _OLD_SUM)
        batch_op.drop_column("acct_mulaid_pay")
    with op.batch_alter_table("basic_accumulators", schema=None) as batch_op:
        batch_op.drop_column("referrals")
        for name in reversed(_ACCUMULATORS):
            batch_op.drop_column(name)
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_column("dise_codg")
    with op.batch_alter_table("insurance_rows", schema=None) as batch_op:
        batch_op.drop_column("cvlserv_flag")
    op.drop_table("disease_accumulators")
    op.drop_index("ix_family_links_holder", table_name="family_links")
    op.drop_index("ix_family_links_psn", table_name="family_links")
    op.drop_table("family_links")
    op.drop_index("ix_disease_certifications_psn", table_name="disease_certifications")
    op.drop_table("disease_certifications")
    op.drop_index("ix_person_identities_psn", table_name="person_identities")
    op.drop_table("person_identities")
