"""Repository of the rule files loaded into the database (``syncsettle rules load``): policy,
product and risk-rule versions by id and version, and each region's catalogue as numbered versions.
Content is stored as JSON with its SHA-256, so loading the same file again changes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, select

from syncsettle.adapters.db.core.schema import rule_versions


def digest_of(conn: Connection, kind: str, rule_id: str, version: int) -> str | None:
    """The SHA-256 of the stored content of this version (None: not loaded)."""
    found = conn.execute(
        select(rule_versions.c.sha256).where(
            (rule_versions.c.kind == kind) & (rule_versions.c.rule_id == rule_id) & (rule_versions.c.version == version)
        )
    ).scalar()
    return None if found is None else str(found)


def latest_catalogue(conn: Connection, region: str) -> tuple[int, str] | None:
    """(version, sha256) of the region's latest stored catalogue."""
    latest = conn.execute(
        select(rule_versions.c.version, rule_versions.c.sha256)
        .where((rule_versions.c.kind == "catalogue") & (rule_versions.c.rule_id == region))
        .order_by(rule_versions.c.version.desc())
        .limit(1)
    ).first()
    return None if latest is None else (int(latest[0]), str(latest[1]))


def add(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(rule_versions.insert(), row)


def every_version(conn: Connection) -> list[RowMapping]:
    """Every stored version, in loading order."""
    query = select(rule_versions).order_by(rule_versions.c.loaded_at, rule_versions.c.version)
    return list(conn.execute(query).mappings().all())
