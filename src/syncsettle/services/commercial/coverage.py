"""A person's standing in a product as the engine reads it, from their enrollment row and the product's
year-to-date accumulators. The commercial centre owns enrollments, so both the settlement path and the
quick claims build coverage here."""

from __future__ import annotations

from typing import Any

from syncsettle.domain.settlement.model import Coverage, ProductAccumulators, ResponsibilityAccumulator


def coverage_of(enrollment: dict[str, Any], accumulators: dict[str, tuple[int, int]]) -> Coverage:
    """The person's standing in a product: enrollment facts and year-to-date accumulators (fen)."""
    e = enrollment
    return Coverage(
        product_id=e["product_id"],
        pre_existing=bool(e["pre_existing"]),
        enrolled_years=int(e["enrolled_years"]),
        claim_free_years=int(e["claim_free_years"]),
        claimed_last_year=bool(e["claimed_last_year"]),
        enrolled_from=e["begndate"],
        enrolled_to=e["enddate"],
        accumulators=ProductAccumulators(
            tuple((rid, ResponsibilityAccumulator(d, paid)) for rid, (d, paid) in sorted(accumulators.items()))
        ),
    )
