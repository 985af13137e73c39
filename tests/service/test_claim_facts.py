"""The claim facts follow the settlements: a refresh adds only what was settled since the last one,
drops reversed settlements with their product rows, takes each product's payments from the
settlement's own record, and gives care away from home the engine's up-front share and status."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import select

from syncsettle.adapters.db.commercial.schema_claims import commercial_claims
from syncsettle.adapters.db.computing.schema_computing import claim_fact_products, claim_facts
from syncsettle.adapters.db.core.schema import settlements
from syncsettle.domain.commercial.lifecycle import FilingAction
from syncsettle.money import apply_ratio
from syncsettle.services import admin
from syncsettle.services.commercial import filings
from syncsettle.services.commercial.retry import retry_due
from syncsettle.services.computing import facts
from tests.commercial.actors import YANTAI as REGULATOR
from tests.service.test_replay import CITY, YEAR
from tests.world import World, file_reference_products, grant_consent, line

AWAY = "H15090000001"  # 乌兰察布: out of the province of the Yantai persons


def stay(world: World, psn_no: str, amount: str, hospital: str = "H37060000001") -> tuple[str, str]:
    """An inpatient stay with one line, settled: (mdtrt_id, setl_id)."""
    mdtrt_id = world.inpatient_visit(psn_no, [line("1", "331001001", "1", amount, amount)], hospital=hospital)
    out = world.ok("2304", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no}}, hospital=hospital)
    return mdtrt_id, out["setlinfo"]["setl_id"]


def fact(world: World, setl_id: str) -> dict[str, object]:
    with world.platform.uow(readonly=True) as uow:
        row = uow.conn.execute(select(claim_facts).where(claim_facts.c.setl_id == setl_id)).mappings().one()
    return dict(row)


def product_rows(world: World) -> set[tuple[str, str, str, int, int]]:
    with world.platform.uow(readonly=True) as uow:
        return {tuple(r) for r in uow.conn.execute(select(claim_fact_products))}  # type: ignore[misc]


def recorded_deltas(world: World) -> set[tuple[str, str, str, int, int]]:
    with world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(settlements.c.setl_id, settlements.c.accumulator_delta).where(settlements.c.status == "settled")
        )
        return {(s, pid, rid, d, paid) for s, delta in rows for pid, rid, d, paid in delta["products"]}


def test_refresh_adds_only_new_settlements_and_drops_reversed_ones(world: World) -> None:
    p = world.platform
    file_reference_products(p)
    for i in range(3):
        grant_consent(p, f"Q{i:04d}", "yantai-hmb")
        admin.enroll(p, f"Q{i:04d}", CITY, *YEAR)
    first = [stay(world, f"Q{i:04d}", f"{30000 + 1000 * i}.00") for i in range(3)]
    assert facts.refresh(p) == {"added": 3, "dropped": 0, "claims": 0}
    assert facts.refresh(p) == {"added": 0, "dropped": 0, "claims": 0}
    assert product_rows(world) == recorded_deltas(world) != set()
    _, later = stay(world, "Q0001", "41000.00")
    assert facts.refresh(p) == {"added": 1, "dropped": 0, "claims": 0}
    assert fact(world, later)["medfee_sumamt"] == 4_100_000
    mdtrt_id, reversed_id = first[0]
    world.ok("2305", {"data": {"setl_id": reversed_id, "mdtrt_id": mdtrt_id, "psn_no": "Q0000"}})
    assert facts.refresh(p) == {"added": 0, "dropped": 1, "claims": 0}
    assert reversed_id not in {s for s, *_ in product_rows(world)}
    assert product_rows(world) == recorded_deltas(world)


def test_care_away_gets_the_engines_up_front_share_and_product_status(world: World) -> None:
    p = world.platform
    admin.enroll(p, "Q0005", CITY, *YEAR)
    _, home = stay(world, "Q0005", "30000.00")
    _, away = stay(world, "Q0005", "50000.00", hospital=AWAY)
    facts.refresh(p)
    local, far = fact(world, home), fact(world, away)
    assert (local["cross_region_selfpay"], local["product_status"]) == (0, "local")
    assert far["treatment_region"] == "150900" and far["product_status"] == "unfiled_out_of_province"
    assert far["cross_region_selfpay"] == apply_ratio(int(far["inscp_scp_amt"]), Fraction(1, 5)) > 0  # type: ignore[call-overload]


def test_a_quick_claim_settled_later_adds_its_payment_to_the_facts_once(world: World) -> None:
    """A leg that waited (product suspended) and was paid by the retry later is what the product
    paid for that settlement: the next refresh adds it, whether the fact row is new or not."""
    p = world.platform
    filed = file_reference_products(p)
    grant_consent(p, "Q0000", "yantai-hmb")
    admin.enroll(p, "Q0000", CITY, *YEAR)
    filings.take_step(p, REGULATOR, filed[CITY], FilingAction.SUSPEND, "核查理赔数据")
    _, waited = stay(world, "Q0000", "50000.00")
    assert facts.refresh(p) == {"added": 1, "dropped": 0, "claims": 0}
    assert not {row for row in product_rows(world) if row[0] == waited}  # nothing paid at the bedside
    filings.take_step(p, REGULATOR, filed[CITY], FilingAction.RESUME)
    assert retry_due(p, everything=True)["settled"] == 1
    assert facts.refresh(p) == {"added": 0, "dropped": 0, "claims": 1}
    paid = {row for row in product_rows(world) if row[0] == waited}
    assert {pid for _, pid, *_ in paid} == {CITY} and sum(row[4] for row in paid) > 0
    with p.uow(readonly=True) as uow:
        (claim_paid,) = uow.conn.execute(
            select(commercial_claims.c.payable).where(commercial_claims.c.setl_id == waited)
        ).one()
    assert sum(row[4] for row in paid) == claim_paid
    assert facts.refresh(p) == {"added": 0, "dropped": 0, "claims": 0}  # added once
