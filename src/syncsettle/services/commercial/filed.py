"""The product rules a filing carries (its ``content``, validated by the engine's schema).

Until the filing lifecycle lands this is the one place that turns a filing row into a
:class:`Product`; the commercial centre's ``product_of(filing)`` replaces it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from syncsettle.adapters.rulebook import parse_rule_data
from syncsettle.domain.rules.product import Product

_PARSED: dict[str, Product] = {}  # sha256 of the content → the parsed product (content never changes under a hash)
_LOCK = threading.Lock()


def product_of(filing: Mapping[str, Any]) -> Product:
    """The product of a filing row (parsed once per content hash)."""
    digest = str(filing["sha256"])
    found = _PARSED.get(digest)
    if found is None:
        parsed = parse_rule_data(filing["content"], f"product_filings/{filing['id']}")
        if not isinstance(parsed, Product):
            raise ValueError(f"product_filings/{filing['id']}: content is not a product")
        with _LOCK:
            found = _PARSED.setdefault(digest, parsed)
    return found
