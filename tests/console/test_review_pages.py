"""The risk review decision form over HTTP (风险复核, ``/console/reviews``): a decision needs the
session's CSRF token — without it, with a forged one or with another reviewer's, the post is refused
with 403 and nothing is decided (the held leg stays held, no decision recorded); with it the leg is
approved and settles, and a decision the service refuses is shown with the form to post again."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from syncsettle.adapters.db.commercial.schema_claims import commercial_claims
from syncsettle.adapters.db.commercial.schema_legs import review_decisions
from syncsettle.domain.identity import Role
from syncsettle.services.management import identity
from tests.console.forms import csrf_of
from tests.console.seed import Seeded, held_leg

Login = Callable[[str], TestClient]


@pytest.fixture
def claim_id(seeded: Seeded) -> str:
    return held_leg(seeded)


def _decided(seeded: Seeded, claim_id: str) -> tuple[str, int]:
    """The held leg's claim status and how many decisions were recorded on it."""
    with seeded.world.platform.uow(readonly=True) as uow:
        conn = uow.conn
        status = conn.execute(select(commercial_claims.c.status).where(commercial_claims.c.claim_id == claim_id))
        decisions = conn.execute(
            select(func.count()).select_from(review_decisions).where(review_decisions.c.item_id == claim_id)
        ).scalar_one()
    return str(status.scalar_one()), int(decisions)


def _colleague(seeded: Seeded) -> TestClient:
    """Another reviewer of the same insurer, in a session of its own."""
    client = TestClient(seeded.world.app)
    token = identity.issue(seeded.world.platform, Role.INSURER, "yantai-hmb", "烟台惠民保复核岗")[1]
    assert client.post("/console/login", data={"token": token}, follow_redirects=False).status_code == 303
    return client


def test_a_decision_without_the_sessions_token_is_refused_and_decides_nothing(
    seeded: Seeded, login: Login, claim_id: str
) -> None:
    insurer = login("insurer")
    path = f"/console/reviews/leg/{claim_id}"
    token = csrf_of(insurer.get(path).text)
    foreign = csrf_of(_colleague(seeded).get(path).text)  # genuine — of another session
    assert foreign != token
    assert _decided(seeded, claim_id) == ("held", 0)
    for data in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}, {"csrf_token": foreign}):
        for decision in ("approve", "reject", "more_info"):
            response = insurer.post(path, data={"decision": decision, "reason": "检查确有必要", **data})
            assert response.status_code == 403 and "CSRF" in response.text, (decision, data)
    assert _decided(seeded, claim_id) == ("held", 0)

    done = insurer.post(path, data={"decision": "approve", "reason": "检查确有必要", "csrf_token": token},
                        follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == path
    assert _decided(seeded, claim_id) == ("settled", 1)


def test_a_refused_decision_shows_why_with_a_form_that_can_post_again(
    seeded: Seeded, login: Login, claim_id: str
) -> None:
    regulator = login("regulator")
    path = f"/console/reviews/leg/{claim_id}"
    token = csrf_of(regulator.get(path).text)
    refused = regulator.post(path, data={"decision": "reject", "reason": " ", "csrf_token": token})
    assert refused.status_code == 409 and "须写明原因" in refused.text and 'id="decision-error"' in refused.text
    assert csrf_of(refused.text) == token
    assert _decided(seeded, claim_id) == ("held", 0)
    done = regulator.post(path, data={"decision": "reject", "reason": "重复检查", "csrf_token": csrf_of(refused.text)},
                          follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    assert _decided(seeded, claim_id) == ("rejected", 1)
