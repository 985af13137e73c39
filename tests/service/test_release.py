"""No release contains a cell below the minimum size (not even by differencing two overlapping
queries), repeated noisy releases cannot exceed the privacy budget, and every release is audited."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from syncsettle.money import four
from syncsettle.services.computing.actuarial import Requester, product_aggregates, remainder_distribution
from syncsettle.services.computing.release import Cell, ReleaseAudit, release, set_budget
from syncsettle.services.errors import ServiceError
from tests.service.test_replay import CITY, history
from tests.world import World


def cells(by_region: dict[str, int]) -> list[Cell]:
    return [Cell({"region": r, "period": "2025"}, n, {"claims": n * 3}) for r, n in by_region.items()]


def test_small_cells_are_suppressed_and_differencing_is_refused(world: World) -> None:
    audits: list[ReleaseAudit] = []
    with world.platform.uow() as uow:
        kw = {"now": world.clock.now(), "who": "a", "role": "insurer", "insurer": "ins", "purpose": "test",
              "dataset": "d", "min_cell": 10, "epsilon": None, "audit": audits.append}  # fmt: skip
        first = release(uow.conn, cells=cells({"A": 50, "B": 4}), **kw)  # type: ignore[arg-type]
        assert [c["suppressed"] for c in first] == [False, True]
        assert first[1]["metrics"] == {"claims": None}
        # all regions together (54) minus region A (50) would expose B's 4: the union is refused
        union = release(uow.conn, cells=[Cell({"region": ["A", "B"], "period": "2025"}, 54, {"claims": 162})], **kw)  # type: ignore[arg-type]
        assert union[0]["suppressed"]
        # a population that differs by at least the minimum cell size is released
        wider = release(uow.conn, cells=[Cell({"region": ["A", "B", "C"], "period": "2025"}, 75, {"claims": 9})], **kw)  # type: ignore[arg-type]
        assert not wider[0]["suppressed"]
        uow.commit()
    assert [(a.cells_released, a.cells_suppressed) for a in audits] == [(1, 1), (0, 1), (1, 0)]
    assert all(a.who == "a" and a.role == "insurer" and a.dataset == "d" for a in audits)


def test_repeated_noisy_releases_cannot_exceed_the_budget(world: World) -> None:
    audits: list[ReleaseAudit] = []
    p = world.platform
    with p.uow() as uow:
        set_budget(uow.conn, "ins", "d", Fraction(1))
        uow.commit()
    kw = {"who": "a", "role": "insurer", "insurer": "ins", "purpose": "test", "dataset": "d", "min_cell": 10,
          "epsilon": Fraction(3, 10), "audit": audits.append}  # fmt: skip
    released = 0
    for _ in range(5):
        try:
            with p.uow() as uow:
                out = release(uow.conn, now=p.clock.now(), cells=cells({"A": 500}), **kw)  # type: ignore[arg-type]
                uow.commit()
            released += 1
            assert out[0]["metrics"]["claims"] != 1500 or True  # noise may by chance be 0
        except ServiceError as exc:
            assert exc.code.value == "SS-1601"
    assert released == 3  # 3 × 0.3 ≤ 1 < 4 × 0.3
    assert [a.epsilon_spent for a in audits] == ["3/10"] * 3


@pytest.mark.usefixtures("small_cells")
def test_actuarial_tables_never_release_a_small_cell(world: World) -> None:
    history(world)
    from syncsettle.services.computing import facts

    facts.refresh(world.platform)
    audits: list[ReleaseAudit] = []
    who = Requester("analyst", "insurer", "yantai-hmb", "pricing")
    out = product_aggregates(world.platform, who, CITY, date(2025, 1, 1), date(2025, 12, 31), ["pre_existing"],
                             min_cell=5, audit=audits.append)  # fmt: skip
    by_class = {c["population"]["pre_existing"][0]: c for c in out["cells"]}
    assert by_class["0"]["metrics"]["enrollments"] == 9 and by_class["1"]["suppressed"]  # 3 pre-existing
    assert by_class["0"]["loss_ratio"] is None  # no premium on file yet
    for cell in out["cells"]:
        assert cell["suppressed"] or cell["metrics"]["enrollments"] >= 5
    dist = remainder_distribution(world.platform, who, None, date(2025, 1, 1), date(2025, 12, 31), min_cell=5,
                                  audit=audits.append)  # fmt: skip
    assert all(c["suppressed"] or c["metrics"]["settlements"] > 0 for c in dist["cells"])
    assert len(audits) == 2
    with pytest.raises(ServiceError):
        product_aggregates(world.platform, who, CITY, date(2025, 1, 1), date(2025, 12, 31), ["shoe_size"],
                           audit=audits.append)  # fmt: skip


@pytest.mark.usefixtures("small_cells")
def test_the_premium_is_what_the_enrollments_were_charged_unless_an_actuary_fixes_one(world: World) -> None:
    from sqlalchemy import update

    from syncsettle.adapters.db.computing.schema_computing import product_premiums
    from syncsettle.adapters.db.core.schema import enrollments
    from syncsettle.services.computing import facts

    history(world)
    facts.refresh(world.platform)
    with world.platform.uow() as uow:
        uow.conn.execute(update(enrollments).where(enrollments.c.product_id == CITY).values(premium=9_900))
        uow.commit()
    who = Requester("analyst", "insurer", "yantai-hmb", "pricing")
    year = (date(2025, 1, 1), date(2025, 12, 31))
    [cell] = product_aggregates(world.platform, who, CITY, *year, [], min_cell=5)["cells"]
    people, paid = cell["metrics"]["enrollments"], cell["metrics"]["paid"]
    assert cell["premium"] == people * 9_900 and paid > 0
    assert cell["loss_ratio"] == four(paid, people * 9_900)
    with world.platform.uow() as uow:
        uow.conn.execute(product_premiums.insert().values(product_id=CITY, year=2025, premium=12_900))
        uow.commit()
    [fixed] = product_aggregates(world.platform, who, CITY, *year, [], min_cell=5)["cells"]
    assert fixed["premium"] == people * 12_900
