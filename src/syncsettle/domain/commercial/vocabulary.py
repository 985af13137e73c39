"""Words the commercial centre, the routes and the audit log share (pure).

Granularities, from least to most data released (DESIGN.md §3):

| granularity | what leaves the medical-insurance domain | routes |
|---|---|---|
| ``result`` | the payable amount and result categories only | ``embedded``, ``dual_platform`` (insurer side) |
| ``settlement_summary`` | self-pay amount, in-policy amount, visit type | ``settlement_summary`` |
| ``category`` | category totals: total, fund paid, self-pay by class | ``category`` |
| ``detail`` | itemised fee details | ``detail`` |

A consent for a richer granularity also covers the poorer ones of the same purpose.
"""

from __future__ import annotations

from enum import StrEnum


class Granularity(StrEnum):
    RESULT = "result"
    SETTLEMENT_SUMMARY = "settlement_summary"
    CATEGORY = "category"
    DETAIL = "detail"

    @property
    def rank(self) -> int:
        return list(Granularity).index(self)

    def covers(self, other: Granularity) -> bool:
        """Whether consent (or approval) at this granularity allows releasing ``other``."""
        return self.rank >= other.rank


class Route(StrEnum):
    EMBEDDED = "embedded"
    DUAL_PLATFORM = "dual_platform"
    DETAIL = "detail"
    CATEGORY = "category"
    SETTLEMENT_SUMMARY = "settlement_summary"


ROUTE_GRANULARITY = {
    Route.EMBEDDED: Granularity.RESULT,
    Route.DUAL_PLATFORM: Granularity.RESULT,
    Route.DETAIL: Granularity.DETAIL,
    Route.CATEGORY: Granularity.CATEGORY,
    Route.SETTLEMENT_SUMMARY: Granularity.SETTLEMENT_SUMMARY,
}
"""The granularity a route needs the insurer to receive; a filing approves at least this much."""


class Purpose(StrEnum):
    UNDERWRITING = "underwriting"
    SETTLEMENT = "settlement"
    QUICK_CLAIM = "quick_claim"
    ANALYTICS = "analytics"


class FilingStatus(StrEnum):
    """draft → submitted → approved | rejected; approved → on_sale → active → suspended ⇄ active; → exited."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    ON_SALE = "on_sale"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXITED = "exited"


SETTLING_STATUSES = frozenset({FilingStatus.ON_SALE, FilingStatus.ACTIVE})
"""A product settles at the bedside only in these states and inside its approved window; a
``suspended`` product's legs become pending claims with the reason."""
