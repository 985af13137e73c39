"""Consent: bound to insurer, purpose, granularity and period; revocation takes effect at the next
use; no consent means no release and an audited refusal; the receipt is SM2-signed by the platform."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from syncsettle.adapters.crypto import Sm2PrivateKey
from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.domain.commercial.vocabulary import Granularity, Purpose
from syncsettle.services.commercial import consents
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management import admission
from tests.commercial.actors import HMB, YANTAI, YEAR_FROM, YEAR_TO, insured
from tests.world import World

DAY = date(2025, 6, 10)


def _gate(world: World, granularity: Granularity = Granularity.CATEGORY, day: date = DAY) -> str | None:
    """One release attempt of P0001's settlement data to yantai-hmb, committed like a use case does."""
    with world.platform.uow() as uow:
        found = consents.release_gate(uow.conn, world.clock.now(), HMB, "P0001", "yantai-hmb", Purpose.SETTLEMENT,
                                      granularity, day, ["ST1"], ["medfee_sumamt"])  # fmt: skip
        uow.commit()
    return None if isinstance(found, consents.Refused) else str(found["id"])


def _refusals(world: World) -> list[str]:
    with world.platform.uow(readonly=True) as uow:
        return list(uow.conn.execute(
            select(audit_entries.c.reason).where(audit_entries.c.outcome == "refused").order_by(audit_entries.c.id)
        ).scalars())  # fmt: skip


@pytest.fixture
def admitted(world: World) -> World:
    admission.admit(world.platform, YANTAI, "yantai-hmb", "烟台市民健康保")
    return world


def test_no_consent_no_release_and_the_refusal_is_audited(admitted: World) -> None:
    assert _gate(admitted) is None
    assert _refusals(admitted) == ["consent_missing: no settlement consent at category in force on 2025-06-10"]


def test_revocation_takes_effect_on_the_next_use(admitted: World) -> None:
    p, me = admitted.platform, insured("P0001")
    granted = consents.grant(p, me, "yantai-hmb", Purpose.SETTLEMENT, Granularity.CATEGORY, YEAR_FROM, YEAR_TO)
    assert _gate(admitted) == granted["id"]
    assert _gate(admitted, Granularity.SETTLEMENT_SUMMARY) == granted["id"]  # a richer scope covers a poorer one
    assert _gate(admitted, Granularity.DETAIL) is None  # beyond the scope granted
    assert _gate(admitted, day=date(2026, 1, 1)) is None  # outside the period
    consents.revoke(p, me, granted["id"])
    assert _gate(admitted) is None  # the very next release finds nothing
    assert [r.split(":")[0] for r in _refusals(admitted)] == ["consent_missing", "consent_missing", "consent_revoked"]
    with pytest.raises(ServiceError) as twice:
        consents.revoke(p, me, granted["id"])
    assert twice.value.code is Code.STATE


def test_receipt_is_signed_by_the_platform_and_any_change_breaks_it(admitted: World) -> None:
    p = admitted.platform
    granted = consents.grant(p, insured("P0001"), "yantai-hmb", Purpose.QUICK_CLAIM, Granularity.DETAIL, YEAR_FROM,
                             YEAR_TO)  # fmt: skip
    shown = consents.receipt(p, insured("P0001"), granted["id"])
    public = p.settings.keys.public("platform")
    assert shown["public_key"] == public.to_hex() == shown["receipt"]["platform_key"]
    assert shown["receipt"]["purpose"] == "quick_claim" and shown["receipt"]["granted_by"] == "insured:P0001"
    assert consents.verify_receipt(public, shown["receipt"], shown["signature"])
    assert not consents.verify_receipt(public, {**shown["receipt"], "granularity": "result"}, shown["signature"])
    assert not consents.verify_receipt(Sm2PrivateKey.generate().public_key(), shown["receipt"], shown["signature"])
    assert not consents.verify_receipt(public, shown["receipt"], "zz")


def test_only_the_person_manages_their_consents(admitted: World) -> None:
    p = admitted.platform
    granted = consents.grant(p, insured("P0001"), "yantai-hmb", Purpose.SETTLEMENT, Granularity.RESULT, YEAR_FROM,
                             YEAR_TO)  # fmt: skip
    for who in (insured("P0002"), HMB):
        with pytest.raises(ServiceError) as caught:
            consents.revoke(p, who, granted["id"])
        assert caught.value.code is Code.FORBIDDEN
    with pytest.raises(ServiceError) as not_insured:
        consents.grant(p, HMB, "yantai-hmb", Purpose.SETTLEMENT, Granularity.RESULT, YEAR_FROM, YEAR_TO)
    assert not_insured.value.code is Code.FORBIDDEN
    with pytest.raises(ServiceError) as unknown:
        consents.grant(p, insured("P0001"), "nobody", Purpose.SETTLEMENT, Granularity.RESULT, YEAR_FROM, YEAR_TO)
    assert unknown.value.code is Code.NOT_FOUND
    assert [c["id"] for c in consents.mine(p, insured("P0001"))] == [granted["id"]]
    assert consents.mine(p, insured("P0002")) == []
