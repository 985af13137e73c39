"""More of the insurer's world on top of :mod:`tests.console.seed`: twelve persons enrolled in
烟台市民健康保 through the one-click flow on 1 March 2025 (premium paid in cash, so the months
March–June carry earned premium), each with an inpatient stay settled on 10 June 2025 that the
product pays at the bedside — enough distinct persons (≥ the minimum cell of 10) for actuarial
cells and a what-if replay to be released rather than suppressed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from syncsettle.adapters.db.core.schema import settlement_shares
from syncsettle.services.commercial import enrollment
from tests.commercial.actors import insured
from tests.console.seed import PRODUCT, Seeded
from tests.world import line

PERSONS = [f"Q{i:04d}" for i in range(12)]
ENROLLED_AT = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
STAY = [line("1", "331001001", "1", "60000.00", "60000.00")]


def seed_insurer(seeded: Seeded) -> Seeded:
    world = seeded.world
    p, clock = world.platform, world.clock
    today = clock.at
    clock.at = ENROLLED_AT
    try:
        for psn_no in PERSONS:
            enrollment.enroll(p, insured(psn_no), PRODUCT, paid_by="cash")
    finally:
        clock.at = today
    for psn_no in PERSONS:
        stay = world.inpatient_visit(psn_no, STAY)
        seeded.settled[f"stay-{psn_no}"] = world.ok("2304", {"data": {"mdtrt_id": stay, "psn_no": psn_no}})
    world.app.state.latency.flush(p.engine)
    return seeded


def product_paid(seeded: Seeded) -> int:
    """What the product paid at the bedside, net of reversals (fen), straight from the settlements."""
    with seeded.world.platform.uow(readonly=True) as uow:
        stmt = select(func.sum(settlement_shares.c.amount)).where(settlement_shares.c.payer == f"product:{PRODUCT}")
        return int(uow.conn.execute(stmt).scalar_one())
