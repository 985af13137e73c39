"""周转金 through the service, on SQLite and PostgreSQL: 烟台 (370600) advances a revolving fund to
乌兰察布 (150900); the stays of 烟台's insured at 乌兰察布's hospital draw on it (a reversal gives
back), local care never does; June's clearing tops the fund back up to its level; the draws
reconcile with the settlements, and ``check`` notices a ledger that does not add up."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, update

from syncsettle.adapters.db.clearing import revolving as repo
from syncsettle.adapters.db.clearing.schema_clearing import revolving_entries, revolving_funds
from syncsettle.domain.identity import Role
from syncsettle.money import format_yuan, parse_yuan
from syncsettle.services.clearing import revolving
from syncsettle.services.errors import ServiceError
from syncsettle.services.management import identity
from syncsettle.services.settlement.check import check
from tests.clearing.conftest import inpatient, reverse
from tests.world import World

YANTAI, ULANQAB, AWAY = "370600", "150900", "H15090000001"
MINIMUM = 10_000_000


def medical(settled: dict[str, Any]) -> int:
    """What the treatment region pays the hospital for a settlement: funds + personal account (fen)."""
    info = settled["setlinfo"]
    return parse_yuan(info["fund_pay_sumamt"]) + parse_yuan(info["acct_pay"])


def fund(w: World) -> dict[str, Any]:
    [row] = revolving.status(w.platform, insured=YANTAI, treatment=ULANQAB)
    return row


def test_the_fund_pays_cross_region_care_and_junes_clearing_tops_it_up(world: World) -> None:
    p = world.platform
    opened = revolving.advance(p, YANTAI, ULANQAB, None, "烟台医保中心")
    assert opened["advanced"] == "100000.00" and opened["balance"] == "100000.00"  # no history: the minimum
    first = inpatient(world, "Q0001", "42000.00", hospital=AWAY)
    second = inpatient(world, "Q0002", "30000.00", hospital=AWAY)
    inpatient(world, "Q0003", "8000.00")  # at home: not the fund's business
    world.clock.advance(days=2)
    reverse(world, second, hospital=AWAY)
    paid = medical(first)
    assert paid > 0 and medical(second) > 0
    before = fund(world)
    assert before["undrawn_settlements"] == 3 and before["undrawn"] == format_yuan(paid)

    drawn = revolving.draw(p)
    assert (drawn["drawn"], drawn["paid"]) == (3, format_yuan(paid))
    assert revolving.draw(p)["drawn"] == 0  # each settlement is drawn once
    late = inpatient(world, "Q0008", "5000.00", hospital=AWAY)  # at the same instant: a second batch
    assert revolving.draw(p)["paid"] == format_yuan(medical(late))
    reverse(world, late, hospital=AWAY)
    assert revolving.draw(p)["paid"] == format_yuan(-medical(late))  # its reversal gives back what it drew
    with p.uow(readonly=True) as uow:
        assert repo.ledger_balance(uow.conn, YANTAI, ULANQAB) == MINIMUM - paid  # the ledger mirrors the fund
    now = fund(world)
    assert now["balance"] == format_yuan(MINIMUM - paid)
    assert now["required_top_up"] == format_yuan(paid) and now["undrawn_settlements"] == 0

    with pytest.raises(ServiceError, match="尚未结束"):
        revolving.run(p, YANTAI, ULANQAB, world.clock.now().date(), "烟台医保中心")
    world.clock.advance(days=25)  # 2025-07-07
    june = revolving.run(p, YANTAI, ULANQAB, world.clock.now().date().replace(month=6), "烟台医保中心")
    assert june == {
        "insured_region": YANTAI, "treatment_region": ULANQAB, "month": "2025-06", "paid": format_yuan(paid),
        "balance_before": format_yuan(MINIMUM - paid), "level": "100000.00", "top_up": format_yuan(paid),
        "balance_after": "100000.00", "settled_now": True,
    }  # fmt: skip
    again = revolving.run(p, YANTAI, ULANQAB, world.clock.now().date().replace(month=6, day=30), "someone")
    assert again == june | {"settled_now": False}
    assert fund(world)["balance"] == "100000.00" and fund(world)["last_settled"] == "2025-06"
    kinds = [e["kind"] for e in revolving.ledger(p, YANTAI, ULANQAB)]
    assert sorted(kinds) == ["advance", "draw", "draw", "draw", "draw", "draw", "top_up"]

    reconciled = revolving.reconcile(p, YANTAI, ULANQAB, world.clock.now().date().replace(month=6))
    assert (reconciled["settlements"], reconciled["mismatched"]) == (5, 0)
    assert check(p)["ok"]


def test_a_missing_draw_is_a_difference_and_a_broken_ledger_fails_check(world: World) -> None:
    p = world.platform
    revolving.advance(p, YANTAI, ULANQAB, parse_yuan("200000.00"), "烟台医保中心")
    settled = inpatient(world, "Q0004", "25000.00", hospital=AWAY)
    revolving.draw(p)
    setl_id = settled["setlinfo"]["setl_id"]
    with p.uow() as uow:  # the draw is lost (a bad manual fix)
        uow.conn.execute(delete(revolving_entries).where(revolving_entries.c.ref == setl_id))
        uow.commit()
    found = revolving.reconcile(p, YANTAI, ULANQAB, world.clock.now().date())
    assert found["mismatched"] == 1
    [diff] = found["differences"]
    assert (diff["setl_id"], diff["reason"], diff["drawn"], diff["owed"]) == (
        setl_id, "missing_draw", None, format_yuan(medical(settled)))  # fmt: skip
    again = revolving.reconcile(p, YANTAI, ULANQAB, world.clock.now().date())
    assert again["mismatched"] == 1  # recorded once however often it runs
    problems = check(p)["problems"]
    assert any("revolving fund 370600>150900: balance" in str(x) for x in problems), problems


def test_months_settle_in_order_and_pairs_are_checked(world: World) -> None:
    p = world.platform
    with pytest.raises(ServiceError, match="不是异地就医"):
        revolving.advance(p, YANTAI, YANTAI, None, "x")
    with pytest.raises(ServiceError, match="未向"):
        revolving.run(p, YANTAI, ULANQAB, world.clock.now().date().replace(month=5), "x")
    revolving.advance(p, YANTAI, ULANQAB, None, "烟台医保中心")
    with pytest.raises(ServiceError, match="已达额度"):
        revolving.advance(p, YANTAI, ULANQAB, None, "烟台医保中心")  # already at its level
    world.clock.advance(days=60)  # 2025-08-09
    may = revolving.run(p, YANTAI, ULANQAB, world.clock.now().date().replace(month=7), "烟台医保中心")
    assert may["top_up"] == "0.00"  # nothing was paid: the advance is the level
    with pytest.raises(ServiceError, match="已清算"):
        revolving.run(p, YANTAI, ULANQAB, world.clock.now().date().replace(month=6), "烟台医保中心")


def test_the_level_follows_three_months_of_payments(world: World) -> None:
    """A large stay: when two thirds of the last three months' payments exceed the minimum, the
    month's top-up brings the fund to that level, not back to 100,000.00."""
    p = world.platform
    revolving.advance(p, YANTAI, ULANQAB, None, "烟台医保中心")
    stays = [inpatient(world, f"Q{10 + i:04d}", "400000.00", hospital=AWAY) for i in range(2)]
    paid = sum(medical(s) for s in stays)
    level = (2 * paid * 2 + 3) // 6  # 2 × paid / 3, half-up
    assert level > MINIMUM, "the stays must be large enough to lift the level"
    world.clock.advance(days=25)
    june = revolving.run(p, YANTAI, ULANQAB, world.clock.now().date().replace(month=6), "烟台医保中心")
    assert june["level"] == format_yuan(level)
    assert june["top_up"] == format_yuan(level - (MINIMUM - paid))
    assert fund(world)["balance"] == format_yuan(level)
    assert check(p)["ok"]


def test_the_regulator_sees_the_funds_of_its_regions(world: World) -> None:
    p = world.platform
    revolving.advance(p, YANTAI, ULANQAB, None, "烟台医保中心")
    revolving.advance(p, ULANQAB, YANTAI, None, "乌兰察布医保中心")
    revolving.advance(p, "150100", "150900", None, "呼和浩特医保中心")

    def seen(tenant: str) -> list[tuple[str, str]]:
        headers = {"Authorization": f"Bearer {identity.issue(p, Role.REGULATOR, tenant, '')[1]}"}
        answer = world.client.get("/api/regulator/revolving-funds", headers=headers)
        assert answer.status_code == 200, answer.text
        return [(f["insured_region"], f["treatment_region"]) for f in answer.json()]

    assert seen("370600") == [(ULANQAB, YANTAI), (YANTAI, ULANQAB)]
    assert seen("150000") == [("150100", "150900"), (ULANQAB, YANTAI), (YANTAI, ULANQAB)]
    assert seen("*") == seen("150000")
    headers = {"Authorization": f"Bearer {identity.issue(p, Role.INSURER, 'yantai-hmb', '')[1]}"}
    assert world.client.get("/api/regulator/revolving-funds", headers=headers).status_code == 403


def test_a_draw_of_the_wrong_amount_is_found_by_reconcile_and_check(world: World) -> None:
    p = world.platform
    revolving.advance(p, YANTAI, ULANQAB, None, "烟台医保中心")
    settled = inpatient(world, "Q0005", "18000.00", hospital=AWAY)
    revolving.draw(p)
    setl_id, owed = settled["setlinfo"]["setl_id"], medical(settled)
    with p.uow() as uow:  # one fen off, the fund's balance kept consistent with it
        uow.conn.execute(update(revolving_entries).where(revolving_entries.c.ref == setl_id).values(amount=-(owed - 1)))
        uow.conn.execute(update(revolving_funds).values(balance=revolving_funds.c.balance + 1))
        uow.commit()
    [diff] = revolving.reconcile(p, YANTAI, ULANQAB, world.clock.now().date())["differences"]
    assert (diff["reason"], diff["drawn"], diff["owed"]) == ("amount_differs", format_yuan(owed - 1), format_yuan(owed))
    problems = [str(x) for x in check(p)["problems"]]
    assert any(f"draw {-(owed - 1)} for {setl_id}, which owes {owed}" in x for x in problems), problems
    assert not any("entries sum to" in x for x in problems)  # the fund agrees with its entries …
    assert any("its ledger account holds" in x for x in problems)  # … not with the journals of the real draw


def test_settlements_before_the_fund_opened_are_not_its_to_pay(world: World) -> None:
    p = world.platform
    inpatient(world, "Q0006", "20000.00", hospital=AWAY)  # 2025-06-10, no fund yet
    world.clock.advance(days=1)
    revolving.advance(p, YANTAI, ULANQAB, None, "烟台医保中心")
    later = inpatient(world, "Q0007", "20000.00", hospital=AWAY)
    assert fund(world)["undrawn_settlements"] == 1
    assert revolving.draw(p)["paid"] == format_yuan(medical(later))
    assert revolving.reconcile(p, YANTAI, ULANQAB, world.clock.now().date())["mismatched"] == 0
