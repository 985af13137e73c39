"""The outbox as the broker publisher reads it: unpublished events in id order, marked published
once the broker acknowledged them. ``channel.result`` rows are not the publisher's: the commercial
relay delivers those to the insurer over the channel and marks them itself (``claims.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, func, select, update

from syncsettle.adapters.broker.jetstream import Delivered, Event
from syncsettle.adapters.db.commercial.claims import NOTICE_TOPIC
from syncsettle.adapters.db.core.schema import outbox, platform_instance

_MINE = and_(outbox.c.published_at.is_(None), outbox.c.topic != NOTICE_TOPIC)


def waiting(conn: Connection, limit: int) -> list[Event]:
    """Up to ``limit`` unpublished events, oldest first, each carrying this database's instance id."""
    origin = instance_id(conn)
    rows = conn.execute(select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.payload).where(_MINE)
                        .order_by(outbox.c.id).limit(limit))  # fmt: skip
    return [Event(r.id, r.topic, r.key, r.payload, origin) for r in rows]


def own_key(conn: Connection, event: Delivered) -> str | None:
    """The key of ``event`` if this database wrote it (its id starts with this instance's id), else
    None: several databases may share one stream."""
    return event.key if event.origin == instance_id(conn) else None


def instance_id(conn: Connection) -> str:
    """This database's random identity (drawn by migration 0017)."""
    return str(conn.execute(select(platform_instance.c.instance_id)).scalar_one())


def mark_published(conn: Connection, ids: Sequence[int], now: datetime) -> int:
    """Mark these events published (only those not marked yet); returns how many were."""
    if not ids:
        return 0
    done = conn.execute(update(outbox).where(and_(outbox.c.id.in_(list(ids)), outbox.c.published_at.is_(None)))
                        .values(published_at=now))  # fmt: skip
    return int(done.rowcount or 0)


def backlog(conn: Connection) -> int:
    """Events the publisher has yet to publish."""
    return int(conn.execute(select(func.count()).select_from(outbox).where(_MINE)).scalar_one())


def exists(conn: Connection, topic: str, key: str) -> bool:
    """Whether an event with this topic and key was written (published or not)."""
    found = conn.execute(select(outbox.c.id).where(and_(outbox.c.topic == topic, outbox.c.key == key)).limit(1))
    return found.first() is not None


def unpublished(conn: Connection) -> int:
    """Every event not yet sent: the publisher's and the relay's (``channel.result``) together."""
    return int(
        conn.execute(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))).scalar_one()
    )
