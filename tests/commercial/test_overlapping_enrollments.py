"""One active enrollment per person and product at any day (SQLite and PostgreSQL).

Two overlapping enrollments of one person in one product used to be accepted; from then on the
person had two legs of the product in every settlement, the second pending leg collided with the
first on its claim id, and that unique-constraint error was retried as if it were a concurrent
duplicate msgid — every such settlement failed with ``[SS-1401] 并发冲突`` forever."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from syncsettle.adapters.db.core.schema import enrollments, idempotency
from syncsettle.adapters.db.settlement import settlements as settlements_repo
from syncsettle.services import admin
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.settlement import settle
from tests.world import World, file_reference_products, line

PLAN = "acme-supplementary-2025"
VISIT = [line("1", "001101000010000", "1", "30.00", "30.00")]


def test_an_enrollment_overlapping_an_active_one_of_the_same_product_is_refused(world: World) -> None:
    file_reference_products(world.platform)
    admin.enroll(world.platform, "P0002", PLAN, date(2025, 1, 1), date(2025, 12, 31))
    with pytest.raises(ServiceError) as refused:
        admin.enroll(world.platform, "P0002", PLAN, date(2025, 6, 1), date(2026, 5, 31))
    assert refused.value.code is Code.DUPLICATE
    assert str(refused.value).startswith("[SS-1203]") and "不得重叠" in refused.value.message
    admin.enroll(world.platform, "P0002", PLAN, date(2026, 1, 1), date(2026, 12, 31))  # the next year: renewal
    admin.enroll(world.platform, "P0003", PLAN, date(2025, 1, 1), date(2025, 12, 31))  # another person
    with pytest.raises(ServiceError) as backwards:
        admin.enroll(world.platform, "P0001", PLAN, date(2025, 12, 31), date(2025, 1, 1))
    assert backwards.value.code is Code.FIELD


def test_a_settlement_of_a_person_enrolled_twice_before_the_fix_still_settles_one_leg(world: World) -> None:
    file_reference_products(world.platform)  # no consent: the plan's leg waits as a pending claim
    admin.enroll(world.platform, "P0002", PLAN, date(2025, 1, 1), date(2025, 12, 31))
    with world.platform.uow() as uow:  # the second enrollment an older release accepted
        uow.conn.execute(enrollments.insert().values(psn_no="P0002", product_id=PLAN, begndate=date(2025, 3, 1),
                                                     enddate=date(2026, 2, 28), status="active"))  # fmt: skip
        uow.commit()
    mdtrt_id = world.outpatient_visit("P0002", VISIT, insutype="310")
    answer = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})
    assert [(e["product"], e["status"]) for e in answer["commercial"]] == [(PLAN, "pending")]


def test_only_a_msgid_clash_is_retried_as_a_concurrent_duplicate(world: World, monkeypatch: Any) -> None:
    calls: list[str] = []

    def collide(*_: Any) -> dict[str, Any]:
        calls.append("attempt")
        with world.platform.uow() as uow:  # any unique constraint but the msgid's: a defect, not a race
            admin_row = {"psn_no": "P0001", "product_id": PLAN, "begndate": date(2025, 1, 1),
                         "enddate": date(2025, 12, 31), "status": "active"}  # fmt: skip
            uow.conn.execute(enrollments.insert().values(id=1, **admin_row))
            uow.conn.execute(enrollments.insert().values(id=1, **admin_row))
        raise AssertionError("unreachable")

    monkeypatch.setattr(settle, "_settle_once", collide)
    with pytest.raises(IntegrityError) as raised:
        settle.settle_visit(world.platform, {}, "M1", "2207", "V1", "P0001", False, None, {})
    assert calls == ["attempt"] and not settlements_repo.msgid_taken(raised.value)


def test_the_msgid_clash_is_recognised_on_both_databases(world: World) -> None:
    mdtrt_id = world.outpatient_visit("P0001", VISIT)
    world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0001"}}, msgid="MSG-ONCE")
    with world.platform.uow() as uow:
        row = uow.conn.execute(idempotency.select()).mappings().one()
        with pytest.raises(IntegrityError) as raised:
            settlements_repo.remember(uow.conn, dict(row))
    assert settlements_repo.msgid_taken(raised.value)
