"""The revolving fund's rules (周转金, pure): balance by value date, the level (two months of the
last three months' average, at least 100,000.00), the month's top-up, the warning line and the
reconciliation of draws against settlements. Amounts in fen."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncsettle.domain.clearing import revolving as r
from syncsettle.domain.clearing.reconciliation import AMOUNT_DIFFERS, MATCHED

D, A, T = r.Kind.DRAW, r.Kind.ADVANCE, r.Kind.TOP_UP


def test_the_level_is_two_months_of_the_three_months_average_and_never_below_the_minimum() -> None:
    assert r.level([]) == r.MINIMUM_LEVEL == 10_000_000
    assert r.level([1_000_000, 2_000_000, 3_000_000]) == r.MINIMUM_LEVEL  # 4,000,000 < 100,000.00
    # 2 × (9,000,000 + 12,000,000 + 15,000,000) / 3 = 24,000,000
    assert r.level([9_000_000, 12_000_000, 15_000_000]) == 24_000_000
    # 2 × 20,000,001 / 3 = 13,333,334 (half-up: …333.67 → …334)
    assert r.level([20_000_001, 0, 0]) == 13_333_334
    # a month where refunds outweigh payments counts as zero
    assert r.level([-5_000_000, 12_000_000, 12_000_000]) == 16_000_000
    with pytest.raises(ValueError):
        r.level([1, 2, 3, 4])


def test_a_months_settlement_tops_the_balance_at_its_end_back_up_to_the_level() -> None:
    entries = [
        r.Entry(A, 10_000_000, date(2025, 4, 2), "RA1"),
        r.Entry(D, -6_000_000, date(2025, 4, 20), "S1"),
        r.Entry(D, -9_000_000, date(2025, 5, 3), "S2"),  # beyond the advance: the fund goes negative
        r.Entry(D, 1_000_000, date(2025, 5, 4), "S2R"),  # a reversal gives back
        r.Entry(D, -4_000_000, date(2025, 6, 1), "S3"),  # next month: not May's business
    ]
    assert r.balance(entries) == -8_000_000
    may = r.settle_month(entries, date(2025, 5, 17))
    assert may.month == date(2025, 5, 1)
    assert may.paid == 8_000_000
    assert may.balance_before == 10_000_000 - 6_000_000 - 9_000_000 + 1_000_000 == -4_000_000
    # 2 × (0 + 6,000,000 + 8,000,000) / 3 = 9,333,333 < minimum
    assert may.level == r.MINIMUM_LEVEL
    assert may.top_up == 14_000_000 and may.balance_after == r.MINIMUM_LEVEL
    entries.append(may.entry())
    assert may.entry() == r.Entry(T, 14_000_000, date(2025, 5, 31), "2025-05")
    june = r.settle_month(entries, date(2025, 6, 1))
    # 2 × (6,000,000 + 8,000,000 + 4,000,000) / 3 = 12,000,000: the level rises with the payments
    assert (june.balance_before, june.level, june.top_up) == (r.MINIMUM_LEVEL - 4_000_000, 12_000_000, 6_000_000)


def test_the_level_going_down_gives_money_back() -> None:
    entries = [r.Entry(A, 30_000_000, date(2025, 3, 1), "RA1"), r.Entry(D, -100, date(2025, 6, 9), "S1")]
    june = r.settle_month(entries, date(2025, 6, 1))
    assert june.level == r.MINIMUM_LEVEL and june.top_up == r.MINIMUM_LEVEL - 29_999_900 < 0


def test_required_top_up_and_the_warning_line() -> None:
    assert r.required_top_up(7_000_000, 10_000_000) == 3_000_000
    assert r.required_top_up(12_000_000, 10_000_000) == -2_000_000
    assert not r.below_warning(3_000_000, 10_000_000)  # exactly 30 %
    assert r.below_warning(2_999_999, 10_000_000)
    assert r.below_warning(-1, 10_000_000)


def test_an_advance_adds_money() -> None:
    with pytest.raises(ValueError):
        r.Entry(A, 0, date(2025, 6, 1), "RA1")


def test_months() -> None:
    assert r.next_month(date(2025, 12, 31)) == date(2026, 1, 1)
    assert r.month_end(date(2024, 2, 3)) == date(2024, 2, 29)
    assert r.previous_months(date(2025, 2, 14), 3) == [date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]


def test_reconciliation_names_each_difference() -> None:
    drawn = {"S1": -500, "S2": -300, "S4": -100}
    settled = {"S1": 500, "S2": 310, "S3": 200}
    found = {f.key: (f.reason, f.ours, f.theirs) for f in r.reconcile_draws(drawn, settled)}
    assert found == {
        "S1": (MATCHED, 500, 500),
        "S2": (AMOUNT_DIFFERS, 300, 310),
        "S3": (r.MISSING_DRAW, None, 200),
        "S4": (r.DRAW_WITHOUT_SETTLEMENT, 100, None),
    }


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(1, 28), st.integers(-2_000_000, 9_000_000)), max_size=40),
    st.integers(1, 30_000_000),
)
def test_settling_months_in_order_always_leaves_each_month_at_its_level(
    draws: list[tuple[int, int, int]], opening: int
) -> None:
    """Whatever the draws (payments and reversals over six months), settling the months in order
    leaves every month's end at that month's level, and the insured region has paid in, over the
    advance and the top-ups, exactly what the fund paid out plus the last level."""
    months = [date(2025, 1 + m, 1) for m in range(6)]
    entries = [r.Entry(A, opening, date(2025, 1, 1), "RA1")]
    entries += [r.Entry(D, -amount, months[m].replace(day=day), f"S{k}") for k, (m, day, amount) in enumerate(draws)]
    for month in months:
        settled = r.settle_month(entries, month)
        entries.append(settled.entry())
        assert r.balance(entries, r.month_end(month)) == settled.level >= r.MINIMUM_LEVEL
    paid_in = sum(e.amount for e in entries if e.kind is not D)
    paid_out = sum(-e.amount for e in entries if e.kind is D)
    assert paid_in - paid_out == r.balance(entries) == settled.level
