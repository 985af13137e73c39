"""Which slips a settlement has and what they are called: ``<setl_id>-M`` (the medical slip) always,
``<setl_id>-C`` (the commercial slip) when a product took part; none until the settlement is settled.
Pure, so that every page that lists settlements can link their slips without calling the slip service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MEDICAL, COMMERCIAL = "M", "C"
SLIP_STATUSES = frozenset({"settled", "reversed"})


def slip_kinds(settlement: Mapping[str, Any]) -> list[str]:
    """The slips a settlement has: always the medical one; the commercial one when a product took part."""
    if settlement["status"] not in SLIP_STATUSES:
        return []
    return [MEDICAL, COMMERCIAL] if settlement["output"].get("commercial") else [MEDICAL]


def slips_of(settlement: Mapping[str, Any]) -> list[str]:
    """The slip ids of a settlement row (for links on pages)."""
    return [f"{settlement['setl_id']}-{kind}" for kind in slip_kinds(settlement)]
