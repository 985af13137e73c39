"""The real NATS JetStream on 127.0.0.1:4222 (the machine's standard port), a stream per test."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import Iterator

import pytest

from syncsettle.adapters.broker.jetstream import JetStreamConsumer, JetStreamPublisher

NATS_URL = "nats://127.0.0.1:4222"


def _nats_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 4222), 1).close()
        return True
    except OSError:
        return False


needs_nats = pytest.mark.skipif(not _nats_up(), reason="NATS JetStream is not running on 127.0.0.1:4222")


@pytest.fixture
def publisher() -> Iterator[JetStreamPublisher]:
    tag = uuid.uuid4().hex[:10]
    pub = JetStreamPublisher(NATS_URL, stream=f"TEST_{tag}", prefix=f"test{tag}")
    yield pub
    asyncio.run(_delete_stream(pub.stream))


async def _delete_stream(name: str) -> None:
    import nats

    nc = await nats.connect(NATS_URL)
    with contextlib.suppress(Exception):  # the stream may not exist (the test never published)
        await nc.jetstream().delete_stream(name)
    await nc.close()


@pytest.fixture
def consumer(publisher: JetStreamPublisher) -> JetStreamConsumer:
    """A durable consumer on the test's stream (deleted with it)."""
    return JetStreamConsumer(NATS_URL, "test-consumer", stream=publisher.stream, prefix=publisher.prefix)
