"""Insurers' settlement feeds: each insurer's own legs, on its own subject of the broker.

A durable consumer (``insurer-feeds-<instance>``, run by ``slips.push.pump``) reads the settlement
events the outbox published and writes, for every commercial leg in them, one feed event to the
outbox, on the topic ``feed.<insurer_id>``. The next drain publishes it on ``syncsettle.feed.<insurer_id>``. An insurer
subscribes to its subject alone: the NATS account of a deployment grants each insurer that one
subject (docs/events.md). The write goes through the outbox, so a feed event exists exactly when its
consumer's transaction committed, and a redelivered settlement event adds nothing (the feed event's
key is checked first).

What a feed event carries is the leg's *result* projection, whatever the product's approved
granularity: settlement id and date, product, route, status (settled / pending / held / quick claim
paid / reversed), payable and, per responsibility, its id, payable and result category
(:data:`~syncsettle.domain.commercial.projections.NESTED`). That is what every granularity covers,
and what the insurer pays. Never the person, the bill or a diagnosis.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.broker.jetstream import Delivered
from syncsettle.adapters.db.commercial import claims as claim_repo
from syncsettle.adapters.db.settlement import outbox_events
from syncsettle.adapters.db.settlement import settlements as settlement_repo
from syncsettle.domain.commercial.projections import NESTED
from syncsettle.services.platform import Platform

DURABLE = "insurer-feeds"
FEED_PREFIX = "feed."
_KEEP = sorted(NESTED["responsibilities"])


def feed(p: Platform, event: Delivered) -> int:
    """Write the feed events ``event`` calls for, in one transaction; how many were new."""
    if event.topic not in ("settlement.settled", "settlement.reversed", "claim.settled"):
        return 0
    with p.uow() as uow:
        key = outbox_events.own_key(uow.conn, event)
        if key is None:
            return 0  # another database's event on the shared stream
        wrote = 0
        for insurer, entry in _entries(uow.conn, event.topic, key):
            wrote += _emit_once(uow.conn, insurer, entry, p.clock.now())
        uow.commit()
        return wrote


def _entries(conn: Connection, topic: str, key: str) -> list[tuple[str, dict[str, Any]]]:
    if topic == "claim.settled":
        claim = claim_repo.claim(conn, key)
        if claim is None:
            return []
        result = claim["result"] or {}
        return [(claim["insurer_id"], {
            "setl_id": claim["setl_id"], "setl_date": claim["setl_date"].isoformat(), "product_id": claim["product_id"],
            "route": claim["route"], "status": "claim_settled", "claim_id": claim["claim_id"],
            "payable": result.get("payable", "0.00"),
            "responsibilities": [{k: r.get(k) for k in _KEEP} for r in result.get("responsibilities", [])],
        })]  # fmt: skip
    row = settlement_repo.settlement(conn, key)
    if row is None:
        return []
    if topic == "settlement.reversed":
        original = settlement_repo.settlement(conn, row["reverses"]) if row["reverses"] else None
        legs = (original or {}).get("output", {}).get("commercial", [])
        return [(leg["insurer"], {"setl_id": row["reverses"], "setl_date": row["setl_date"].isoformat(),
                                  "product_id": leg["product"], "route": leg["route"], "status": "reversed",
                                  "reversal_id": row["setl_id"], "payable": "0.00", "responsibilities": []})
                for leg in legs]  # fmt: skip
    return [(leg["insurer"], {
        "setl_id": row["setl_id"], "setl_date": row["setl_date"].isoformat(), "product_id": leg["product"],
        "route": leg["route"], "status": leg["status"], "claim_id": leg.get("claim_id"), "payable": leg["payable"],
        "responsibilities": [{k: r.get(k) for k in _KEEP} for r in leg.get("responsibilities", [])],
    }) for leg in row["output"].get("commercial", [])]  # fmt: skip


def _emit_once(conn: Connection, insurer: str, entry: dict[str, Any], now: Any) -> bool:
    """One feed event per (settlement, product, status); the product id is hashed to fit the key column."""
    topic = f"{FEED_PREFIX}{insurer}"
    product = hashlib.sha256(entry["product_id"].encode()).hexdigest()[:12]
    key = f"{entry['setl_id']}:{product}:{entry['status']}"
    if outbox_events.exists(conn, topic, key):
        return False
    settlement_repo.emit(conn, {"topic": topic, "key": key, "payload": entry, "created_at": now})
    return True
