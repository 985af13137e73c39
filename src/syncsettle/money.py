"""Money, ratios and quantities as exact integers.

Inside the platform an amount is an ``int`` of fen (分, 0.01 yuan). At the edges it is a yuan string
with at most two decimals in and exactly two out (``"1176.94"``). A Python ``float`` is refused
everywhere: binary floating point cannot hold 0.10 exactly, and a settlement must add up to the fen.

Ratios (pooled-fund ratio, 乙类 ``selfpay_prop``, a product's payout ratio) are ``Fraction`` values
parsed from decimal strings, so ``0.125`` stays exactly one eighth.

Rounding happens at named points only, always half-up (half away from zero), through
:func:`round_half_up` / :func:`apply_ratio`. Splitting one amount over several parts uses the
largest-remainder method so the parts always add back to the whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from math import lcm

Fen = int

# ASCII digits only: ``\d`` (and ``int`` / ``Decimal``) also take "３０" and "٣٠", which no
# hospital system means as an amount. ``\Z``, not ``$``: a trailing newline is not part of a number.
_YUAN = re.compile(r"(-)?([0-9]+)(?:\.([0-9]{1,2}))?\Z")
_DECIMAL = re.compile(r"(-)?([0-9]+)(?:\.([0-9]+))?\Z")
MAX_INTEGER_DIGITS = 14  # 99,999,999,999,999 yuan: far above any bill, far below a BIGINT of fen
MAX_RATIO_DECIMALS = 18  # a ratio is a short decimal ("0.125"); thousands of digits are an attack


class MoneyError(ValueError):
    """A value that cannot be an amount, ratio or quantity; the message says why."""


def _reject_non_string(value: object, what: str, example: str = "150.00") -> str:
    if isinstance(value, Decimal):  # exact JSON numbers, as the hospital interface parses them
        # bound the exponent first: format(Decimal("1E+999999999"), "f") would write a billion digits
        if not value.is_finite() or not -40 <= value.adjusted() <= MAX_INTEGER_DIGITS:
            raise MoneyError(f"{what}：数值超出范围（整数部分至多 {MAX_INTEGER_DIGITS} 位）")
        # 20, 20.5 and 20.50 alike; trailing zeros (20.500) say nothing more
        return format(value.normalize() if value != value.to_integral_value() else value.to_integral_value(), "f")
    if isinstance(value, float):
        raise MoneyError(f'{what} must be a decimal string such as "{example}", not the number {value!r}')
    if isinstance(value, bool) or not isinstance(value, str):
        raise MoneyError(f'{what} must be a decimal string such as "{example}", got {type(value).__name__}')
    return value


def parse_yuan(value: object, *, allow_negative: bool = False) -> Fen:
    """Parse a yuan string with at most two decimals into integer fen.

    ``"12"`` → 1200, ``"12.3"`` → 1230, ``"0.05"`` → 5. Floats, ints, more than two decimals,
    exponents and (unless ``allow_negative``) a minus sign are rejected with :class:`MoneyError`.
    """
    text = _reject_non_string(value, "an amount").strip()
    m = _YUAN.match(text)
    if not m:
        raise MoneyError(f"{_shown(value)} is not a yuan amount with at most two decimals (ASCII digits 0-9)")
    sign, whole, frac = m.groups()
    _limit_digits(whole, value)
    fen: int = int(whole) * 100 + int((frac or "").ljust(2, "0"))
    if sign:
        if not allow_negative and fen != 0:
            raise MoneyError(f"{value!r} is negative")
        fen = -fen
    return fen


def _shown(value: object) -> str:
    """``repr`` of a rejected value, cut short: an error message must not echo 5,000 digits back."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:32]}…({len(text)} 字符)"


def _limit_digits(whole: str, value: object) -> None:
    """Refuse an integer part longer than :data:`MAX_INTEGER_DIGITS` (leading zeros count: a
    5,000-digit string is refused before ``int`` spends time on it)."""
    if len(whole) > MAX_INTEGER_DIGITS:
        raise MoneyError(f"{_shown(value)}：整数部分超过 {MAX_INTEGER_DIGITS} 位")


def format_yuan(fen: Fen) -> str:
    """Format integer fen as a yuan string with exactly two decimals (``1176.94``, ``-0.05``)."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise MoneyError(f"format_yuan needs integer fen, got {type(fen).__name__}")
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"


def parse_scaled(
    value: object, places: int, *, what: str = "a quantity", example: str = "2", allow_negative: bool = False
) -> int:
    """Parse a decimal string into an integer scaled by ``10**places`` (no rounding: extra places fail).

    Used for ``cnt`` (4 places) and ``pric`` (6 places) as the national interface sizes them;
    ``what`` and ``example`` name the value in the error ("a price … such as "150.00"").
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= 10**MAX_INTEGER_DIGITS:  # before str(): a huge int is slow (or refused) to print
            raise MoneyError(f"{what}：整数部分超过 {MAX_INTEGER_DIGITS} 位")
        value = str(value)
    text = _reject_non_string(value, what, example).strip()
    m = _DECIMAL.match(text)
    if not m:
        raise MoneyError(f"{_shown(value)} is not a decimal number (ASCII digits 0-9)")
    sign, whole, frac = m.groups()
    _limit_digits(whole, value)
    frac = frac or ""
    if len(frac) > places:
        raise MoneyError(f"{_shown(value)} has more than {places} decimals")
    scaled: int = int(whole) * 10**places + int(frac.ljust(places, "0") or "0")
    if sign and scaled != 0:
        if not allow_negative:
            raise MoneyError(f"{value!r} is negative")
        scaled = -scaled
    return scaled


def parse_ratio(value: object) -> Fraction:
    """Parse a ratio given as a decimal string in [0, 1] (``"0.10"`` → 1/10)."""
    text = _reject_non_string(value, "a ratio", "0.10").strip()
    m = _DECIMAL.match(text)
    if not m or m.group(1):
        raise MoneyError(f"{_shown(value)} is not a ratio between 0 and 1 (ASCII digits 0-9)")
    _limit_digits(m.group(2), value)
    if len(m.group(3) or "") > MAX_RATIO_DECIMALS:
        raise MoneyError(f"{_shown(value)}：比例至多 {MAX_RATIO_DECIMALS} 位小数")
    ratio = Fraction(text)
    if ratio > 1:
        raise MoneyError(f"{value!r} is greater than 1")
    return ratio


def ratio_from_config(value: object) -> Fraction:
    """A ratio read from a policy/product file: a decimal string, or a YAML int 0/1; never a float."""
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return Fraction(value)
    return parse_ratio(value)


def format_ratio(ratio: Fraction) -> str:
    """Format a ratio with at least two decimals and as many more as it needs (0.7 → ``"0.70"``,
    0.125 → ``"0.125"``). Ratios that are not finite decimals are shown to 6 places, rounded half-up."""
    for places in range(2, 7):
        scaled = ratio * 10**places
        if scaled.denominator == 1:
            break
    else:
        places = 6
    units = round_half_up(ratio.numerator * 10**places, ratio.denominator)
    whole, part = divmod(units, 10**places)
    return f"{whole}.{part:0{places}d}"


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, halves away from zero."""
    if denominator <= 0:
        raise MoneyError("denominator must be positive")
    if numerator >= 0:
        return (2 * numerator + denominator) // (2 * denominator)
    return -((2 * -numerator + denominator) // (2 * denominator))


def round_fraction(value: Fraction) -> Fen:
    """An exact amount in fen (possibly fractional) rounded half-up to whole fen."""
    return round_half_up(value.numerator, value.denominator)


def apply_ratio(fen: Fen, ratio: Fraction) -> Fen:
    """``fen × ratio`` rounded half-up to the fen: the one rounding point of a payer's share.
    (:func:`round_half_up` written out: a ratio's denominator is positive; this runs several times per bill.)"""
    numerator, denominator = ratio.as_integer_ratio()
    product = fen * numerator
    if product >= 0:
        return (2 * product + denominator) // (2 * denominator)
    return -((2 * -product + denominator) // (2 * denominator))


def apply_ratios(parts: Sequence[tuple[Fen, Fraction]]) -> Fen:
    """``Σ fen × ratio`` over ``parts`` rounded half-up to the fen once: the one rounding point of a
    payer whose share is made of slices at different ratios (bands, tiers). The sum is exact: integer
    numerators over the ratios' common denominator, so no slice is rounded on its own."""
    denominator = lcm(*(ratio.denominator for _, ratio in parts)) if parts else 1
    numerator = sum(fen * ratio.numerator * (denominator // ratio.denominator) for fen, ratio in parts)
    return round_half_up(numerator, denominator)


def allocate(total: Fen, weights: Sequence[int]) -> list[Fen]:
    """Split ``total`` fen over ``weights`` proportionally with the largest-remainder method.

    The parts add up to ``total`` exactly; ties in the remainder go to the earlier weight. All
    weights zero → the parts are zero except that ``total`` must then be zero as well.
    """
    if weights and min(weights) < 0:
        raise MoneyError("allocation weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        if total != 0:
            raise MoneyError("cannot allocate a non-zero amount over zero weights")
        return [0] * len(weights)
    if total == weight_sum:  # the whole of every part (a payer taking all that is left)
        return list(weights)
    magnitude = abs(total)
    parts = [magnitude * weight // weight_sum for weight in weights]
    short = magnitude - sum(parts)
    if short:  # the fen left over go to the largest remainders (ties: the earlier weight)
        remainders = sorted([(-(magnitude * weight % weight_sum), index) for index, weight in enumerate(weights)])
        for _, index in remainders[:short]:
            parts[index] += 1
    return parts if total >= 0 else [-p for p in parts]


def four(a: int, b: int) -> str:
    """a / b with four decimals, half-up (a ratio such as a loss ratio, never money); ``b`` must be positive.

    Shared by the computing centre and the insurer's figures, so it lives with the other exact formatters."""
    value = round_half_up(a * 10_000, b)
    return f"{value // 10_000}.{value % 10_000:04d}"
