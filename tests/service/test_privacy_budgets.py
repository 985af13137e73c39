"""Privacy budgets administered by the regulator (SQLite and PostgreSQL): only a regulator grants and
revokes, only for requesters in its regions; a noisy release takes its epsilon from a live budget
(granted, not revoked, not expired, enough left) or is refused in Chinese saying why, with nothing
released; every grant, revocation and spend is in the audit log with what remains; the minimum cell
holds whoever calls; noisy figures come out non-negative and consistent. Over HTTP the regulator's
routes do the same and the insurer sees its remaining budget."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import select

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.computing import access, budgets, facts, whatif
from syncsettle.services.computing.actuarial import Requester
from syncsettle.services.computing.release import Cell, release
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management import admission, identity
from tests.service.test_replay import CITY, YEAR, history
from tests.world import World, file_reference_products

YANTAI = Principal(Role.REGULATOR, "370600", "烟台市医保局 张", "t-yantai")
HOHHOT = Principal(Role.REGULATOR, "150900", "乌兰察布市医保局", "t-other")
ACTUARY = Principal(Role.INSURER, "yantai-hmb", "精算部 王", "t-actuary")
DATASET = f"product:{CITY}"


def _aggregates(world: World, epsilon: str | None = "1/2") -> dict[str, Any]:
    return access.aggregates(world.platform, ACTUARY, CITY, *YEAR, [], epsilon=epsilon)


def _decisions(world: World) -> list[str]:
    with world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(audit_entries.c.reason).where(audit_entries.c.purpose == "privacy_budget")
                                .order_by(audit_entries.c.id))  # fmt: skip
        return [r for (r,) in rows]


def test_only_the_regulator_of_the_region_grants_and_a_grant_is_checked(world: World) -> None:
    file_reference_products(world.platform)
    p = world.platform
    with pytest.raises(ServiceError) as refused:
        budgets.grant(p, ACTUARY, "yantai-hmb", DATASET, "1")  # an insurer cannot grant itself
    assert refused.value.code is Code.FORBIDDEN
    with pytest.raises(ServiceError) as elsewhere:
        budgets.grant(p, HOHHOT, "yantai-hmb", DATASET, "1")  # admitted in 370600, not 150900
    assert elsewhere.value.code is Code.FORBIDDEN
    for requester, dataset, epsilon, code in (
        ("nobody-here", DATASET, "1", Code.NOT_FOUND), ("yantai-hmb", "shoes:1", "1", Code.FIELD),
        ("yantai-hmb", DATASET, "0", Code.FIELD), ("yantai-hmb", DATASET, "11", Code.FIELD),
        ("yantai-hmb", DATASET, "1e9", Code.FIELD), ("regulator:370000", "remainder:*:37", "1", Code.FORBIDDEN),
    ):  # fmt: skip
        with pytest.raises(ServiceError) as bad:
            budgets.grant(p, YANTAI, requester, dataset, epsilon)
        assert bad.value.code is code, (requester, dataset, epsilon)
    with pytest.raises(ServiceError, match="早于今天"):
        budgets.grant(p, YANTAI, "yantai-hmb", DATASET, "1", expires_on=date(2025, 6, 9))
    row = budgets.grant(p, YANTAI, "yantai-hmb", DATASET, "3/2", expires_on=date(2025, 12, 31), reason="定价")
    assert (row["total"], row["spent"], row["remaining"], row["status"]) == ("1.5", "0", "1.5", "active")
    own = budgets.grant(p, YANTAI, "regulator:370600", "remainder:*:3706", "1")  # its own analysts
    assert own["requester"] == "regulator:370600"
    assert [r["requester"] for r in budgets.listing(p, YANTAI)] == ["regulator:370600", "yantai-hmb"]
    assert budgets.listing(p, HOHHOT) == []  # neither is in its regions
    assert _decisions(world) == ["grant epsilon=1.5 expires_on=2025-12-31: 定价", "grant epsilon=1 expires_on=-"]


def test_noisy_releases_spend_the_granted_budget_until_it_is_gone(world: World) -> None:
    history(world)
    facts.refresh(world.platform)
    with pytest.raises(ServiceError) as none:
        _aggregates(world)
    assert none.value.code is Code.BUDGET and "医保部门尚未给 yantai-hmb 分配数据集" in none.value.message
    budgets.grant(world.platform, YANTAI, "yantai-hmb", DATASET, "1.2")
    remaining = []
    for _ in range(2):
        out = _aggregates(world)
        [cell] = out["cells"]
        assert not cell["suppressed"] and all(v >= 0 for v in cell["metrics"].values())
        assert cell["metrics"]["claims"] > 0 or cell["metrics"]["paid"] == 0
        remaining.append(out["privacy"]["epsilon_remaining"])
    assert remaining == ["0.7", "0.2"]
    with pytest.raises(ServiceError) as spent:
        _aggregates(world)
    assert spent.value.code is Code.BUDGET
    assert spent.value.message.startswith(
        "隐私预算不足：yantai-hmb 在数据集 " + DATASET + " 上剩余 ε=0.2，本次需要 ε=0.5"
    )
    exact = _aggregates(world, None)  # an exact release needs no budget
    assert exact["privacy"]["epsilon_spent"] == "0" and exact["privacy"]["noisy"] is False
    [listed] = access.budgets(world.platform, ACTUARY)
    assert (listed["spent"], listed["remaining"], listed["status"]) == ("1", "0.2", "active")
    with pytest.raises(ServiceError, match="低于已用"):
        budgets.grant(world.platform, YANTAI, "yantai-hmb", DATASET, "0.5")  # spent stays spent
    more = budgets.grant(world.platform, YANTAI, "yantai-hmb", DATASET, "2")
    assert (more["spent"], more["remaining"]) == ("1", "1")


def test_revoked_and_expired_budgets_refuse_and_a_new_grant_lifts_a_revocation(world: World) -> None:
    history(world)
    facts.refresh(world.platform)
    p = world.platform
    today = business_date(world.clock.now())
    budgets.grant(p, YANTAI, "yantai-hmb", DATASET, "5", expires_on=today)
    assert _aggregates(world)["privacy"]["epsilon_remaining"] == "4.5"
    with pytest.raises(ServiceError, match="必须说明理由"):
        budgets.revoke(p, YANTAI, "yantai-hmb", DATASET, " ")
    with pytest.raises(ServiceError) as foreign:
        budgets.revoke(p, HOHHOT, "yantai-hmb", DATASET, "不是我的")
    assert foreign.value.code is Code.FORBIDDEN
    revoked = budgets.revoke(p, YANTAI, "yantai-hmb", DATASET, "项目结束")
    assert (revoked["status"], revoked["remaining"], revoked["spent"]) == ("revoked", "0", "0.5")
    with pytest.raises(ServiceError, match="已被医保部门撤销"):
        _aggregates(world)
    with pytest.raises(ServiceError) as twice:
        budgets.revoke(p, YANTAI, "yantai-hmb", DATASET, "again")
    assert twice.value.code is Code.CONFLICT
    again = budgets.grant(p, YANTAI, "yantai-hmb", DATASET, "5", expires_on=today)
    assert (again["status"], again["spent"], again["remaining"]) == ("active", "0.5", "4.5")
    world.clock.advance(days=1)  # the next day in Beijing: past the last day
    with pytest.raises(ServiceError, match=f"已于 {today} 到期"):
        _aggregates(world)
    [listed] = budgets.listing(p, YANTAI)
    assert (listed["status"], listed["remaining"]) == ("expired", "0")
    granted = f"grant epsilon=5 expires_on={today}"
    assert [d.split(":")[0] for d in _decisions(world)] == [granted, "revoke", granted]


def test_the_minimum_cell_holds_whoever_asks_for_less(world: World) -> None:
    with world.platform.uow() as uow:
        out = release(uow.conn, now=world.clock.now(), who="cli", role="operator", insurer="ins", purpose="t",
                      dataset="d", cells=[Cell({"region": "A"}, 4, {"claims": 12})], min_cell=1,
                      epsilon=None)  # fmt: skip
        uow.commit()
    assert out[0]["suppressed"] and out[0]["metrics"] == {"claims": None}  # 4 persons, asked 1: the floor is 10


@pytest.mark.usefixtures("small_cells")
def test_a_noisy_replay_is_non_negative_and_its_shares_add_up(world: World) -> None:
    history(world)
    facts.refresh(world.platform)
    p = world.platform
    candidate = p.rules.products[CITY].model_copy(update={"id": "city-2026-candidate"})
    budgets.grant(p, YANTAI, "yantai-hmb", "replay:city-2026-candidate", "10")
    who = Requester("analyst", "insurer", "yantai-hmb", "pricing")
    for _ in range(5):
        result = whatif.run(p, whatif.WhatIf(candidate, *YEAR, premium=12_900), who, min_cell=1,
                            epsilon=Fraction(2), progress=lambda _: None)  # fmt: skip
        assert not result["expected_payout"].startswith("-") and result["claims"] >= 0
        assert result["loss_ratio"] is not None and not result["loss_ratio"].startswith("-")
        shares = result["responsibility_share"]
        if shares:  # the parts are the payout: their shares add up to one (to the four decimals' rounding)
            assert abs(sum(Fraction(s) for s in shares.values()) - 1) <= Fraction(len(shares), 20_000)
        else:
            assert result["expected_payout"] == "0.00"


def _bearer(world: World, role: Role, tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {identity.issue(world.platform, role, tenant, '测试')[1]}"}


def test_over_http_the_regulator_grants_lists_and_revokes_and_the_insurer_sees_what_is_left(world: World) -> None:
    history(world)
    regulator, insurer = _bearer(world, Role.REGULATOR, "370600"), _bearer(world, Role.INSURER, "yantai-hmb")
    body = {"requester": "yantai-hmb", "dataset": f"remainder:{CITY}", "epsilon": "1", "expires_on": "2025-12-31"}
    assert world.client.post("/api/regulator/privacy-budgets", headers=insurer, json=body).status_code == 403
    granted = world.client.post("/api/regulator/privacy-budgets", headers=regulator, json=body)
    assert granted.status_code == 200 and granted.json()["remaining"] == "1"
    query = {"product": CITY, "epsilon": "0.6", "from": "2025-01-01", "to": "2025-12-31"}
    first = world.client.get("/api/insurer/actuarial/remainder", headers=insurer, params=query)
    assert first.status_code == 200 and first.json()["privacy"]["epsilon_remaining"] == "0.4"
    assert all(c["suppressed"] or c["metrics"]["settlements"] >= 0 for c in first.json()["cells"])
    refused = world.client.get("/api/insurer/actuarial/remainder", headers=insurer, params=query)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "SS-1601"
    assert "剩余 ε=0.4，本次需要 ε=0.6" in refused.json()["error"]["message"]
    [mine] = world.client.get("/api/insurer/actuarial/budgets", headers=insurer).json()
    assert (mine["dataset"], mine["spent"], mine["remaining"]) == (f"remainder:{CITY}", "0.6", "0.4")
    listed = world.client.get("/api/regulator/privacy-budgets", headers=regulator).json()
    assert [(b["requester"], b["remaining"]) for b in listed] == [("yantai-hmb", "0.4")]
    other = _bearer(world, Role.REGULATOR, "150900")
    assert world.client.get("/api/regulator/privacy-budgets", headers=other).json() == []
    revoke = {"requester": "yantai-hmb", "dataset": f"remainder:{CITY}", "reason": "到期前收回"}
    assert world.client.post("/api/regulator/privacy-budgets/revoke", headers=other, json=revoke).status_code == 403
    done = world.client.post("/api/regulator/privacy-budgets/revoke", headers=regulator, json=revoke)
    assert done.status_code == 200 and done.json()["status"] == "revoked"
    assert admission.listing(world.platform, YANTAI)  # the insurer itself is untouched
