"""Field types shared by the rule schemas: amounts as yuan strings (→ fen), ratios as decimal strings
(→ ``Fraction``); a YAML float is refused so no rule is ever stated in binary floating point."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator, model_validator

from syncsettle.money import Fen, format_ratio, format_yuan, parse_yuan, ratio_from_config


def _amount(value: Any) -> Fen:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f'amounts are yuan strings such as "{value}.00", not the number {value}')
    return parse_yuan(value)


Amount = Annotated[int, PlainValidator(_amount), PlainSerializer(format_yuan, return_type=str)]
Ratio = Annotated[Fraction, PlainValidator(ratio_from_config), PlainSerializer(format_ratio, return_type=str)]


class Strict(BaseModel):
    """Base of every rule model: immutable, unknown keys are errors (a typo is never ignored)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class Effective(Strict):
    """A version's validity: in force from ``effective_from`` through ``effective_to`` (inclusive;
    ``None`` = until a later version replaces it)."""

    version: int
    effective_from: date
    effective_to: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


V = TypeVar("V", bound=Effective)


def pick_version(versions: list[V], day: date) -> V | None:
    """The version in force on ``day``; when several are, the highest version number wins."""
    chosen = None
    for v in versions:
        if v.in_force(day) and (chosen is None or v.version > chosen.version):
            chosen = v
    return chosen


def check_versions(versions: list[V]) -> None:
    """Version numbers are unique within a rule file."""
    numbers = [v.version for v in versions]
    if len(numbers) != len(set(numbers)):
        raise ValueError("version numbers must be unique")
    if not versions:
        raise ValueError("at least one version is required")
