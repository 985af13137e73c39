"""Credentials: issued once, hashed at rest, revocable; a bearer token names one role and tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from syncsettle.adapters.db.management.schema_identity import credentials
from syncsettle.domain.identity import Principal, Role, region_covers
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management import identity
from tests.world import World


def test_issued_token_authenticates_as_its_role_and_tenant(world: World) -> None:
    cid, token = identity.issue(world.platform, Role.INSURER, "yantai-hmb", "烟台市民健康保")
    who = identity.authenticate(world.platform, token)
    assert who == Principal(Role.INSURER, "yantai-hmb", "烟台市民健康保", cid)
    with world.platform.uow(readonly=True) as uow:
        stored = uow.conn.execute(select(credentials.c.secret_hash).where(credentials.c.id == cid)).scalar_one()
    assert token.split(".", 1)[1] not in stored  # only a hash is kept


def test_revoked_or_wrong_tokens_are_refused(world: World) -> None:
    cid, token = identity.issue(world.platform, Role.REGULATOR, "370600", "烟台市医保局")
    for bad in (token + "x", "cr_nope.secret", "no-dot", ""):
        with pytest.raises(ServiceError) as caught:
            identity.authenticate(world.platform, bad)
        assert caught.value.code is Code.UNAUTHORISED
    identity.revoke(world.platform, cid)
    with pytest.raises(ServiceError):
        identity.authenticate(world.platform, token)
    with pytest.raises(ServiceError) as twice:
        identity.revoke(world.platform, cid)
    assert twice.value.code is Code.NOT_FOUND


def test_hospital_authenticates_with_its_code_and_secret(world: World) -> None:
    who = identity.authenticate(world.platform, f"H37060000001.{world.secrets['H37060000001']}")
    assert (who.role, who.tenant) == (Role.HOSPITAL, "H37060000001")
    with pytest.raises(ServiceError):
        identity.authenticate(world.platform, f"H37060000001.{world.secrets['H37060000002']}")


def test_tenants_are_checked_when_issued(world: World) -> None:
    with pytest.raises(ServiceError) as unknown_person:
        identity.issue(world.platform, Role.INSURED, "NOBODY", "")
    assert unknown_person.value.code is Code.NOT_FOUND
    for role, tenant in ((Role.REGULATOR, "yantai"), (Role.OPERATOR, "370600"), (Role.HOSPITAL, "H1")):
        with pytest.raises(ServiceError):
            identity.issue(world.platform, role, tenant, "")


def test_api_me_answers_the_principal_and_401_without_credentials(world: World) -> None:
    _cid, token = identity.issue(world.platform, Role.INSURED, "P0001", "")
    ok = world.client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json()["role"] == "insured" and ok.json()["tenant"] == "P0001"
    missing = world.client.get("/api/me")
    assert missing.status_code == 401 and missing.json()["error"]["code"] == Code.UNAUTHORISED.value


def test_regulator_scopes_cover_their_regions_only() -> None:
    assert region_covers("*", "150900")
    assert region_covers("370000", "370600") and region_covers("370600", "370600")
    assert region_covers("370600", "370602") and not region_covers("370600", "370700")
    assert not region_covers("370000", "150900")
    regulator = Principal(Role.REGULATOR, "370000", "山东省医保局", "cr_1")
    assert regulator.owns("370600") and not regulator.owns("410500")
    insurer = Principal(Role.INSURER, "yantai-hmb", "", "cr_2")
    assert insurer.owns("yantai-hmb") and not insurer.owns("anyang-phb")
