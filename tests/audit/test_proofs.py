"""A person (or the regulator) checks one entry against a signed checkpoint with nothing but the
platform's public key; a person lists who used their data, an insurer what it received, a regulator
what happened in its region."""

from __future__ import annotations

import json

import pytest

from syncsettle.adapters.crypto import Sm2PrivateKey
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management import data_use
from syncsettle.services.management.audit import Action, Use, record
from syncsettle.services.management.audit_proofs import proof, verify_bundle
from syncsettle.services.management.audit_seal import checkpoint
from tests.audit.test_sealing import AT, add_entries
from tests.commercial.actors import HMB, NATIONAL, OPERATOR, ULANQAB, YANTAI, insured
from tests.world import World


def _entry_about(world: World, psn_no: str, recipient: str = "acme-group") -> int:
    with world.platform.uow() as uow:
        record(uow.conn, AT, Use(Principal(Role.INSURER, recipient, "", "cr_x"), Action.RELEASE, "settlement",
                                 recipient, ["ST9"], ["payable"], psn_no=psn_no))  # fmt: skip
        uow.commit()
    return data_use.entries(world.platform, insured(psn_no), limit=1)[0]["entry_id"]  # type: ignore[no-any-return]


def test_inclusion_proof_verifies_with_the_public_key_alone(world: World) -> None:
    add_entries(world, 6)
    checkpoint(world.platform)
    mine = _entry_about(world, "P0002")  # newer than the checkpoint: one is signed for it
    add_entries(world, 3, start=6)
    bundle = json.loads(json.dumps(proof(world.platform, insured("P0002"), mine)))  # as it travels
    public = world.platform.settings.keys.public("platform")
    assert bundle["checkpoint"]["tree_size"] == 10 and bundle["leaf_index"] == 6  # signed on demand
    assert verify_bundle(public, bundle)
    assert json.loads(bundle["entry"])["psn_no"] == "P0002"
    assert not verify_bundle(public, bundle | {"entry": bundle["entry"].replace("ST9", "ST8")})
    assert not verify_bundle(public, bundle | {"leaf_index": 5})
    assert not verify_bundle(public, bundle | {"checkpoint": bundle["checkpoint"] | {"tree_size": 11}})
    assert not verify_bundle(Sm2PrivateKey.generate().public_key(), bundle)
    assert not verify_bundle(public, {"entry": "x"})
    regulators = proof(world.platform, YANTAI, mine)  # P0002 is insured in 370600
    assert verify_bundle(public, regulators)


def test_proofs_and_listings_follow_who_may_see_an_entry(world: World) -> None:
    p = world.platform
    mine = _entry_about(world, "P0002")
    elsewhere = _entry_about(world, "U0001", recipient="yantai-hmb")  # insured in 150900
    for actor in (insured("P0001"), HMB, ULANQAB):
        with pytest.raises(ServiceError) as caught:
            proof(p, actor, mine)
        assert caught.value.code is Code.FORBIDDEN
    for actor in (NATIONAL, OPERATOR, Principal(Role.INSURER, "acme-group", "", "cr_a")):
        assert proof(p, actor, mine)["entry_id"] == mine
    assert [e["entry_id"] for e in data_use.entries(p, insured("P0002"))] == [mine]
    assert [e["entry_id"] for e in data_use.entries(p, HMB)] == [elsewhere]
    assert [e["entry_id"] for e in data_use.entries(p, YANTAI)] == [mine]
    assert [e["entry_id"] for e in data_use.entries(p, ULANQAB)] == [elsewhere]
    assert [e["entry_id"] for e in data_use.entries(p, NATIONAL)] == [elsewhere, mine]
    assert data_use.entries(p, NATIONAL, before=elsewhere)[0]["entry_id"] == mine
    with pytest.raises(ServiceError) as missing:
        proof(p, OPERATOR, 10_000)
    assert missing.value.code is Code.NOT_FOUND
