"""结算单据实时推送: the broker consumer that pushes slips and quick-claim progress to insured persons.

It reads the events the outbox published (``syncsettle events drain``) from NATS JetStream through a
durable consumer and turns each into a notice on the person's channel — the
insured console's 消息 list and ``GET /api/insured/notices``. The durable consumer is named after
the database (``insured-notices-<instance>``), so databases sharing one stream each see every event:

- ``settlement.settled`` → 结算单: the one-stop split (total, funds, commercial, account, cash, what
  waits for review or a quick claim) and the ids of the slips to open;
- ``settlement.reversed`` → 结算已撤销: the reversal and the amounts it returned;
- ``claim.settled`` → 快赔进度: the product and what it paid.

The events carry no person: the consumer looks the settlement or claim up in its own database, so
the broker never carries who was treated. At least once: an event is acknowledged to the broker
only after its notice committed, and a redelivered event finds its notice stored and changes
nothing (``insured_notices.event_id`` is unique). Events of another database sharing the stream
(their id starts with another instance id) and topics it does not push are acknowledged and skipped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.broker.jetstream import BrokerUnavailable, Delivered, JetStreamConsumer
from syncsettle.adapters.db.commercial import claims as claim_repo
from syncsettle.adapters.db.settlement import insured_notices as repo
from syncsettle.adapters.db.settlement import outbox_events
from syncsettle.adapters.db.settlement import settlements as settlement_repo
from syncsettle.domain.identity import Principal, Role
from syncsettle.domain.slip_ids import slips_of
from syncsettle.money import format_yuan
from syncsettle.services.commercial import feeds
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management import events
from syncsettle.services.platform import Platform

log = logging.getLogger("syncsettle.events")
DURABLE = "insured-notices"
MAX_NOTICES = 200
KINDS = {"settlement.settled": "settled", "settlement.reversed": "reversed", "claim.settled": "claim_settled"}


@dataclass(frozen=True)
class Consumed:
    handled: int  # events received and acknowledged in this pass
    pushed: int  # notices (or feed events) stored: new ones only, a redelivery stores nothing
    broker_down: bool


def consumer_for(p: Platform, url: str | None = None) -> JetStreamConsumer:
    return events.durable_consumer(p, DURABLE, url)


def consume(p: Platform, consumer: JetStreamConsumer, *, batch: int = 200, wait_s: float = 0.5,
            handler: Callable[[Platform, Delivered], int] | None = None) -> Consumed:  # fmt: skip
    """Handle every event the broker has for the consumer now (batch by batch until one comes back
    empty) with ``handler`` (default :func:`push`; the insurers' feeds pass theirs)."""
    handled = pushed = 0
    act = handler or push

    def handle(event: Delivered) -> None:
        nonlocal pushed
        pushed += act(p, event)

    while True:
        try:
            n = consumer.consume(handle, batch=batch, wait_s=wait_s)
        except BrokerUnavailable:
            return Consumed(handled, pushed, True)
        handled += n
        if n == 0:
            return Consumed(handled, pushed, False)


def push(p: Platform, event: Delivered) -> bool:
    """Store the notice ``event`` asks for, in one transaction; True if a new notice was stored."""
    kind = KINDS.get(event.topic)
    if kind is None:
        return False
    with p.uow() as uow:
        key = outbox_events.own_key(uow.conn, event)
        if key is None:
            return False  # another database's event on the shared stream
        notice = _notice(uow.conn, kind, key)
        if notice is None:
            return False
        stored = repo.add_once(uow.conn, {**notice, "event_id": event.msg_id, "kind": kind,
                                          "received_at": p.clock.now()})  # fmt: skip
        uow.commit()
        return stored


def _notice(conn: Connection, kind: str, key: str) -> dict[str, Any] | None:
    """The person, the settlement and the body of the notice (amounts as yuan strings)."""
    if kind == "claim_settled":
        claim = claim_repo.claim(conn, key)
        if claim is None:
            return None
        body = {"claim_id": claim["claim_id"], "product_id": claim["product_id"], "insurer_id": claim["insurer_id"],
                "payable": format_yuan(int(claim["payable"] or 0))}  # fmt: skip
        return {"psn_no": claim["psn_no"], "setl_id": claim["setl_id"], "body": body,
                "occurred_at": claim["settled_at"] or claim["updated_at"]}  # fmt: skip
    row = settlement_repo.settlement(conn, key)
    if row is None:
        return None
    if kind == "reversed":
        # the reversal row holds every amount negated; the notice says what went back, as positive amounts
        body = {"reversal_id": row["setl_id"], "total": format_yuan(-row["medfee_sumamt"]),
                "cash": format_yuan(-row["psn_cash_pay"])}  # fmt: skip
        return {"psn_no": row["psn_no"], "setl_id": row["reverses"], "body": body, "occurred_at": row["setl_time"]}
    summary = dict(row["output"].get("summary") or {})
    body = {**summary, "slips": slips_of({**row, "status": "settled"})}
    return {"psn_no": row["psn_no"], "setl_id": row["setl_id"], "body": body, "occurred_at": row["setl_time"]}


def mine(p: Platform, principal: Principal, limit: int = 50) -> list[dict[str, Any]]:
    """The insured person's latest notices (at most :data:`MAX_NOTICES`), newest first."""
    limit = min(limit, MAX_NOTICES)
    if principal.role is not Role.INSURED:
        raise ServiceError(Code.FORBIDDEN, "只有参保人本人可以查看推送给本人的消息", "role")
    with p.uow(readonly=True) as uow:
        rows = repo.of_person(uow.conn, principal.tenant, limit)
    return [{"id": r["id"], "kind": r["kind"], "setl_id": r["setl_id"], "body": r["body"],
             "occurred_at": r["occurred_at"].isoformat(), "received_at": r["received_at"].isoformat()}
            for r in rows]  # fmt: skip


@dataclass(frozen=True)
class Pumped:
    drained: Any  # management.events.Drained, after the feeds' events went out too
    consumed: Consumed  # the insured persons' notices
    fed: Consumed  # the insurers' feeds: events received, feed events written
    published: int  # events published in the pass (both drains)


def pump(p: Platform, url: str | None = None) -> Pumped:
    """One pass of the whole path: publish the outbox, push what the broker holds to the insured and
    to the insurers' feeds, and publish the feed events those wrote."""
    publisher = events.publisher_for(p, url)
    first = events.drain(p, publisher)
    consumed = consume(p, consumer_for(p, url))
    fed = consume(p, events.durable_consumer(p, feeds.DURABLE, publisher.url), handler=feeds.feed)
    last = events.drain(p, publisher)
    return Pumped(last, consumed, fed, first.published + last.published)


def start_background(p: Platform, every_s: float = 1.0) -> threading.Event | None:
    """Run :func:`pump` every ``every_s`` seconds in a daemon thread when a broker is configured
    (``serve`` does, in every worker: the publish marks rows only once acknowledged and the consumer
    is one durable consumer shared by the workers, so two workers never push one event twice).
    Returns the event that stops it, or None without a broker."""
    if not p.settings.nats_url:
        return None
    stop = threading.Event()

    def loop() -> None:
        pause = every_s
        while not stop.wait(pause):
            try:
                done = pump(p)
                down = done.drained.broker_down or done.consumed.broker_down or done.fed.broker_down
                pause = min(pause * 2, 30.0) if down else every_s
            except Exception:  # a database hiccup must not end the loop; it is logged and tried again
                log.exception("events pump failed")

    threading.Thread(target=loop, name="events-pump", daemon=True).start()
    return stop
