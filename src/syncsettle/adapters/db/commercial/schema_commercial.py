"""The commercial insurance service centre's tables (商业保险服务中心): insurers admitted by the
regulator, product filings (备案) with their lifecycle events, and consents.

A filing holds the rule file the regulator approved, the settlement route and the data granularity
approved for it, and the window in which settlements may use it. A consent binds one person, one
insurer, one purpose and one granularity to a period; revoking it sets ``revoked_at``.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Date, ForeignKey, Index, Integer, String, Table, Text

from syncsettle.adapters.db.core.schema import TS, metadata

insurers = Table(
    "insurers",
    metadata,
    Column("insurer_id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("status", String(12), nullable=False),  # admitted | exited
    Column("region", String(6), nullable=True),  # the bureau that admitted it; its filings stay inside this region
    Column("reason", Text, nullable=False, default=""),  # why it was admitted or made to exit
    Column("admitted_at", TS, nullable=True),
    Column("exited_at", TS, nullable=True),
    Column("created_at", TS, nullable=False),
)

product_filings = Table(
    "product_filings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("product_id", String(80), nullable=False),
    Column("version", Integer, nullable=False),
    Column("insurer_id", String(40), ForeignKey("insurers.insurer_id"), nullable=False),
    Column("region", String(6), nullable=False),  # the bureau that regulates it
    Column("status", String(12), nullable=False),
    Column("route", String(20), nullable=False),
    Column("granularity", String(24), nullable=False),
    Column("content", JSON, nullable=False),  # the product rule file, validated by the engine's schema
    Column("sha256", String(64), nullable=False),
    Column("approved_from", Date, nullable=True),
    Column("approved_to", Date, nullable=True),
    Column("reason", Text, nullable=False, default=""),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("premium", BigInteger, nullable=False, default=0),  # fen per insured person per product year
    Column("line", String(80), nullable=False, default=""),  # the product series across years (consecutive-year facts)
    Column(
        "underwriting", JSON, nullable=True
    ),  # the underwriting rule (domain/commercial/underwriting.py); NULL = default
    Index("ix_product_filings_product", "product_id", "status"),
)

filing_events = Table(
    "filing_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("filing_id", Integer, ForeignKey("product_filings.id"), nullable=False),
    Column("at", TS, nullable=False),
    Column("actor_role", String(12), nullable=False),
    Column("actor_tenant", String(80), nullable=False),
    Column("from_status", String(12), nullable=True),
    Column("to_status", String(12), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Index("ix_filing_events_filing", "filing_id"),
)

consents = Table(
    "consents",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("psn_no", String(30), ForeignKey("persons.psn_no"), nullable=False),
    Column("insurer_id", String(40), ForeignKey("insurers.insurer_id"), nullable=False),
    Column("purpose", String(20), nullable=False),
    Column("granularity", String(24), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("enddate", Date, nullable=False),
    Column("granted_at", TS, nullable=False),
    Column("revoked_at", TS, nullable=True),
    Column("receipt", JSON, nullable=False),  # what was agreed, canonical, as signed
    Column("signature", Text, nullable=False),  # SM2 signature of the receipt by the platform (hex DER)
    Index("ix_consents_lookup", "psn_no", "insurer_id", "purpose"),
)
