"""Amounts at the edge: only ASCII digits, a bounded number of them, and only ``MoneyError`` when
the text is not an amount — never an ``int`` that takes seconds, a billion-digit ``Decimal`` or a
crash. (Issue 15, defects 4 and 8.)"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncsettle.money import MAX_INTEGER_DIGITS, MoneyError, parse_ratio, parse_scaled, parse_yuan


@pytest.mark.parametrize("bad", ["３０.００", "٣٠.٠٠", "३०", "30.٠٠", "１", "𝟑𝟎.00"])
def test_a_full_width_or_arabic_indic_amount_is_not_thirty_yuan(bad: str) -> None:
    with pytest.raises(MoneyError, match="ASCII"):
        parse_yuan(bad)
    with pytest.raises(MoneyError):
        parse_scaled(bad, 4)
    with pytest.raises(MoneyError):
        parse_ratio(bad)


def test_the_largest_amount_still_accepted_has_fourteen_integer_digits() -> None:
    assert parse_yuan("9" * MAX_INTEGER_DIGITS + ".99") == 10 ** (MAX_INTEGER_DIGITS + 2) - 1
    assert parse_scaled("9" * MAX_INTEGER_DIGITS, 6) == (10**MAX_INTEGER_DIGITS - 1) * 10**6


@pytest.mark.parametrize("digits", [15, 20, 300, 5000])
def test_an_amount_of_many_digits_is_refused_with_a_short_message(digits: int) -> None:
    with pytest.raises(MoneyError, match="整数部分超过 14 位") as refused:
        parse_yuan("1" * digits + ".00")
    assert len(str(refused.value)) < 120
    with pytest.raises(MoneyError, match="整数部分超过"):
        parse_scaled("1" * digits, 4, what="cnt")
    with pytest.raises(MoneyError):
        parse_ratio("0" * digits + ".5")


def test_leading_zeros_count_towards_the_limit() -> None:
    with pytest.raises(MoneyError):
        parse_yuan("0" * 5000 + "1.00")


@pytest.mark.parametrize("number", [Decimal("1E+999999999"), Decimal("1e20"), Decimal("NaN"), Decimal("-Infinity")])
def test_an_exact_json_number_out_of_range_is_refused_before_it_is_written_out(number: Decimal) -> None:
    with pytest.raises(MoneyError, match="超出范围"):
        parse_yuan(number)
    with pytest.raises(MoneyError):
        parse_scaled(number, 6)


def test_a_huge_integer_quantity_is_refused_before_it_is_printed() -> None:
    with pytest.raises(MoneyError, match="整数部分超过"):
        parse_scaled(10**5000, 4)


def test_a_ratio_with_thousands_of_decimals_is_refused() -> None:
    assert parse_ratio("0." + "1" * 18) > 0
    with pytest.raises(MoneyError, match="比例至多"):
        parse_ratio("0." + "1" * 5000)


def test_a_trailing_newline_is_still_only_whitespace() -> None:
    assert parse_yuan("30.00\n") == 3000


ANYTHING = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.-+eE ３٠\n\x00\ud800", max_size=40),
    st.integers(),
    st.floats(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.binary(),
    st.lists(st.integers(), max_size=2),
)


@given(ANYTHING)
def test_parsing_money_never_raises_anything_but_money_error(value: object) -> None:
    for parse in (parse_yuan, lambda v: parse_scaled(v, 4), lambda v: parse_scaled(v, 6), parse_ratio):
        try:
            result = parse(value)
        except MoneyError:
            continue
        assert not isinstance(result, float)
