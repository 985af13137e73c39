"""Reading untrusted JSON with exact field paths in every error.

``Reader(data, "person")`` walks one object; each accessor either returns a typed value or raises
:class:`InvalidInput` naming the field (``person.cross_region.kind``) and the reason in one line.
Amounts must be yuan strings; a JSON float anywhere is refused. Messages from a hospital's HIS are
parsed with every JSON number as an exact ``Decimal`` (``entrypoints/national``), so ``"medfee_sumamt":
20`` and ``"medfee_sumamt": 20.5`` read exactly as ``"20"`` and ``"20.5"``; a whole number may also
stand for a code or identifier (``"insutype": 310``).

A blank string (``""`` or only spaces) counts as absent, as HIS systems send every optional field
whether they have a value or not (``"certno": ""``): optional, it reads as missing; required, it is
reported ``missing``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.money import MoneyError, parse_ratio, parse_scaled, parse_yuan

_MISSING = object()


class Reader:
    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise InvalidInput(path or "case", f"must be a JSON object, got {_kind(data)}")
        self.data: dict[str, Any] = data
        self.path = path

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def raw(self, key: str, required: bool = True) -> Any:
        value = self.data.get(key, _MISSING)
        if isinstance(value, str) and not value.strip():
            value = _MISSING  # HIS systems send "" for an optional field they have no value for
        if value is _MISSING or (value is None and required):
            if required:
                raise InvalidInput(self.at(key), "missing")
            return None
        return value

    def has(self, key: str) -> bool:
        value = self.data.get(key)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            raise InvalidInput(self.at(unknown[0]), f"unknown field (expected one of {', '.join(sorted(allowed))})")

    def text(self, key: str, *, required: bool = True, codes: Mapping[str, str] | None = None) -> str | None:
        value = self.raw(key, required)
        if value is None:
            return None
        value = _whole_number_as_text(value)
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(self.at(key), f"must be a non-empty string, got {_kind(value)}")
        if codes is not None and value not in codes:
            raise InvalidInput(self.at(key), f"unknown code {value!r} (known: {', '.join(sorted(codes))})")
        return value

    def req_text(self, key: str, codes: Mapping[str, str] | None = None) -> str:
        value = self.text(key, codes=codes)
        assert value is not None
        return value

    def region(self, key: str) -> str:
        value = self.req_text(key)
        if len(value) != 6 or not value.isdigit():
            raise InvalidInput(self.at(key), f"must be a 6-digit region code, got {value!r}")
        return value

    def yuan(self, key: str, *, required: bool = False, default: int = 0, allow_negative: bool = False) -> int:
        value = self.raw(key, required)
        if value is None:
            return default
        try:
            return parse_yuan(value, allow_negative=allow_negative)
        except MoneyError as exc:
            raise InvalidInput(self.at(key), str(exc)) from None

    def scaled(self, key: str, places: int, *, positive: bool = False) -> int:
        """A decimal string scaled by ``10**places``; the error names a price (``pric``, ``*_pric``)
        as a price and anything else (``cnt``) as a quantity."""
        value = self.raw(key)
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise InvalidInput(self.at(key), f"{value} is negative")
        what, example = ("a price", "150.00") if "pric" in key else ("a quantity", "2")
        try:
            scaled = parse_scaled(value, places, what=what, example=example)
        except MoneyError as exc:
            raise InvalidInput(self.at(key), str(exc)) from None
        if positive and scaled <= 0:
            raise InvalidInput(self.at(key), "must be greater than zero")
        return scaled

    def scaled_signed(self, key: str, places: int) -> int:
        """Like :meth:`scaled`, a negative value allowed (a refund line's ``cnt``)."""
        try:
            return parse_scaled(self.raw(key), places, allow_negative=True)
        except MoneyError as exc:
            raise InvalidInput(self.at(key), str(exc)) from None

    def ratio(self, key: str) -> Fraction | None:
        value = self.raw(key, required=False)
        if value is None:
            return None
        try:
            return parse_ratio(value)
        except MoneyError as exc:
            raise InvalidInput(self.at(key), str(exc)) from None

    def integer(self, key: str, default: int = 0, minimum: int = 0) -> int:
        value = self.raw(key, required=False)
        if value is None:
            return default
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(self.at(key), f"must be a whole number, got {_kind(value)}")
        if value < minimum:
            raise InvalidInput(self.at(key), f"must be at least {minimum}")
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.raw(key, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise InvalidInput(self.at(key), f"must be true or false, got {_kind(value)}")
        return value

    def day(self, key: str, required: bool = True) -> date | None:
        value = self.text(key, required=required)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(self.at(key), f"must be a date YYYY-MM-DD, got {value!r}") from None

    def child(self, key: str, required: bool = True) -> Reader | None:
        value = self.raw(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise InvalidInput(self.at(key), f"must be an object, got {_kind(value)}")
        return Reader(value, self.at(key))

    def items(self, key: str, required: bool = True) -> list[Any]:
        value = self.raw(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise InvalidInput(self.at(key), f"must be a list, got {_kind(value)}")
        return value


def _whole_number_as_text(value: Any) -> Any:
    """A code or identifier a HIS sent as a JSON whole number (``310``) reads as its digits."""
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value() and value >= 0:
        return format(value.to_integral_value(), "f")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    return value


def _kind(value: Any) -> str:
    if isinstance(value, float):
        return f"the JSON number {value!r} (amounts are yuan strings)"
    if value is None:
        return "null"
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        Decimal: "a number",
    }.get(type(value), type(value).__name__)
