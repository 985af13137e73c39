"""The commercial centre over HTTP, as each party uses it with its own credential: the regulator
admits and reviews, the insurer files, the person enrolls in one click and checks their consent
receipt and who used their data; the insurer sees masked data only while consent lasts."""

from __future__ import annotations

from typing import Any

from syncsettle.domain.identity import Role
from syncsettle.services.commercial.reference_products import reference_content
from syncsettle.services.management import identity
from tests.world import World


class Party:
    def __init__(self, world: World, role: Role, tenant: str) -> None:
        self.world = world
        self.headers = {"Authorization": f"Bearer {identity.issue(world.platform, role, tenant, '')[1]}"}

    def __call__(self, method: str, path: str, body: Any = None, status: int = 200, **query: Any) -> Any:
        answer = self.world.client.request(method, path, json=body, params=query, headers=self.headers)
        assert answer.status_code == status, answer.text
        return answer.json()


def test_from_admission_to_who_used_my_data(world: World) -> None:
    regulator, insurer = Party(world, Role.REGULATOR, "370600"), Party(world, Role.INSURER, "acme-group")
    person = Party(world, Role.INSURED, "P0002")
    regulator(
        "POST", "/api/regulator/insurers", {"insurer_id": "acme-group", "name": "ACME 保险", "reason": "材料齐全"}
    )
    draft = insurer("POST", "/api/insurer/filings", {"content": reference_content("acme-supplementary-2025"),
                                                     "region": "370600", "premium": "120.00"})  # fmt: skip
    fid = draft["filing_id"]
    insurer("POST", f"/api/insurer/filings/{fid}/submit")
    queue = world.client.get("/api/regulator/filings", params={"status": "submitted"}, headers=regulator.headers)
    assert [f["filing_id"] for f in queue.json()] == [fid]
    refused = regulator("POST", f"/api/regulator/filings/{fid}/approve", {"route": "settlement_summary",
                        "approved_from": "2025-01-01", "approved_to": "2025-12-31"}, status=422)  # fmt: skip
    assert refused["error"]["field"] == "route"
    regulator("POST", f"/api/regulator/filings/{fid}/approve", {"approved_from": "2025-01-01",
                                                                  "approved_to": "2025-12-31"})  # fmt: skip
    insurer("POST", f"/api/insurer/filings/{fid}/launch")
    form = person("GET", "/api/insured/enrollment-form", product_id="acme-supplementary-2025")
    assert form["person"]["certno"] == "370602********0002" and form["product"]["premium"] == "120.00"
    enrolled = person("POST", "/api/insured/enrollments", {"product_id": "acme-supplementary-2025"})
    assert enrolled["enrollments"][0]["premium"] == "120.00"
    assert person("GET", "/api/insured/policies")[0]["status"] == "active"

    consent = enrolled["consents"][0]
    receipt = person("GET", f"/api/insured/consents/{consent['consent_id']}/receipt")
    key = world.client.get("/api/public/platform-key").json()
    assert key["public_key"] == receipt["public_key"]
    check = world.client.post("/api/public/consent-receipts/verify", json=receipt).json()
    forged = world.client.post(
        "/api/public/consent-receipts/verify",
        json={**receipt, "receipt": {**receipt["receipt"], "enddate": "2030-12-31"}},
    ).json()
    assert (check, forged) == ({"valid": True}, {"valid": False})

    seen = insurer("GET", "/api/insurer/enrollments")
    assert seen[0]["insured"] == {"psn_name": "测******", "certno": "370602********0002", "gend": "1",
                                  "birth_year": 1980, "underwriting_class": "standard"}  # fmt: skip
    underwriting = next(c for c in enrolled["consents"] if c["purpose"] == "underwriting")
    person("POST", f"/api/insured/consents/{underwriting['consent_id']}/revoke")
    withheld = insurer("GET", "/api/insurer/enrollments")
    assert withheld[0]["insured"] is None and "premium" in withheld[0]

    uses = person("GET", "/api/insured/data-uses")
    assert {u["recipient"] for u in uses if u["action"] == "release"} == {"acme-group"}
    assert any(u["outcome"] == "refused" for u in uses)  # the insurer's look after the revocation
    released = next(u for u in uses if u["action"] == "release")
    bundle = person("GET", f"/api/audit/entries/{released['entry_id']}/proof")
    assert world.client.post("/api/public/audit-proofs/verify", json=bundle).json() == {"valid": True}
    received = insurer("GET", "/api/insurer/data-received")
    assert {u["psn_no"] for u in received} == {"P0002"}
    monitored = regulator("GET", "/api/regulator/data-uses")
    assert {u["entry_id"] for u in uses} <= {u["entry_id"] for u in monitored}
    assert len(regulator("GET", "/api/audit/checkpoints")) == 1


def test_bad_input_is_a_field_error_never_a_500(world: World) -> None:
    person = Party(world, Role.INSURED, "P0002")
    bad = person(
        "POST",
        "/api/insured/consents",
        {
            "insurer_id": "x",
            "purpose": "marketing",
            "granularity": "result",
            "begndate": "2025-01-01",
            "enddate": "2025-12-31",
        },
        status=422,
    )
    assert bad["error"]["code"] == "SS-1002" and bad["error"]["field"] == "purpose"
    missing = person("POST", "/api/insured/enrollments", {}, status=422)
    assert missing["error"]["field"] == "product_id"
    insurer = Party(world, Role.INSURER, "acme-group")
    money = insurer("POST", "/api/insurer/filings", {"content": {}, "region": "370600", "premium": 99.5}, status=422)
    assert money["error"]["field"] == "premium"
    assert person("GET", "/api/insured/consents/CSNOPE/receipt", status=404)["error"]["code"] == "SS-1201"
