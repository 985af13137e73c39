"""Underwriting rules: the shipped default (``config/underwriting/default.json``: 5 years back,
malignant tumours, carcinoma in situ, coronary and heart failure, stroke, cirrhosis and chronic
kidney disease are pre-existing; nobody is declined — the usual 惠民保 terms) and validation of a
rule a filing brings, with the field path in every error."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from syncsettle.adapters.rulebook import SHIPPED, RuleFileError, loc_to_path
from syncsettle.domain.commercial.underwriting import UnderwritingRule

DEFAULT_RULE = SHIPPED / "underwriting" / "default.json"


def parse_underwriting_rule(data: Any, source: str) -> UnderwritingRule:
    try:
        return UnderwritingRule.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise RuleFileError(
            source, loc_to_path(first["loc"]), str(first["msg"]).removeprefix("Value error, ")
        ) from None


@lru_cache(maxsize=1)
def default_rule() -> UnderwritingRule:
    return parse_underwriting_rule(json.loads(DEFAULT_RULE.read_text(encoding="utf-8")), str(DEFAULT_RULE))
