"""What-if replay: history under a filed product's own rules reproduces, to the fen, what the product
paid; the vectorised path agrees with the per-bill path; the job records progress and the result."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy import select

from syncsettle.adapters.db.commercial import enrollments as enrollments_repo
from syncsettle.adapters.db.computing.schema_computing import claim_fact_products
from syncsettle.services import admin
from syncsettle.services.computing import facts, jobs, replay, replay_claims, whatif
from syncsettle.services.computing.actuarial import Requester, four
from syncsettle.services.computing.release import ReleaseAudit
from tests.world import World, file_reference_products, grant_consent, line

CITY, ACME = "yantai-shiminjiankangbao-2025", "acme-supplementary-2025"
YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def history(world: World) -> None:
    """Twelve persons, some in the city product, some also in the employer plan; two or three
    inpatient stays each over a few weeks, some with a drug on the city product's list."""
    file_reference_products(world.platform)
    for i in range(12):
        psn = f"Q{i:04d}"
        grant_consent(world.platform, psn, "yantai-hmb")
        grant_consent(world.platform, psn, "acme-group")
        admin.enroll(world.platform, psn, CITY, *YEAR, pre_existing=i % 4 == 0, enrolled_years=1 + i % 3)
        if i % 2 == 0:
            admin.enroll(world.platform, psn, ACME, *YEAR)
    for round_ in range(3):
        for i in range(12):
            if round_ == 2 and i % 3:
                continue
            lines = [line("1", "331001001", "1", f"{20000 + 7000 * i + 3100 * round_}.00",
                          f"{20000 + 7000 * i + 3100 * round_}.00")]  # fmt: skip
            if i % 3 == 0:
                lines.append(line("2", "XL01FD-BLT01", "1", "30000.00", "30000.00"))
            mdtrt_id = world.inpatient_visit(f"Q{i:04d}", lines)
            world.ok("2304", {"data": {"mdtrt_id": mdtrt_id, "psn_no": f"Q{i:04d}"}})
        world.clock.advance(days=9)


def actual(world: World, product: str) -> dict[str, int]:
    with world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(claim_fact_products.c.setl_id, claim_fact_products.c.paid).where(
                claim_fact_products.c.product_id == product
            )
        ).all()
    out: dict[str, int] = {}
    for setl_id, paid in rows:
        out[setl_id] = out.get(setl_id, 0) + int(paid)
    return out


def test_replay_under_a_filed_products_own_rules_reproduces_what_it_paid(world: World) -> None:
    history(world)
    assert facts.refresh(world.platform) == {"added": 28, "dropped": 0, "claims": 0}
    assert_reproduces(world)


def test_replay_reproduces_what_was_paid_for_care_away_from_home(world: World) -> None:
    """Unfiled stays out of the province: the patient first pays 20 % of the in-scope amount, which
    the city product then covers; the facts must carry that share for the replay to agree."""
    history(world)
    for i in (0, 3, 6):
        amount = f"{42000 + 1000 * i}.00"
        mdtrt_id = world.inpatient_visit(f"Q{i:04d}", [line("1", "331001001", "1", amount, amount)],
                                         hospital="H15090000001")  # fmt: skip
        world.ok("2304", {"data": {"mdtrt_id": mdtrt_id, "psn_no": f"Q{i:04d}"}}, hospital="H15090000001")
    assert facts.refresh(world.platform) == {"added": 31, "dropped": 0, "claims": 0}
    assert_reproduces(world)


def assert_reproduces(world: World) -> None:
    p = world.platform
    for product_id in (CITY, ACME):
        product = p.rules.products[product_id]
        claims = replay_claims.load(p, product, product_id, *YEAR, lambda _: None)
        per_bill = replay.per_bill(product, claims)
        assert per_bill.payable.tolist() == claims.replaced_paid.tolist()  # claim by claim, to the fen
        assert int(per_bill.payable.sum()) == sum(actual(world, product_id).values()) > 0
        assert replay.vectorised(product, claims, lambda _: None) == per_bill


@pytest.mark.usefixtures("small_cells")
def test_whatif_job_returns_only_aggregates_with_progress(world: World) -> None:
    history(world)
    facts.refresh(world.platform)
    p = world.platform
    candidate = p.rules.products[CITY].model_copy(update={"id": "city-2026-candidate"})
    audits: list[ReleaseAudit] = []
    who = Requester("analyst-1", "insurer", "yantai-hmb", "pricing 2026")
    job = jobs.submit(p, "replay", "yantai-hmb", {"candidate": candidate.id})
    w = whatif.WhatIf(candidate, *YEAR, premium=12_900, replaces=CITY)
    seen: list[float] = []
    result = jobs.run(p, job, lambda progress: whatif.run(p, w, who, min_cell=3, epsilon=None, audit=audits.append,
                                                          progress=progress), seen.append)  # fmt: skip
    row = jobs.status(p, job)
    assert row["status"] == "done" and row["progress"] == 1.0 and row["result"] == result
    assert seen[-1] == 1.0
    assert result["settlements"] == 28 and result["covered_persons"] == 12
    assert result["expected_payout"] == result["replaces"]["paid"]  # the same rules under another name
    assert result["loss_ratio"] == result["replaces"]["loss_ratio"]
    assert set(result["percentiles"]) == {"p50", "p75", "p90", "p95", "p99"}
    assert "psn_no" not in str(result) and "Q0000" not in str(result)
    assert [a.cells_released for a in audits] == [2] and audits[0].who == "analyst-1"
    # a noisy release spends the budget; with none set it is refused
    noisy = whatif.WhatIf(candidate, *YEAR, premium=12_900)
    try:
        whatif.run(p, noisy, who, min_cell=3, epsilon=Fraction(1, 2), audit=audits.append, progress=lambda _: None)
        raise AssertionError("released without a budget")
    except Exception as exc:  # ServiceError BUDGET
        assert "SS-1601" in str(exc)


def test_vectorised_and_per_bill_agree_on_generated_history(database_url: str) -> None:
    from syncsettle.adapters.db.core.engine import make_engine
    from syncsettle.adapters.db.core.migrate import upgrade
    from syncsettle.services.platform import Platform
    from syncsettle_tools.loadgen import history as gen

    p = Platform(engine=make_engine(database_url))
    upgrade(p.engine)
    with p.uow() as uow:
        gen.generate(uow.conn, 3000, seed=11)
        uow.commit()
    assert facts.refresh(p)["added"] == 3000
    fresh = p.rules.products[CITY].model_copy(update={"id": "city-for-everyone"})  # replaces nothing
    for product, replaces in ((p.rules.products[CITY], CITY), (p.rules.products[ACME], ACME), (fresh, None)):
        claims = replay_claims.load(p, product, replaces, *YEAR, lambda _: None)
        assert not claims.plain.all()  # some claims carry a listed drug
        per_bill = replay.per_bill(product, claims)
        assert per_bill.payable.sum() > 0
        assert replay.vectorised(product, claims, lambda _: None) == per_bill
    # a quarter is read through the date index, a year by a scan: the same claims in the same order
    march = date(2025, 3, 31)
    quarter = replay_claims.load(p, fresh, None, date(2025, 1, 1), march, lambda _: None)
    last = march.toordinal()
    assert quarter.setl_ids == [s for s, day in zip(claims.setl_ids, claims.day, strict=True) if day <= last]
    p.engine.dispose()


def test_a_period_without_settlements_replays_to_nothing_on_both_paths(world: World) -> None:
    p = world.platform
    product = p.rules.products[CITY]
    claims = replay_claims.load(p, product, CITY, *YEAR, lambda _: None)
    assert claims.n == 0
    assert replay.vectorised(product, claims, lambda _: None) == replay.per_bill(product, claims)


def test_covered_persons_are_the_enrolled_not_the_claimants(world: World) -> None:
    """The premium is paid by every enrollee, claimant or not: 12 claimants of the city product plus
    5 enrollees without a stay make 17 covered persons. An enrollment that ended before the period,
    a cancelled one and one in another product are not covered. Premium income and the loss ratio
    follow the 17."""
    history(world)
    p = world.platform
    quiet = [f"Q{i:04d}" for i in range(20, 25)]
    for psn in quiet:
        admin.enroll(p, psn, CITY, *YEAR)
    admin.enroll(p, "Q0030", CITY, date(2024, 1, 1), date(2024, 12, 31))  # before the period
    admin.enroll(p, "Q0031", ACME, *YEAR)  # another product
    cancelled = admin.enroll(p, "Q0032", CITY, *YEAR)
    with p.uow() as uow:
        enrollments_repo.cancel(uow.conn, cancelled, cancelled_at=world.clock.now())
        uow.commit()
    facts.refresh(p)
    candidate = p.rules.products[CITY].model_copy(update={"id": "city-2026-candidate"})
    who = Requester("analyst-1", "insurer", "yantai-hmb", "pricing 2026")
    w = whatif.WhatIf(candidate, *YEAR, premium=12_900, replaces=CITY)
    result = whatif.run(p, w, who, min_cell=3, epsilon=None, audit=lambda _: None, progress=lambda _: None)
    assert result["settlements"] == 28
    assert result["covered_persons"] == 17 and result["covered_basis"] == f"enrollments:{CITY}"
    assert result["premium_income"] == "2193.00"  # 17 × 129.00
    payout = int(result["expected_payout"].replace(".", ""))
    assert payout > 0
    assert result["loss_ratio"] == four(payout, 17 * 12_900)
    # a quarter: only the enrollments whose cover overlaps it
    spring = whatif.WhatIf(candidate, date(2025, 4, 1), date(2025, 6, 30), premium=3_000, replaces=CITY)
    admin.enroll(p, "Q0040", CITY, date(2025, 7, 1), date(2025, 12, 31))  # starts after the quarter
    quarter = whatif.run(p, spring, who, min_cell=3, epsilon=None, audit=lambda _: None, progress=lambda _: None)
    assert quarter["covered_persons"] == 17


def test_without_a_replaced_product_every_insured_person_is_covered(world: World) -> None:
    """A new product nobody is enrolled in is replayed over everyone insured: the denominator is the
    insured population (the world's 104 persons; 103 in 370600), not the 12 who had a stay."""
    history(world)
    facts.refresh(world.platform)
    p = world.platform
    candidate = p.rules.products[CITY].model_copy(update={"id": "brand-new"})
    who = Requester("analyst-1", "insurer", "yantai-hmb", "pricing 2026")
    everyone = whatif.run(p, whatif.WhatIf(candidate, *YEAR, premium=100), who, min_cell=3, epsilon=None,
                          audit=lambda _: None, progress=lambda _: None)  # fmt: skip
    assert (everyone["covered_persons"], everyone["covered_basis"]) == (104, "insured_persons")
    local = whatif.run(p, whatif.WhatIf(candidate, *YEAR, premium=100, region="3706"), who, min_cell=3,
                       epsilon=None, audit=lambda _: None, progress=lambda _: None)  # fmt: skip
    assert local["covered_persons"] == 103
