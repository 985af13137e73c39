"""Repository reads the settlement path needs from the commercial centre: the filing in force for a
product on a date, the consent in force for a release (and, when there is none, whether one was
revoked). Reads only; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, select

from syncsettle.adapters.db.commercial.schema_commercial import consents, product_filings
from syncsettle.domain.commercial.vocabulary import FilingStatus, Granularity

_LIVE = (FilingStatus.ON_SALE.value, FilingStatus.ACTIVE.value, FilingStatus.SUSPENDED.value)


def filing_in_force(conn: Connection, product_id: str, day: date) -> dict[str, Any] | None:
    """The newest filing of ``product_id`` whose approved window covers ``day`` and which is on sale,
    active or suspended (the caller turns ``suspended`` into a pending leg); ``None`` when there is
    none — the product must not settle."""
    stmt = (
        select(product_filings)
        .where(
            and_(
                product_filings.c.product_id == product_id,
                product_filings.c.status.in_(_LIVE),
                product_filings.c.approved_from <= day,
                product_filings.c.approved_to >= day,
            )
        )
        .order_by(product_filings.c.version.desc(), product_filings.c.id.desc())
        .limit(1)
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def consent_in_force(
    conn: Connection, psn_no: str, insurer_id: str, purpose: str, granularity: Granularity, day: date
) -> dict[str, Any] | None:
    """A consent of ``psn_no`` to ``insurer_id`` for ``purpose`` covering ``granularity`` on ``day``
    and not revoked (the richest one when several are), else ``None``."""
    stmt = select(consents).where(
        and_(
            consents.c.psn_no == psn_no,
            consents.c.insurer_id == insurer_id,
            consents.c.purpose == purpose,
            consents.c.begndate <= day,
            consents.c.enddate >= day,
            consents.c.revoked_at.is_(None),
        )
    )
    best: dict[str, Any] | None = None
    for row in conn.execute(stmt).mappings():
        given = Granularity(row["granularity"])
        if given.covers(granularity) and (best is None or given.rank > Granularity(best["granularity"]).rank):
            best = dict(row)
    return best


def consent_revoked(conn: Connection, psn_no: str, insurer_id: str, purposes: Sequence[str], day: date) -> bool:
    """Whether ``psn_no`` once consented to ``insurer_id`` for one of ``purposes`` covering ``day``
    and revoked it (a refusal then says ``consent_revoked`` rather than ``consent_missing``)."""
    stmt = select(consents.c.id).where(
        and_(
            consents.c.psn_no == psn_no,
            consents.c.insurer_id == insurer_id,
            consents.c.purpose.in_(list(purposes)),
            consents.c.begndate <= day,
            consents.c.enddate >= day,
            consents.c.revoked_at.is_not(None),
        )
    )
    return conn.execute(stmt.limit(1)).first() is not None
