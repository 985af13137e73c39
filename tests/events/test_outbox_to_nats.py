"""The outbox published to the real NATS JetStream on 127.0.0.1:4222, at least once and deduplicated
by ``Nats-Msg-Id``; a broker outage loses nothing; without a broker the events wait. Each test uses
its own stream and subject prefix, so runs never see each other's messages."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from syncsettle.adapters.broker.jetstream import BrokerUnavailable, Event, JetStreamPublisher
from syncsettle.adapters.db.commercial.claims import NOTICE_TOPIC
from syncsettle.adapters.db.core.schema import outbox, platform_instance
from syncsettle.services.errors import ServiceError
from syncsettle.services.management import events
from tests.console.seed import seed
from tests.events.conftest import NATS_URL, needs_nats
from tests.world import World


def _stream(pub: JetStreamPublisher) -> list[tuple[str, str, Any]]:
    """Every message in the test's stream: (subject, Nats-Msg-Id, payload)."""

    async def read() -> list[tuple[str, str, Any]]:
        import nats

        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        info = await js.stream_info(pub.stream)
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            m = await js.get_msg(pub.stream, seq)
            out.append((m.subject, (m.headers or {}).get("Nats-Msg-Id", ""), json.loads(m.data)))
        await nc.close()
        return out

    return asyncio.run(read())


def _waiting(world: World) -> list[tuple[int, str]]:
    with world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(outbox.c.id, outbox.c.topic).where(outbox.c.published_at.is_(None)))
        return [(r.id, r.topic) for r in rows if r.topic != NOTICE_TOPIC]


@needs_nats
def test_every_settlement_event_reaches_the_stream_once_and_the_outbox_empties(
    world: World, publisher: JetStreamPublisher
) -> None:
    seed(world)
    waiting = _waiting(world)
    assert len(waiting) >= 5 and {"settlement.settled"} <= {t for _, t in waiting}
    done = events.drain(world.platform, publisher, batch=2)  # several batches
    assert (done.published, done.duplicates, done.waiting, done.broker_down) == (len(waiting), 0, 0, False)
    messages = _stream(publisher)
    assert [s for s, _, _ in messages] == [f"{publisher.prefix}.{t}" for _, t in waiting]
    with world.platform.uow(readonly=True) as uow:
        first = uow.conn.execute(select(outbox).where(outbox.c.id == waiting[0][0])).one()
        origin = uow.conn.execute(select(platform_instance.c.instance_id)).scalar_one()
    assert len(origin) == 36  # a uuid drawn when the database was created
    assert messages[0][1] == f"{origin}:{first.topic}:{first.key}:{first.id}"
    assert messages[0][2] == json.loads(json.dumps(first.payload, default=str))
    assert events.drain(world.platform, publisher).published == 0  # nothing twice


@needs_nats
def test_a_drain_that_crashed_before_marking_publishes_again_and_the_broker_drops_the_repeat(
    world: World, publisher: JetStreamPublisher
) -> None:
    seed(world)
    n = len(_waiting(world))
    events.drain(world.platform, publisher)
    with world.platform.uow() as uow:  # as if the marks had never committed
        uow.conn.execute(update(outbox).where(outbox.c.topic != NOTICE_TOPIC).values(published_at=None))
        uow.commit()
    again = events.drain(world.platform, publisher)
    assert (again.published, again.duplicates, again.waiting) == (n, n, 0)
    assert len(_stream(publisher)) == n  # the stream holds each event once


@needs_nats
def test_an_unreachable_broker_loses_nothing_and_the_next_drain_sends_everything(
    world: World, publisher: JetStreamPublisher
) -> None:
    seed(world)
    n = len(_waiting(world))
    dead = JetStreamPublisher("nats://127.0.0.1:1", stream=publisher.stream, prefix=publisher.prefix)
    with pytest.raises(BrokerUnavailable):
        dead.publish_all([Event(1, "settlement.settled", "k", {})])
    down = events.drain(world.platform, dead)
    assert (down.published, down.waiting, down.broker_down) == (0, n, True)
    assert len(_waiting(world)) == n
    up = events.drain(world.platform, publisher)
    assert (up.published, up.waiting) == (n, 0)


def test_without_a_broker_events_stay_in_the_outbox_and_the_drain_says_why(world: World) -> None:
    seed(world)
    assert world.platform.settings.nats_url is None
    with pytest.raises(ServiceError, match="SYNCSETTLE_NATS_URL"):
        events.publisher_for(world.platform)
    assert events.status(world.platform) == len(_waiting(world)) > 0


@needs_nats
def test_the_cli_drains_to_the_broker_and_reports_the_backlog(
    world: World, publisher: JetStreamPublisher, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(world)
    monkeypatch.setattr(events, "publisher_for", lambda p, url=None: publisher)
    done = cli("events", "drain", "--database-url", world.url)
    assert done.exit_code == 0, done.output
    assert "waiting 0" in done.output
    status = cli("events", "status", "--database-url", world.url)
    assert "waiting 0" in status.output


def test_without_a_broker_the_operator_and_the_insured_are_told_the_events_wait(world: World) -> None:
    seeded = seed(world)
    waiting = len(_waiting(world))
    pages = {}
    for role, path in (
        ("operator", "/console/overview"),
        ("regulator", "/console/overview"),
        ("insured", "/console/me"),
    ):
        client = TestClient(world.app)
        assert (
            client.post("/console/login", data={"token": seeded.tokens[role]}, follow_redirects=False).status_code
            == 303
        )
        pages[role] = client.get(path).text
    assert f'data-waiting="{waiting}"' in pages["operator"] and "未配置消息中间件" in pages["operator"]
    assert "events-backlog" not in pages["regulator"]  # the outbox is the operator's
    assert "本平台未配置消息中间件，暂不推送" in pages["insured"]
