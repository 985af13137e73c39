"""Settlement windows on SQLite and PostgreSQL: default daily per insured region, the close delay,
in-flight settlements, reversals after close, order of closing, abort and roll-over, and every
settlement and reversal in exactly one window."""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from syncsettle.adapters.clock import FixedClock
from syncsettle.adapters.db.clearing.schema_clearing import clearing_items
from syncsettle.adapters.db.core.engine import make_engine
from syncsettle.adapters.db.core.migrate import upgrade
from syncsettle.adapters.db.core.schema import settlements
from syncsettle.services import admin
from syncsettle.services.clearing import clear, windows
from syncsettle.services.errors import ServiceError
from syncsettle.services.platform import Platform
from tests.clearing import synthetic

YANTAI, ULANQAB = "370600", "150900"
H1 = "H37060000001"
FUND = {"390100": ("fund", 100_00)}


class Day:
    """A migrated database, one hospital, a person per region, a clock at 2025-06-10 10:00 China time."""

    def __init__(self, url: str) -> None:
        self.clock = FixedClock(datetime(2025, 6, 10, 2, 0, tzinfo=UTC))
        self.p = Platform(engine=make_engine(url), clock=self.clock)
        upgrade(self.p.engine)
        admin.add_hospital(self.p, H1, "医院", "3", YANTAI)
        self.n = 0
        with self.p.uow() as uow:
            synthetic.add_person(uow.conn, "PY", YANTAI)
            synthetic.add_person(uow.conn, "PU", ULANQAB)
            uow.commit()

    def settle(self, region: str = YANTAI, when: datetime | None = None) -> str:
        self.n += 1
        setl_id = f"S{self.n:04d}"
        with self.p.uow() as uow:
            synthetic.settle(uow.conn, setl_id, "PY" if region == YANTAI else "PU", region, H1,
                             when or self.clock.now(), FUND)  # fmt: skip
            uow.commit()
        return setl_id

    def reverse(self, setl_id: str) -> str:
        with self.p.uow() as uow:
            synthetic.reverse(uow.conn, f"R{setl_id}", setl_id, self.clock.now())
            uow.commit()
        return f"R{setl_id}"

    def window_of(self) -> dict[str, str]:
        with self.p.uow(readonly=True) as uow:
            return {r[0]: r[1] for r in uow.conn.execute(select(clearing_items.c.setl_id, clearing_items.c.window_id))}


@pytest.fixture
def day(database_url: str) -> Any:
    d = Day(database_url)
    yield d
    d.p.engine.dispose()


def test_a_window_closes_only_after_its_cutoff_and_the_close_delay(day: Day) -> None:
    day.settle()
    day.clock.at = datetime(2025, 6, 10, 16, 4, tzinfo=UTC)  # 00:04 China time: cut-off passed, delay not
    with pytest.raises(ServiceError) as refused:
        windows.close(day.p, YANTAI, date(2025, 6, 10))
    assert refused.value.code == "SS-1202"
    day.clock.advance(minutes=1)
    closed = windows.close(day.p, YANTAI, date(2025, 6, 10))
    assert (closed["window_id"], closed["status"], closed["items"]) == ("W370600-20250610", "CLOSED", 1)
    assert closed["period"] == ["2025-06-10", "2025-06-10"]


def test_windows_are_per_insured_region(day: Day) -> None:
    yantai, ulanqab = day.settle(YANTAI), day.settle(ULANQAB)
    day.clock.advance(days=1)
    windows.close(day.p, YANTAI)
    assert day.window_of() == {yantai: "W370600-20250610"}
    windows.close(day.p, ULANQAB)
    assert day.window_of()[ulanqab] == "W150900-20250610"


def test_an_in_flight_settlement_committed_after_the_close_lands_in_the_next_window(day: Day) -> None:
    day.settle()
    day.clock.at = datetime(2025, 6, 10, 16, 10, tzinfo=UTC)
    windows.close(day.p, YANTAI, date(2025, 6, 10))
    late = day.settle(when=datetime(2025, 6, 10, 15, 59, 59, tzinfo=UTC))  # timed 23:59:59, committed after close
    assert late not in day.window_of()
    day.clock.advance(days=1)
    windows.close(day.p, YANTAI, date(2025, 6, 11))
    assert day.window_of()[late] == "W370600-20250611"


def test_a_reversal_after_its_window_closed_lands_in_the_current_window(day: Day) -> None:
    original = day.settle()
    day.clock.advance(days=1)
    windows.close(day.p, YANTAI, date(2025, 6, 10))
    reversal = day.reverse(original)
    day.clock.advance(days=1)
    windows.close(day.p, YANTAI, date(2025, 6, 11))
    assert day.window_of() == {original: "W370600-20250610", reversal: "W370600-20250611"}
    refund = clear.run(day.p, "W370600-20250611")
    assert (refund["total_paid"], refund["total_refunded"]) == ("0.00", "100.00")


def test_closing_twice_changes_nothing(day: Day) -> None:
    day.settle()
    day.clock.advance(days=1)
    first = windows.close(day.p, YANTAI)
    day.settle(when=datetime(2025, 6, 10, 3, 0, tzinfo=UTC))
    again = windows.close(day.p, YANTAI)
    assert (again["status"], again["items"], again["assigned_now"]) == ("CLOSED", 1, 0)
    assert first["window_id"] == again["window_id"]


def test_an_earlieropen_window_must_close_first(day: Day) -> None:
    day.clock.advance(days=3)
    assert windows.status(day.p, YANTAI) == []
    with day.p.uow() as uow:  # a window left OPEN (e.g. created by another process that then failed)
        windows.open_window(uow.conn, YANTAI, date(2025, 6, 10), day.clock.now())
        uow.commit()
    with pytest.raises(ServiceError, match="W370600-20250610"):
        windows.close(day.p, YANTAI, date(2025, 6, 11))
    windows.close(day.p, YANTAI, date(2025, 6, 10))
    assert windows.close(day.p, YANTAI, date(2025, 6, 11))["status"] == "CLOSED"


def test_aborted_windows_roll_their_items_into_the_next_window(day: Day) -> None:
    first = day.settle()
    day.clock.advance(days=1)
    closed = windows.close(day.p, YANTAI)
    clear.run(day.p, closed["window_id"])
    with pytest.raises(ServiceError):
        windows.abort(day.p, closed["window_id"], "", "no reason")
    aborted = windows.abort(day.p, closed["window_id"], "运营 王五", "银行退票")
    assert aborted["status"] == "ABORTED"
    assert day.window_of() == {}
    second = day.settle()
    day.clock.advance(days=1)
    windows.close(day.p, YANTAI)
    assert day.window_of() == {first: "W370600-20250611", second: "W370600-20250611"}
    with pytest.raises(ServiceError):
        windows.abort(day.p, closed["window_id"], "运营", "again")


def test_a_weekly_schedule_cuts_monday_to_sunday(day: Day) -> None:
    windows.set_schedule(day.p, YANTAI, 7, 60)
    monday = day.settle(when=datetime(2025, 6, 9, 2, 0, tzinfo=UTC))
    sunday = day.settle(when=datetime(2025, 6, 15, 15, 0, tzinfo=UTC))
    day.clock.at = datetime(2025, 6, 15, 16, 1, tzinfo=UTC)
    closed = windows.close(day.p, YANTAI, date(2025, 6, 12))
    assert closed["period"] == ["2025-06-09", "2025-06-15"]
    assert day.window_of() == {monday: closed["window_id"], sunday: closed["window_id"]}
    with pytest.raises(ServiceError):
        windows.set_schedule(day.p, YANTAI, 0, 60)


def test_every_settlement_and_reversal_belongs_to_exactly_one_window(day: Day) -> None:
    made = [day.settle() for _ in range(5)]
    for k in range(6):
        day.clock.advance(hours=9)
        made.append(day.settle())
        if k % 2:
            made.append(day.reverse(made[k]))
        if k == 3:
            made.append(day.settle(when=day.clock.now() - timedelta(hours=20)))  # very late
        with contextlib.suppress(ServiceError):  # not due yet
            windows.close(day.p, YANTAI)
    day.clock.advance(days=2)
    windows.close(day.p, YANTAI)
    with day.p.uow(readonly=True) as uow:
        all_ids = {r[0] for r in uow.conn.execute(select(settlements.c.setl_id))}
        per_settlement = Counter(r[0] for r in uow.conn.execute(select(clearing_items.c.setl_id)))
    assert set(made) == all_ids == set(per_settlement)
    assert set(per_settlement.values()) == {1}
