from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncsettle.money import (
    MoneyError,
    allocate,
    apply_ratio,
    apply_ratios,
    format_ratio,
    format_yuan,
    parse_ratio,
    parse_scaled,
    parse_yuan,
    round_half_up,
)


@pytest.mark.parametrize(
    ("text", "fen"),
    [("0", 0), ("12", 1200), ("12.3", 1230), ("0.05", 5), ("1176.94", 117694), ("852000.00", 85200000)],
)
def test_parse_yuan(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("bad", ["1.234", "abc", "", "1e3", "-1.00", " . ", "1,000"])
def test_parse_yuan_rejects(bad: str) -> None:
    with pytest.raises(MoneyError):
        parse_yuan(bad)


def test_float_is_rejected_with_a_clear_message() -> None:
    with pytest.raises(MoneyError, match="not the number"):
        parse_yuan(150.0)
    with pytest.raises(MoneyError):
        parse_ratio(0.1)


def test_format_yuan() -> None:
    assert format_yuan(117694) == "1176.94"
    assert format_yuan(5) == "0.05"
    assert format_yuan(-5) == "-0.05"
    with pytest.raises(MoneyError):
        format_yuan(1.5)  # type: ignore[arg-type]


def test_round_half_up_goes_away_from_zero() -> None:
    assert round_half_up(5, 10) == 1
    assert round_half_up(4, 10) == 0
    assert round_half_up(-5, 10) == -1
    assert apply_ratio(168134, Fraction(7, 10)) == 117694  # worked example 2: 1176.938 → 1176.94


def test_ratio_format_keeps_needed_places() -> None:
    assert format_ratio(Fraction(7, 10)) == "0.70"
    assert format_ratio(Fraction(1, 8)) == "0.125"
    assert format_ratio(Fraction(175, 1000)) == "0.175"
    assert format_ratio(Fraction(1)) == "1.00"


def test_parse_scaled() -> None:
    assert parse_scaled("2", 4) == 20000
    assert parse_scaled("1.5", 6) == 1500000
    assert parse_scaled(3, 4) == 30000
    with pytest.raises(MoneyError):
        parse_scaled("1.12345", 4)
    with pytest.raises(MoneyError):
        parse_scaled("-1", 4)


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.lists(st.integers(0, 10**9), min_size=1, max_size=30),
)
def test_allocation_adds_up(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        weights = [*weights[:-1], 1]
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert all((p >= 0) if total >= 0 else (p <= 0) for p in parts)


def test_allocation_is_proportional() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(10, [0, 5, 5]) == [0, 5, 5]


@given(st.lists(st.tuples(st.integers(-(10**9), 10**9), st.fractions(0, 1, max_denominator=2000)), max_size=6))
def test_slices_at_different_ratios_are_summed_exactly_and_rounded_once(
    parts: list[tuple[int, Fraction]],
) -> None:
    exact = sum((fen * ratio for fen, ratio in parts), Fraction(0))
    assert apply_ratios(parts) == round_half_up(exact.numerator, exact.denominator)


def test_bands_are_not_rounded_one_by_one() -> None:
    # 0.5 fen + 0.5 fen: each slice alone would round to 1 fen; together they are exactly 1 fen
    assert apply_ratios([(1, Fraction(1, 2)), (1, Fraction(1, 2))]) == 1
    assert apply_ratios([]) == 0
