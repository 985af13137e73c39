"""Commercial centre: personal identifiers sealed at rest, enrollment terms, filing premium/line/underwriting,
insurer admission region, audit sealing state and signed checkpoints

Revision ID: 0003_commercial
Revises: 0006_computing

``persons.psn_name`` and ``persons.certno`` (plaintext) become ``psn_name_enc``/``certno_enc``
(SM4-GCM, bound to row and column) and ``certno_bidx`` (keyed SM3 blind index). The keys are the
ones handed to ``migrate.upgrade`` (the CLI passes the configured ones), else the configured
settings; production mode refuses development keys here as everywhere.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

import syncsettle.adapters.db.core.types
from syncsettle.adapters.pii import PersonCipher
from syncsettle.adapters.settings import KeyRing, load_settings

revision = "0003_commercial"
down_revision = "0006_computing"
branch_labels = None
depends_on = None

TS = syncsettle.adapters.db.core.types.UTCDateTime(timezone=True)


def _cipher() -> PersonCipher:
    keys: KeyRing | None = context.config.attributes.get("keys")
    if keys is None:
        settings = load_settings()
        settings.require_safe()
        keys = settings.keys
    return PersonCipher(keys.sm4("pii"), keys.hmac("blind_index"))


def _persons() -> sa.TableClause:
    """Both the plaintext and the sealed columns, as they coexist during the migration."""
    return sa.table(
        "persons", sa.column("psn_no"), sa.column("psn_name"), sa.column("certno"),
        sa.column("psn_name_enc", sa.LargeBinary), sa.column("certno_enc", sa.LargeBinary), sa.column("certno_bidx"),
    )  # fmt: skip


def _seal_persons() -> None:
    cipher = _cipher()
    bind = op.get_bind()
    persons = _persons()
    rows = bind.execute(sa.select(persons.c.psn_no, persons.c.psn_name, persons.c.certno)).mappings().all()
    for row in rows:
        sealed = cipher.seal(dict(row))
        bind.execute(
            persons.update().where(persons.c.psn_no == row["psn_no"]).values(
                psn_name_enc=sealed["psn_name_enc"], certno_enc=sealed["certno_enc"], certno_bidx=sealed["certno_bidx"]
            )
        )  # fmt: skip


def _open_persons() -> None:
    cipher = _cipher()
    bind = op.get_bind()
    persons = _persons()
    rows = bind.execute(
        sa.select(persons.c.psn_no, persons.c.psn_name_enc, persons.c.certno_enc, persons.c.certno_bidx)
    ).mappings().all()  # fmt: skip
    for row in rows:
        opened = cipher.open(dict(row))
        bind.execute(
            persons.update().where(persons.c.psn_no == row["psn_no"]).values(
                psn_name=opened["psn_name"], certno=opened["certno"]
            )
        )  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("psn_name_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("certno_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("certno_bidx", sa.String(length=64), nullable=True))
    _seal_persons()
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index("ix_persons_certno")
        batch_op.drop_column("psn_name")
        batch_op.drop_column("certno")
        batch_op.alter_column("psn_name_enc", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column("certno_enc", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column("certno_bidx", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index("ix_persons_certno_bidx", ["certno_bidx"], unique=False)

    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("filing_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("insurer_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("holder_psn_no", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("underwriting_class", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("premium", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("paid_by", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("paid_from_insutype", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("waiting_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("refund", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("created_at", TS, nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", TS, nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_enrollments_filing_id_product_filings"), "product_filings", ["filing_id"], ["id"]
        )
        batch_op.create_index("ix_enrollments_filing", ["filing_id"], unique=False)

    with op.batch_alter_table("insurers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))

    with op.batch_alter_table("product_filings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("premium", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("line", sa.String(length=80), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("underwriting", sa.JSON(), nullable=True))

    op.create_table(
        "audit_seal_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("chain_head", sa.String(length=64), nullable=False),
        sa.Column("frontier", sa.JSON(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_seal_state")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("chain_head", sa.String(length=64), nullable=False),
        sa.Column("signed_at", TS, nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("public_key", sa.String(length=130), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
        sa.UniqueConstraint("tree_size", name=op.f("uq_audit_checkpoints_tree_size")),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_seal_state")
    with op.batch_alter_table("product_filings", schema=None) as batch_op:
        batch_op.drop_column("underwriting")
        batch_op.drop_column("line")
        batch_op.drop_column("premium")
    with op.batch_alter_table("insurers", schema=None) as batch_op:
        batch_op.drop_column("reason")
        batch_op.drop_column("region")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollments_filing")
        batch_op.drop_constraint(op.f("fk_enrollments_filing_id_product_filings"), type_="foreignkey")
        for column in ("cancelled_at", "created_at", "refund", "waiting_until", "paid_from_insutype", "paid_by",
                       "premium", "underwriting_class", "holder_psn_no", "insurer_id", "filing_id"):  # fmt: skip
            batch_op.drop_column(column)

    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("psn_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("certno", sa.String(length=50), nullable=True))
    _open_persons()
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index("ix_persons_certno_bidx")
        batch_op.drop_column("certno_bidx")
        batch_op.drop_column("certno_enc")
        batch_op.drop_column("psn_name_enc")
        batch_op.alter_column("psn_name", existing_type=sa.String(length=100), nullable=False)
        batch_op.alter_column("certno", existing_type=sa.String(length=50), nullable=False)
        batch_op.create_index("ix_persons_certno", ["certno"], unique=False)
