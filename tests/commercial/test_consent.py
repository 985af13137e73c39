"""Consent gates every release: without it nothing leaves and the refusal is audited; a revocation
takes effect on the very next settlement; a consent for less than the route's granularity is none."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.services.commercial import consents
from tests.commercial.actors import insured
from tests.commercial.test_routes import PRODUCTS, SMALL_BILL
from tests.commercial.wire import tap
from tests.world import World, enroll_all, file_reference_products, grant_consent

ACME = "acme-supplementary-2025"


def _audit(world: World) -> list[dict[str, Any]]:
    """Releases and refusals of medical-insurance data (not the filing and consent decisions)."""
    stmt = select(audit_entries).where(audit_entries.c.action.in_(["release", "refusal"])).order_by(audit_entries.c.id)
    with world.platform.uow(readonly=True) as uow:
        return [dict(r) for r in uow.conn.execute(stmt).mappings()]


def _visit(world: World) -> dict[str, Any]:
    mdtrt_id = world.outpatient_visit("P0002", SMALL_BILL, insutype="310")
    return world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})


def _acme(answer: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in answer["commercial"] if e["product"] == ACME)
    return found


@pytest.mark.parametrize("route", ["dual_platform", "embedded", "detail"])
def test_no_consent_no_release_and_an_audited_refusal(world: World, route: str) -> None:
    file_reference_products(world.platform, {ACME: route})
    enroll_all(world.platform, ["P0002"], [ACME])
    wire = tap(world.platform)
    answer = _visit(world)
    wire.flush()
    assert wire.sent == []
    entry = _acme(answer)
    assert entry["status"] == "pending" and entry["reason_code"] == "consent_missing" and entry["claim_id"]
    assert "未授权" in entry["reason"]
    assert answer["summary"]["commercial"] == "0.00" and "快赔" in answer["summary"]["commercial_pending"]
    assert answer["summary"]["patient_pays_now"] == answer["summary"]["cash"]
    [refusal] = _audit(world)
    assert refusal["action"] == "refusal" and refusal["outcome"] == "refused"
    assert refusal["recipient"] == "acme-group" and refusal["psn_no"] == "P0002" and refusal["consent_id"] is None
    assert refusal["record_ids"] == [answer["setlinfo"]["setl_id"]]


def test_revocation_takes_effect_on_the_next_settlement(world: World) -> None:
    file_reference_products(world.platform, {ACME: "dual_platform"})
    enroll_all(world.platform, ["P0002"], [ACME])
    consent_id = grant_consent(world.platform, "P0002", "acme-group", granularity="result")
    wire = tap(world.platform)
    first = _visit(world)
    assert _acme(first)["status"] == "settled" and _acme(first)["payable"] != "0.00"
    assert len(wire.sent) == 1
    consents.revoke(world.platform, insured("P0002"), consent_id)
    second = _visit(world)
    assert len(wire.sent) == 1  # nothing more left
    assert _acme(second)["status"] == "pending" and _acme(second)["reason_code"] == "consent_revoked"
    release, refusal = _audit(world)
    assert release["action"] == "release" and release["consent_id"] == consent_id
    assert refusal["action"] == "refusal" and refusal["record_ids"] == [second["setlinfo"]["setl_id"]]
    assert "consent_revoked" in refusal["reason"]


def test_a_consent_narrower_than_the_route_is_no_consent(world: World) -> None:
    file_reference_products(world.platform, {ACME: "detail"})
    enroll_all(world.platform, ["P0002"], [ACME])
    grant_consent(world.platform, "P0002", "acme-group", granularity="category")
    grant_consent(world.platform, "P0002", "acme-group", granularity="detail", purpose="analytics")
    wire = tap(world.platform)
    answer = _visit(world)
    assert wire.sent == [] and _acme(answer)["reason_code"] == "consent_missing"
    assert [e["action"] for e in _audit(world)] == ["refusal"]


def test_products_without_a_filing_in_force_do_not_settle(world: World) -> None:
    file_reference_products(world.platform, {p: "embedded" for p in PRODUCTS}, status="submitted")
    enroll_all(world.platform, ["P0002"], PRODUCTS)
    grant_consent(world.platform, "P0002", "acme-group")
    answer = _visit(world)
    assert answer["commercial"] == [] and answer["summary"]["commercial"] == "0.00"
    assert _audit(world) == []
