"""Underwriting as data, evaluated inside the medical-insurance domain (pure).

A rule lists ICD-10 code prefixes: a person with a diagnosis matching ``declined`` in the last
``lookback_years`` years is declined; one matching ``pre_existing`` is enrolled with the product's
pre-existing terms (既往症: reduced ratios, higher deductibles); anyone else is standard. Only the
class leaves the domain — never the diagnoses, dates or visits it was derived from.

```json
{"kind": "underwriting", "id": "huiminbao-default", "lookback_years": 5,
 "pre_existing": ["C", "D0", "I6", "N18"], "declined": []}
```
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator

from syncsettle.domain.rules.fields import Strict

_ICD_PREFIX = re.compile(r"^[A-Z][0-9A-Z.]{0,7}$")


class UnderwritingClass(StrEnum):
    STANDARD = "standard"
    PRE_EXISTING = "pre_existing"
    DECLINED = "declined"


class UnderwritingRule(Strict):
    kind: Literal["underwriting"] = "underwriting"
    id: str
    lookback_years: int = Field(ge=1, le=30)
    pre_existing: list[str] = []
    declined: list[str] = []

    @field_validator("pre_existing", "declined")
    @classmethod
    def _icd_prefixes(cls, value: list[str]) -> list[str]:
        bad = [p for p in value if not _ICD_PREFIX.match(p)]
        if bad:
            raise ValueError(f"ICD-10 prefixes are an upper-case letter and up to 7 digits/letters/dots, got {bad}")
        return value


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _matches(code: str, prefixes: list[str]) -> bool:
    code = code.strip().upper()
    return any(code.startswith(prefix) for prefix in prefixes)


def classify(rule: UnderwritingRule, history: Iterable[tuple[date, str]], day: date) -> UnderwritingClass:
    """The class of a person whose settled visits carry ``(visit date, ICD-10 code)`` diagnoses."""
    since = years_before(day, rule.lookback_years)
    recent = [code for when, code in history if since <= when <= day]
    if any(_matches(code, rule.declined) for code in recent):
        return UnderwritingClass.DECLINED
    if any(_matches(code, rule.pre_existing) for code in recent):
        return UnderwritingClass.PRE_EXISTING
    return UnderwritingClass.STANDARD
