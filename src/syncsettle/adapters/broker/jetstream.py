"""Publishing outbox events to NATS JetStream, at least once, deduplicated by the broker.

Each event is published to ``<prefix>.<topic>`` (``syncsettle.settlement.settled``, …) with the
header ``Nats-Msg-Id`` set to the event's stable id (``<database instance>:<topic>:<key>:<outbox id>``:
several databases may publish to one stream, and a seeded demo run twice writes the same keys). JetStream keeps
the ids it saw for the stream's duplicate window (2 minutes by default) and acknowledges a repeat
as a duplicate without storing it again, so a drain that crashed after publishing but before
marking its rows published publishes them again harmlessly. The caller marks a row published only
after its ``PubAck`` came back: nothing is lost if the broker is down (the rows wait).

Nothing connects at import time: :class:`JetStreamPublisher` connects in :meth:`publish_all`, one
connection per batch, and closes it. The service layer is synchronous, so each batch runs in its
own event loop (``asyncio.run``); a batch is hundreds of events, so the loop's set-up is noise.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_STREAM = "SYNCSETTLE"
DEFAULT_PREFIX = "syncsettle"
CONNECT_TIMEOUT_S = 2.0
ACK_TIMEOUT_S = 5.0
INACTIVE_S = 7 * 24 * 3600.0  # a durable consumer nobody fetched from for a week (a deleted demo database) goes


class BrokerUnavailable(RuntimeError):
    """The broker could not be reached or did not acknowledge; the events stay in the outbox."""


@dataclass(frozen=True)
class Event:
    """One outbox row as it goes out: its id, the subject's topic, the key, the JSON payload and the
    instance id of the database it came from."""

    outbox_id: int
    topic: str
    key: str
    payload: Any
    origin: str = ""

    @property
    def msg_id(self) -> str:
        return f"{self.origin}:{self.topic}:{self.key}:{self.outbox_id}"


@dataclass(frozen=True)
class Ack:
    outbox_id: int
    sequence: int
    duplicate: bool


async def _connect(url: str) -> Any:
    """A connection to the NATS server at ``url``, or :class:`BrokerUnavailable`."""
    import nats  # imported here: nothing connects, or even loads the client, at import time
    from nats.errors import NoServersError

    async def quiet(_exc: Exception) -> None:  # the client's default callback logs a traceback per try
        return None

    # nats-py retries a refused first connection forever (reconnect_time_wait apart) whatever
    # max_reconnect_attempts says, so the whole connect is bounded here.
    try:
        return await asyncio.wait_for(
            nats.connect(url, connect_timeout=CONNECT_TIMEOUT_S, max_reconnect_attempts=0, allow_reconnect=False,
                         error_cb=quiet),
            timeout=CONNECT_TIMEOUT_S * 2,
        )  # fmt: skip
    except (TimeoutError, NoServersError, OSError) as exc:
        raise BrokerUnavailable(f"NATS at {url} cannot be reached ({type(exc).__name__})") from None


async def _ready_stream(nc: Any, stream: str, prefix: str) -> Any:
    """The JetStream context of ``nc``, the stream (subjects ``<prefix>.>``) created first if missing."""
    from nats.js.errors import NotFoundError

    js = nc.jetstream(timeout=ACK_TIMEOUT_S)
    try:
        await js.stream_info(stream)
    except NotFoundError:
        await js.add_stream(name=stream, subjects=[f"{prefix}.>"])
    return js


class JetStreamPublisher:
    """Publishes events to one stream (created on first use if missing, subjects ``<prefix>.>``)."""

    def __init__(self, url: str, *, stream: str = DEFAULT_STREAM, prefix: str = DEFAULT_PREFIX) -> None:
        self.url, self.stream, self.prefix = url, stream, prefix

    def subject(self, topic: str) -> str:
        return f"{self.prefix}.{topic}"

    def publish_all(self, events: Sequence[Event]) -> list[Ack]:
        """Publish ``events`` in order; returns the acks received. Stops at the first failure and
        returns the acks so far (the rest stay unpublished); raises :class:`BrokerUnavailable` only
        when nothing could be published at all because the broker is unreachable."""
        return asyncio.run(self._publish_all(events))

    async def _publish_all(self, events: Sequence[Event]) -> list[Ack]:
        from nats.errors import Error as NatsError

        nc = await _connect(self.url)
        acks: list[Ack] = []
        try:
            js = await _ready_stream(nc, self.stream, self.prefix)
            for e in events:
                body = json.dumps(e.payload, ensure_ascii=False, separators=(",", ":"), default=str).encode()
                try:
                    ack = await js.publish(self.subject(e.topic), body, headers={"Nats-Msg-Id": e.msg_id})
                except (TimeoutError, NatsError):
                    break  # this one and the rest wait for the next drain
                acks.append(Ack(e.outbox_id, ack.seq, bool(ack.duplicate)))
        except (TimeoutError, NatsError) as exc:
            if not acks:
                raise BrokerUnavailable(f"NATS at {self.url}: {type(exc).__name__}: {exc}") from None
        finally:
            await nc.close()
        return acks


@dataclass(frozen=True)
class Delivered:
    """One event as a consumer receives it: its topic (the subject without the prefix), its
    ``Nats-Msg-Id`` and its payload."""

    topic: str
    msg_id: str
    payload: Any

    @property
    def origin(self) -> str:
        """The instance id of the database that wrote the event (the id's first part)."""
        return self.msg_id.partition(":")[0]

    @property
    def key(self) -> str | None:
        """The event's key: what lies between ``<origin>:<topic>:`` and ``:<outbox id>`` (None when the
        id is not of that form)."""
        head = f"{self.origin}:{self.topic}:"
        if not self.msg_id.startswith(head):
            return None
        key, sep, outbox_id = self.msg_id[len(head) :].rpartition(":")
        return key if sep and key and outbox_id.isdigit() else None


class JetStreamConsumer:
    """A durable pull consumer on every subject of the stream (``<prefix>.>``). :meth:`consume`
    fetches up to ``batch`` events, hands each to a synchronous handler (which commits its own
    transaction) and acknowledges it only after the handler returned: a crash in between leaves the
    event unacknowledged, and the broker delivers it again after ``ack_wait`` (at least once; the
    handler must be idempotent). A handler that raises stops the batch and the event is redelivered."""

    def __init__(self, url: str, durable: str, *, stream: str = DEFAULT_STREAM, prefix: str = DEFAULT_PREFIX,
                 ack_wait_s: float = 30.0) -> None:  # fmt: skip
        self.url, self.durable, self.stream, self.prefix, self.ack_wait_s = url, durable, stream, prefix, ack_wait_s

    def consume(self, handler: Callable[[Delivered], None], *, batch: int = 200, wait_s: float = 1.0) -> int:
        """Handle up to ``batch`` events (waiting at most ``wait_s`` for the first); returns how many
        were handled and acknowledged. Raises :class:`BrokerUnavailable` if the broker is unreachable."""
        return asyncio.run(self._consume(handler, batch, wait_s))

    async def _consume(self, handler: Callable[[Delivered], None], batch: int, wait_s: float) -> int:
        from nats.errors import Error as NatsError
        from nats.errors import TimeoutError as NatsTimeout
        from nats.js.api import ConsumerConfig

        nc = await _connect(self.url)
        done = 0
        try:
            js = await _ready_stream(nc, self.stream, self.prefix)
            sub = await js.pull_subscribe(f"{self.prefix}.>", durable=self.durable, stream=self.stream,
                                          config=ConsumerConfig(ack_wait=self.ack_wait_s,
                                                                inactive_threshold=INACTIVE_S))  # fmt: skip
            try:
                msgs = await sub.fetch(batch, timeout=wait_s)
            except (TimeoutError, NatsTimeout):
                return 0
            for msg in msgs:
                headers = msg.headers or {}
                event = Delivered(msg.subject.removeprefix(f"{self.prefix}."), headers.get("Nats-Msg-Id", ""),
                                  json.loads(msg.data or b"null"))  # fmt: skip
                try:
                    handler(event)
                except Exception:
                    await msg.nak()
                    raise
                await msg.ack_sync()
                done += 1
        except (TimeoutError, NatsError) as exc:
            if not done:
                raise BrokerUnavailable(f"NATS at {self.url}: {type(exc).__name__}: {exc}") from None
        finally:
            await nc.close()
        return done
