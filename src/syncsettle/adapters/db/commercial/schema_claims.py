"""Commercial legs that did not settle at the bedside, and their quick claims (快赔).

A settlement whose commercial leg could not settle (commercial platform down or slow, no consent,
product suspended) records one ``commercial_claims`` row per such leg, in the settlement's own
transaction, and keeps in ``claim_views`` what the patient still owed after the legs that did
settle (the visit as a product sees it). A claim settles once: ``pending`` → ``settled`` (its
payout booked in the commercial ledger in the same transaction) or ``cancelled`` (the settlement
was reversed first). ``year`` is the visit's: the claim takes from that year's accumulators.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from syncsettle.adapters.db.core.schema import TS, metadata

commercial_claims = Table(
    "commercial_claims",
    metadata,
    Column("claim_id", String(40), primary_key=True),
    Column("setl_id", String(40), ForeignKey("settlements.setl_id"), nullable=False),
    Column("mdtrt_id", String(40), nullable=False),
    Column("psn_no", String(30), nullable=False),
    Column("insutype", String(6), nullable=False),
    Column("year", Integer, nullable=False),
    Column("setl_date", Date, nullable=False),
    Column("product_id", String(80), nullable=False),
    Column("filing_id", Integer, ForeignKey("product_filings.id"), nullable=False),
    Column("insurer_id", String(40), nullable=False),
    Column("route", String(20), nullable=False),
    Column("granularity", String(24), nullable=False),
    Column("status", String(12), nullable=False),  # pending | settled | cancelled | held → pending | rejected
    Column("reason_code", String(24), nullable=False),  # why it is (or was) pending
    Column("reason", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS, nullable=False),
    Column("requested_by", String(100), nullable=True),  # the last caller who asked for it (role:tenant)
    Column("payable", BigInteger, nullable=True),
    Column("accumulator_delta", JSON, nullable=True),  # [[product, responsibility, deductible, paid], ...]
    Column("result", JSON, nullable=True),  # the product's adjudication, as the insured sees it
    Column("settled_at", TS, nullable=True),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    UniqueConstraint("setl_id", "product_id", name="uq_commercial_claims_leg"),
    CheckConstraint("payable IS NULL OR payable >= 0", name="payable_not_negative"),
    CheckConstraint("status in ('pending', 'settled', 'cancelled', 'held', 'rejected')", name="known_status"),
    Index("ix_commercial_claims_due", "status", "next_attempt_at"),
    Index("ix_commercial_claims_psn", "psn_no", "created_at"),
    Index("ix_commercial_claims_insurer", "insurer_id", "created_at"),
)

claim_views = Table(
    "claim_views",
    metadata,
    Column("setl_id", String(40), ForeignKey("settlements.setl_id"), primary_key=True),
    Column("psn_no", String(30), nullable=False),
    Column("view", JSON, nullable=False),  # domain.commercial.view.view_to_json: what is left to pay
    Column("updated_at", TS, nullable=False),
)

# 商保码 (一码通赔): the codes the platform issued (the nonce of each is its ``code_id``) and every
# settlement a code was presented for. ``code`` is the signed text the QR carries (shown again to
# its person). One code per (person, product) is ``active``: issuing another supersedes it.
claim_codes = Table(
    "claim_codes",
    metadata,
    Column("code_id", String(40), primary_key=True),
    Column("psn_no", String(30), nullable=False),
    Column("product_id", String(80), nullable=False),
    Column("insurer_id", String(40), nullable=False),
    Column("issued_at", TS, nullable=False),  # whole seconds, as signed
    Column("expires_at", TS, nullable=False),
    Column("status", String(12), nullable=False),  # active | revoked | superseded
    Column("code", Text, nullable=False),
    Column("issued_by", String(100), nullable=False),
    Column("revoked_at", TS, nullable=True),
    Column("revoked_by", String(100), nullable=True),
    CheckConstraint("status in ('active', 'revoked', 'superseded')", name="known_status"),
    CheckConstraint("expires_at > issued_at", name="expires_after_issue"),
    Index("ix_claim_codes_psn", "psn_no", "product_id", "status"),
)

claim_code_uses = Table(
    "claim_code_uses",
    metadata,
    Column("code_id", String(40), ForeignKey("claim_codes.code_id"), primary_key=True),
    Column("setl_id", String(40), ForeignKey("settlements.setl_id"), primary_key=True),
    Column("claim_id", String(40), ForeignKey("commercial_claims.claim_id"), nullable=False),
    Column("first_by", String(100), nullable=False),  # role:tenant of the first presenter
    Column("first_at", TS, nullable=False),
    Column("last_by", String(100), nullable=False),
    Column("last_at", TS, nullable=False),
    Column("times", Integer, nullable=False),
    Index("ix_claim_code_uses_claim", "claim_id"),
)
