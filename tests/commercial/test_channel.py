"""The dual-platform channel: what one side seals only the other opens, and only once, only fresh,
only untampered; an answer must answer the very request; the commercial-platform service refuses
an untrusted envelope with a bare 400."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from syncsettle.adapters.channel import COMMERCIAL_PLATFORM, PLATFORM, sealer_for
from syncsettle.adapters.channel.envelope import EnvelopeError, ReplayGuard
from syncsettle.adapters.settings import KeyRing, generate_key_file, parse_key_file
from syncsettle.entrypoints.http.commercial_platform import create_commercial_app
from tests.world import World

NOW = datetime(2025, 6, 10, 2, 0, tzinfo=UTC)
KEYS = KeyRing()
MEDICAL, COMMERCIAL = sealer_for(KEYS, PLATFORM), sealer_for(KEYS, COMMERCIAL_PLATFORM)


def _guard() -> ReplayGuard:
    return ReplayGuard(window=timedelta(seconds=60), floor=NOW - timedelta(seconds=1))


def test_sealed_by_one_side_opened_by_the_other_once() -> None:
    raw, msg_id = MEDICAL.seal("adjudicate", {"data": {"payable": "1.00"}}, NOW)
    assert b"payable" not in raw  # encrypted
    guard = _guard()
    header, message = COMMERCIAL.open(raw, NOW, guard=guard)
    assert message == {"data": {"payable": "1.00"}} and header["msg_id"] == msg_id
    with pytest.raises(EnvelopeError, match="replay"):
        COMMERCIAL.open(raw, NOW + timedelta(seconds=1), guard=guard)
    with pytest.raises(EnvelopeError, match="not an envelope from"):
        MEDICAL.open(raw, NOW)  # the medical side does not accept its own message back


@pytest.mark.parametrize("field", ["body", "sig", "kind", "ts", "msg_id", "in_reply_to"])
def test_any_change_is_refused(field: str) -> None:
    raw, _ = MEDICAL.seal("adjudicate", {"x": 1}, NOW)
    envelope = json.loads(raw)
    if field in ("body", "sig"):
        data = bytearray(base64.b64decode(envelope[field]))
        data[len(data) // 2] ^= 1
        envelope[field] = base64.b64encode(bytes(data)).decode()
    elif field == "ts":
        envelope[field] = (NOW + timedelta(seconds=1)).isoformat()
    else:
        envelope[field] = "other"
    with pytest.raises(EnvelopeError):
        COMMERCIAL.open(json.dumps(envelope).encode(), NOW, guard=_guard())


def test_stale_early_and_foreign_envelopes_are_refused() -> None:
    raw, _ = MEDICAL.seal("adjudicate", {}, NOW)
    with pytest.raises(EnvelopeError, match="window"):
        COMMERCIAL.open(raw, NOW + timedelta(minutes=5))
    restarted = ReplayGuard(window=timedelta(seconds=60), floor=NOW + timedelta(seconds=1))
    with pytest.raises(EnvelopeError, match="before the receiver started"):
        COMMERCIAL.open(raw, NOW + timedelta(seconds=2), guard=restarted)
    stranger = sealer_for(parse_key_file(generate_key_file(), "fresh"), PLATFORM)
    forged, _ = stranger.seal("adjudicate", {}, NOW)
    with pytest.raises(EnvelopeError, match="signature"):
        COMMERCIAL.open(forged, NOW)


def test_an_answer_must_answer_the_request() -> None:
    _, asked = MEDICAL.seal("adjudicate", {}, NOW)
    answer, _ = COMMERCIAL.seal("adjudicated", {"ok": True}, NOW, in_reply_to=asked)
    assert MEDICAL.open(answer, NOW, reply_to=asked)[1] == {"ok": True}
    with pytest.raises(EnvelopeError, match="answers"):
        MEDICAL.open(answer, NOW, reply_to="another-request")


def test_the_commercial_service_answers_400_to_an_untrusted_envelope(world: World) -> None:
    client = TestClient(create_commercial_app(world.platform))
    medical = sealer_for(world.platform.settings.keys, PLATFORM)
    raw, _ = medical.seal("adjudicate", {"filing": {}}, world.clock.now())
    first = client.post("/channel/adjudicate", content=raw)
    assert first.status_code == 200
    opened = medical.open(first.content, world.clock.now())[1]
    assert "reason" in opened  # a signed refusal: the message was trusted but made no sense
    again = client.post("/channel/adjudicate", content=raw)
    assert again.status_code == 400 and "replay" in again.text
    assert (
        client.post("/channel/result", content=medical.seal("adjudicate", {}, world.clock.now())[0]).status_code == 400
    )
