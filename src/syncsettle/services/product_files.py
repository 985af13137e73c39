"""A product rule file as a filing or an actuary's candidate carries it: validated with the engine's
schema, errors naming ``content.<field path>``. In the services' shared kernel because the commercial
centre (filings) and the computing centre (what-if candidates) both read product files."""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.rulebook import RuleFileError, parse_rule_data
from syncsettle.domain.rules.product import Product
from syncsettle.services.errors import Code, ServiceError


def parse_content(content: Any) -> Product:
    """The filing's rule file validated with the engine's schema; errors name ``content.<field path>``."""
    try:
        item = parse_rule_data(content, "content")
    except RuleFileError as exc:
        raise ServiceError(Code.FIELD, exc.reason, f"content.{exc.field}" if exc.field else "content") from None
    if not isinstance(item, Product):
        raise ServiceError(Code.FIELD, "备案内容必须是产品规则文件（kind: product）", "content.kind")
    return item
