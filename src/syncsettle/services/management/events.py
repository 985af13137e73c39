"""Draining the outbox to the broker (NATS JetStream), at least once.

Every settlement, reversal and alert writes its event to the outbox in its own transaction (so an
event exists exactly when its business fact does). :func:`drain` publishes the waiting events in id
order, batch by batch: read a batch, publish it, and mark published — in one short transaction of
its own — only the events the broker acknowledged. If the broker is down nothing is marked, the
events wait, and the next drain (``syncsettle events drain``, or the loop in ``serve``) sends them.
A crash between the broker's ack and the mark publishes those events again on the next drain;
the broker drops the repeat by its ``Nats-Msg-Id`` (see ``adapters/broker/jetstream.py``), so
consumers see each event once within the stream's duplicate window and at least once after it.

Without a broker configured (``SYNCSETTLE_NATS_URL`` unset, the embedded default), events simply
stay in the outbox; :func:`status` says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from syncsettle.adapters.broker.jetstream import BrokerUnavailable, JetStreamConsumer, JetStreamPublisher
from syncsettle.adapters.db.settlement import outbox_events as repo
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

BATCH = 500


@dataclass(frozen=True)
class Drained:
    published: int  # events acknowledged and marked published in this drain
    duplicates: int  # of those, how many the broker had already (a repeat after a crash)
    waiting: int  # events still in the outbox after the drain
    broker_down: bool  # the drain stopped because the broker could not be reached


def broker_url(p: Platform, url: str | None = None) -> str:
    """``url``, else the configured broker; a clear error if there is none."""
    url = url or p.settings.nats_url
    if not url:
        raise ServiceError(Code.FIELD, "未配置消息中间件：设置 SYNCSETTLE_NATS_URL（如 nats://127.0.0.1:4222）"
                                       "或给出 --nats-url；事件留在 outbox 中", "nats_url")  # fmt: skip
    return url


def publisher_for(p: Platform, url: str | None = None) -> JetStreamPublisher:
    """The configured publisher; a clear error if no broker is configured."""
    return JetStreamPublisher(broker_url(p, url))


def durable_consumer(p: Platform, name: str, url: str | None = None) -> JetStreamConsumer:
    """The durable consumer ``<name>-<instance>``: one per database, so databases sharing a stream
    each see every event (another database's events are skipped by their id)."""
    url = broker_url(p, url)
    with p.uow(readonly=True) as uow:
        instance = repo.instance_id(uow.conn)
    return JetStreamConsumer(url, f"{name}-{instance[:8]}")


def drain(p: Platform, publisher: JetStreamPublisher, *, batch: int = BATCH,
          progress: Callable[[int], None] | None = None) -> Drained:  # fmt: skip
    """Publish every waiting event (see the module docstring); ``progress`` gets each batch's count."""
    published = duplicates = 0
    down = False
    while True:
        with p.uow(readonly=True) as uow:
            events = repo.waiting(uow.conn, batch)
        if not events:
            break
        try:
            acks = publisher.publish_all(events)
        except BrokerUnavailable:
            down = True
            break
        with p.uow() as uow:
            repo.mark_published(uow.conn, [a.outbox_id for a in acks], p.clock.now())
            uow.commit()
        published += len(acks)
        duplicates += sum(a.duplicate for a in acks)
        if progress is not None:
            progress(len(acks))
        if len(acks) < len(events):  # the broker stopped acknowledging part-way: try again later
            down = True
            break
    return Drained(published, duplicates, status(p), down)


def status(p: Platform) -> int:
    """How many events wait in the outbox for the broker."""
    with p.uow(readonly=True) as uow:
        return repo.backlog(uow.conn)


def unpublished(p: Platform) -> int:
    """Every event not yet sent, the relay's channel notices included (the ``outbox_unpublished`` gauge)."""
    with p.uow(readonly=True) as uow:
        return repo.unpublished(uow.conn)
