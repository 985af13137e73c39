"""The FHIR searches over HTTP, each party with its own credential: the insured person searches only
their own settlements, an insurer only its own legs and only under consent (else an
OperationOutcome), other roles are refused; answers are application/fhir+json Bundles that parse
back with the fhir.resources R4B models."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle

from syncsettle.domain.identity import Role
from syncsettle.services.commercial import consents
from syncsettle.services.management import identity
from tests.commercial.actors import insured
from tests.commercial.test_routes import settle_both_visits
from tests.world import World

EOB = "ExplanationOfBenefit"


def _get(world: World, role: Role, tenant: str, path: str, status: int = 200, **query: Any) -> Any:
    headers = {"Authorization": f"Bearer {identity.issue(world.platform, role, tenant, '')[1]}"}
    answer = world.client.get(path, params=query, headers=headers)
    assert answer.status_code == status, answer.text
    if status == 200:
        assert answer.headers["content-type"].startswith("application/fhir+json")
        Bundle.model_validate_json(answer.content)
    return answer.json()


def _matches(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


def test_the_insured_person_searches_their_own_settlements_only(world: World) -> None:
    settle_both_visits(world, "detail")
    mine = _get(world, Role.INSURED, "P0002", f"/api/insured/fhir/{EOB}", patient="P0002", created="ge2025-06-01")
    assert mine["type"] == "searchset" and mine["total"] == 6  # two settlements and their four legs
    crs = _get(world, Role.INSURED, "P0002", "/api/insured/fhir/ClaimResponse", patient="Patient/P0002")
    assert crs["total"] == 6 and {r["resourceType"] for r in _matches(crs)} == {"ClaimResponse"}
    _get(world, Role.INSURED, "P0001", f"/api/insured/fhir/{EOB}", 403, patient="P0002")
    later = _get(world, Role.INSURED, "P0002", f"/api/insured/fhir/{EOB}", patient="P0002", created="gt2025-06-10")
    assert later["total"] == 0
    bad = _get(world, Role.INSURED, "P0002", f"/api/insured/fhir/{EOB}", 422, patient="P0002", created="soon")
    assert "created" in str(bad)
    _get(world, Role.INSURED, "P0002", f"/api/insured/fhir/{EOB}", 422)  # patient is required


def test_an_insurer_sees_its_own_legs_under_consent_and_other_roles_are_refused(world: World) -> None:
    settle_both_visits(world, "detail")
    hmb = _get(world, Role.INSURER, "yantai-hmb", f"/api/insurer/fhir/{EOB}", patient="P0002")
    legs = _matches(hmb)
    assert len(legs) == 2 and {r["insurer"]["reference"] for r in legs} == {"Organization/yantai-hmb"}
    for consent in consents.mine(world.platform, insured("P0002")):
        if consent["insurer_id"] == "yantai-hmb" and consent["revoked_at"] is None:
            consents.revoke(world.platform, insured("P0002"), consent["id"])
    after = _get(world, Role.INSURER, "yantai-hmb", f"/api/insurer/fhir/{EOB}", patient="P0002")
    assert after["total"] == 0 and _matches(after) == []
    assert [e["resource"]["resourceType"] for e in after["entry"]] == ["OperationOutcome", "OperationOutcome"]
    acme = _get(world, Role.INSURER, "acme-group", "/api/insurer/fhir/ClaimResponse", patient="P0002")
    assert len(_matches(acme)) == 2  # ACME's consent still holds
    # the insured API is not the insurer's, nor the insurer API the person's
    _get(world, Role.INSURER, "yantai-hmb", f"/api/insured/fhir/{EOB}", 403, patient="P0002")
    _get(world, Role.INSURED, "P0002", f"/api/insurer/fhir/{EOB}", 403, patient="P0002")
    _get(world, Role.REGULATOR, "370600", f"/api/insurer/fhir/{EOB}", 403, patient="P0002")
