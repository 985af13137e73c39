"""结算单据实时推送 over the real broker: every settlement, reversal and paid quick claim the outbox
published reaches its insured person once — on ``/api/insured/notices`` and the console's 推送给我的
消息 — however often the broker delivers it, and never reaches anyone else."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from syncsettle.adapters.broker.jetstream import Delivered, JetStreamConsumer, JetStreamPublisher
from syncsettle.adapters.db.core.schema import insured_notices, platform_instance
from syncsettle.domain.identity import Role
from syncsettle.services.commercial import feeds
from syncsettle.services.commercial.retry import retry_due
from syncsettle.services.commercial.wiring import channel_of
from syncsettle.services.management import events, identity
from syncsettle.services.slips import push
from tests.commercial.test_claims import Down, _outpatient
from tests.commercial.test_claims import _world as claims_world
from tests.console.seed import seed
from tests.events.conftest import NATS_URL, needs_nats
from tests.events.test_outbox_to_nats import _stream
from tests.world import World

pytestmark = needs_nats


def _as(world: World, psn_no: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {identity.issue(world.platform, Role.INSURED, psn_no, '')[1]}"}


def _notices(world: World, psn_no: str) -> list[dict[str, Any]]:
    answer = world.client.get("/api/insured/notices", headers=_as(world, psn_no))
    assert answer.status_code == 200, answer.text
    out: list[dict[str, Any]] = answer.json()
    return out


def _pass(world: World, publisher: JetStreamPublisher, consumer: JetStreamConsumer) -> push.Consumed:
    events.drain(world.platform, publisher)
    return push.consume(world.platform, consumer, wait_s=0.3)


def test_each_settlement_and_reversal_is_pushed_to_its_person_once(
    world: World, publisher: JetStreamPublisher, consumer: JetStreamConsumer
) -> None:
    seeded = seed(world)
    done = _pass(world, publisher, consumer)
    assert not done.broker_down and done.handled >= 5
    mine = _notices(world, "P0001")
    inpatient = seeded.inpatient_setl_id
    reversed_id = seeded.settled["reversed"]["setlinfo"]["setl_id"]
    kinds = sorted((n["kind"], n["setl_id"]) for n in mine)
    assert kinds == sorted([("settled", inpatient), ("settled", reversed_id), ("reversed", reversed_id)])
    slip = next(n for n in mine if n["setl_id"] == inpatient)["body"]
    assert slip == {**seeded.settled["inpatient"]["summary"], "slips": [f"{inpatient}-M", f"{inpatient}-C"]}
    back = next(n for n in mine if n["kind"] == "reversed")["body"]
    assert back["total"] == seeded.settled["reversed"]["setlinfo"]["medfee_sumamt"]  # returned, as a positive sum
    # the other persons see their own, and none of P0001's
    assert [n["kind"] for n in _notices(world, "P0002")] == ["settled"]
    assert _notices(world, "P0003") == []
    # nothing new on the next pass: the broker has nothing more, the outbox is empty
    again = _pass(world, publisher, consumer)
    assert (again.handled, again.pushed) == (0, 0) and events.status(world.platform) == 0


def test_a_redelivered_event_changes_nothing_and_another_databases_event_is_skipped(
    world: World, publisher: JetStreamPublisher, consumer: JetStreamConsumer
) -> None:
    seeded = seed(world)
    _pass(world, publisher, consumer)
    with world.platform.uow(readonly=True) as uow:
        stored = uow.conn.execute(select(insured_notices)).mappings().all()
        origin = uow.conn.execute(select(platform_instance.c.instance_id)).scalar_one()
    first = stored[0]
    topic = {"settled": "settlement.settled", "reversed": "settlement.reversed"}[first["kind"]]
    assert not push.push(world.platform, Delivered(topic, first["event_id"], {}))  # at least once: a repeat
    setl_id = seeded.inpatient_setl_id
    stranger = Delivered("settlement.settled", f"another-instance:settlement.settled:{setl_id}:1", {})
    assert not push.push(world.platform, stranger)
    forged = Delivered("settlement.settled", f"{origin}:settlement.settled:NO-SUCH-SETTLEMENT:99", {})
    assert not push.push(world.platform, forged)
    with world.platform.uow(readonly=True) as uow:
        assert len(uow.conn.execute(select(insured_notices)).all()) == len(stored)


def test_a_quick_claim_paid_later_is_pushed_as_its_progress(
    world: World, publisher: JetStreamPublisher, consumer: JetStreamConsumer
) -> None:
    claims_world(world)
    channel = channel_of(world.platform)
    working, channel.transport = channel.transport, Down()
    answer = _outpatient(world)
    _pass(world, publisher, consumer)
    [slip] = _notices(world, "P0002")
    assert slip["kind"] == "settled" and "commercial_pending" in slip["body"]
    channel.transport = working
    assert retry_due(world.platform, everything=True)["settled"] == 1
    _pass(world, publisher, consumer)
    progress = [n for n in _notices(world, "P0002") if n["kind"] == "claim_settled"]
    assert [(n["setl_id"], n["body"]["payable"]) for n in progress] == [(answer["setlinfo"]["setl_id"], "162.40")]


def test_the_insured_console_shows_the_pushed_slips(
    world: World, publisher: JetStreamPublisher, consumer: JetStreamConsumer
) -> None:
    seeded = seed(world)
    _pass(world, publisher, consumer)
    client = TestClient(world.app)
    login = client.post("/console/login", data={"token": seeded.tokens["insured"]}, follow_redirects=False)
    assert login.status_code == 303, login.text
    page = client.get("/console/me").text
    assert 'id="notices"' in page and page.count('class="notice-row"') == 3
    assert f"/console/slips/{seeded.inpatient_setl_id}-C" in page and "暂无推送的消息" not in page


def _feed(publisher: JetStreamPublisher, insurer: str) -> list[dict[str, Any]]:
    """What an insurer subscribed to its own subject receives (every message on it, in order)."""
    subject = f"{publisher.prefix}.feed.{insurer}"
    return [payload for s, _, payload in _stream(publisher) if s == subject]


def test_each_insurer_receives_its_own_legs_on_its_own_subject_and_nothing_of_the_person(
    world: World, publisher: JetStreamPublisher, consumer: JetStreamConsumer
) -> None:
    seeded = seed(world)
    feeds_consumer = JetStreamConsumer(NATS_URL, "test-feeds", stream=publisher.stream, prefix=publisher.prefix)
    events.drain(world.platform, publisher)
    first = push.consume(world.platform, feeds_consumer, wait_s=0.3, handler=feeds.feed)
    # P0001's legs: the inpatient stay, the outpatient visit, and that visit's reversal
    assert first.pushed == 3
    events.drain(world.platform, publisher)
    fed = _feed(publisher, "yantai-hmb")
    reversed_id = seeded.settled["reversed"]["setlinfo"]["setl_id"]
    assert sorted((f["setl_id"], f["status"]) for f in fed) == sorted(
        [(seeded.inpatient_setl_id, "settled"), (reversed_id, "settled"), (reversed_id, "reversed")]
    )
    [leg] = [f for f in fed if f["setl_id"] == seeded.inpatient_setl_id]
    inpatient = seeded.settled["inpatient"]
    [entry] = [e for e in inpatient["commercial"] if e["insurer"] == "yantai-hmb"]
    assert leg["setl_id"] == seeded.inpatient_setl_id and leg["status"] == "settled"
    assert leg["payable"] == entry["payable"] and leg["product_id"] == entry["product"]
    assert set(leg) == {"setl_id", "setl_date", "product_id", "route", "status", "claim_id", "payable",
                        "responsibilities"}  # fmt: skip
    assert all(set(r) == {"id", "payable", "reason_code"} for r in leg["responsibilities"])
    text = json.dumps(fed, ensure_ascii=False)
    assert "P0001" not in text and "测试P0001" not in text  # not the person, not the bill
    assert _feed(publisher, "acme-group") == []
    # a redelivered settlement event writes no second feed event
    with world.platform.uow(readonly=True) as uow:
        origin = uow.conn.execute(select(platform_instance.c.instance_id)).scalar_one()
    again = Delivered("settlement.settled", f"{origin}:settlement.settled:{seeded.inpatient_setl_id}:1", {})
    assert not feeds.feed(world.platform, again)
