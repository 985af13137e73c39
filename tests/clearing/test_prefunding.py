"""Insurer prefunding (the accounts and the bedside check; wiring into the settle path comes later):
top-ups book the reserve, a leg fits the reserve plus the net-debit cap or is refused without
booking anything, concurrent legs never overdraw, and a settled window releases its legs."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from syncsettle.adapters.db.clearing import prefunding as repo
from syncsettle.adapters.db.core.schema import postings
from syncsettle.services.clearing import clear, confirm, prefunding, windows
from syncsettle.services.errors import ServiceError
from syncsettle.services.settlement.check import check
from tests.clearing import synthetic
from tests.clearing.test_windows import H1, YANTAI, Day, day

__all__ = ["day"]
INSURER = "yantai-hmb"


def reserve(d: Day, amount: int, ref: str = "ST-1", insurer: str = INSURER) -> bool:
    with d.p.uow() as uow:
        fits = repo.reserve_leg(uow.conn, insurer, amount, d.clock.now(), ref)
        uow.commit()
    return fits


def balance(d: Day, account: str) -> int:
    with d.p.uow(readonly=True) as uow:
        total = uow.conn.execute(select(func.sum(postings.c.amount)).where(postings.c.account == account)).scalar()
    return int(total or 0)


def test_a_top_up_books_the_reserve_in_the_commercial_ledger(day: Day) -> None:
    with pytest.raises(ServiceError, match="未开通"):
        prefunding.top_up(day.p, INSURER, 100)
    prefunding.configure(day.p, INSURER, net_debit_cap=500_00)
    with pytest.raises(ServiceError):
        prefunding.top_up(day.p, INSURER, 0)
    position = prefunding.top_up(day.p, INSURER, 10_000_00)
    assert position == {"insurer": INSURER, "reserve": "10000.00", "exposure": "0.00", "net_debit_cap": "500.00",
                        "headroom": "10500.00"}  # fmt: skip
    assert balance(day, "com:insurer:yantai-hmb:reserve") == 10_000_00
    assert balance(day, "com:insurer:yantai-hmb:funding") == -10_000_00
    assert check(day.p)["ok"]


def test_a_leg_fits_the_reserve_plus_the_cap_or_books_nothing(day: Day) -> None:
    prefunding.configure(day.p, INSURER, net_debit_cap=200_00)
    prefunding.top_up(day.p, INSURER, 1_000_00)
    assert reserve(day, 900_00, "ST-A")
    assert reserve(day, 300_00, "ST-B")  # 1,200 = reserve 1,000 + cap 200: exactly fits
    assert not reserve(day, 1, "ST-C")
    assert reserve(day, 0, "ST-D")  # nothing to reserve
    assert prefunding.position(day.p, INSURER)["headroom"] == "0.00"
    with day.p.uow(readonly=True) as uow:
        assert repo.open_reservations(uow.conn) == {INSURER: 1_200_00}
    prefunding.top_up(day.p, INSURER, 50_00)
    assert reserve(day, 50_00, "ST-C")
    with pytest.raises(ValueError):
        reserve(day, -1)
    assert check(day.p)["ok"]


def test_an_insurer_without_prefunding_is_not_limited(day: Day) -> None:
    assert reserve(day, 10**12, insurer="acme-group")
    with day.p.uow(readonly=True) as uow:
        assert repo.open_reservations(uow.conn) == {}


def test_concurrent_legs_never_take_more_than_the_headroom(day: Day) -> None:
    prefunding.configure(day.p, INSURER, net_debit_cap=0)
    prefunding.top_up(day.p, INSURER, 100_00)
    results: list[bool] = []
    lock = threading.Lock()

    def leg(k: int) -> None:
        fits = reserve(day, 20_00, f"ST-{k}")
        with lock:
            results.append(fits)

    threads = [threading.Thread(target=leg, args=(k,)) for k in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 5
    assert prefunding.position(day.p, INSURER)["exposure"] == "100.00"


def test_a_settled_window_pays_out_of_the_reserve_and_releases_its_legs(day: Day) -> None:
    prefunding.configure(day.p, INSURER, net_debit_cap=0)
    prefunding.top_up(day.p, INSURER, 1_000_00)
    legs: dict[str, Any] = {"S1": 300_00, "S2": 200_00}
    with day.p.uow() as uow:
        for setl_id, amount in legs.items():
            assert repo.reserve_leg(uow.conn, INSURER, amount, day.clock.now(), setl_id)
            synthetic.settle(
                uow.conn,
                setl_id,
                "PY",
                YANTAI,
                H1,
                day.clock.now(),
                {"390100": ("fund", 1_000_00), synthetic.HMB: ("product", amount)},
                journals=True,
            )
        uow.commit()  # fmt: skip
    with day.p.uow() as uow:
        synthetic.reverse(
            uow.conn, "RS2", "S2", day.clock.now(), journals=True
        )  # the reversed leg is released with its window too
        uow.commit()
    day.clock.advance(days=1)
    window = windows.close(day.p, YANTAI, date(2025, 6, 10))["window_id"]
    clear.run(day.p, window)
    assert prefunding.position(day.p, INSURER)["exposure"] == "500.00"
    confirm.confirm(day.p, window, "出纳", "BK-1")
    assert prefunding.position(day.p, INSURER) == {
        "insurer": INSURER,
        "reserve": "700.00",
        "exposure": "0.00",
        "net_debit_cap": "0.00",
        "headroom": "700.00",
    }
    assert balance(day, "com:insurer:yantai-hmb:reserve") == 700_00
    assert balance(day, "com:insurer:yantai-hmb:payable") == 0
    assert check(day.p)["ok"]
