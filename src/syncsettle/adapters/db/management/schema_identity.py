"""Credentials of the parties that call the platform's APIs and console (hospitals keep theirs on
``hospitals.secret_hash`` for the national interface). Only a hash of each secret is stored."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table

from syncsettle.adapters.db.core.schema import TS, metadata

credentials = Table(
    "credentials",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("role", String(12), nullable=False),
    Column("tenant", String(80), nullable=False),
    Column("name", String(200), nullable=False),
    Column("secret_hash", String(128), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("revoked_at", TS, nullable=True),
    Index("ix_credentials_role_tenant", "role", "tenant"),
)
