"""Post-processing of a noisy release (pure): non-negative, consistent integers. See docs/privacy.md.

Every metric a release carries is a count of persons, claims or settlements, or a sum of money in
fen: non-negative by nature. Discrete Laplace noise makes small ones negative (a count of −132, a
payout of −106,558,942 fen) and makes a total disagree with its parts. Post-processing only reads the
noisy figures and public facts (the noise scales), so it spends no privacy budget; it runs in this
order on one cell:

1. **No money without a claim.** A money metric tied to a count (``paid`` ← ``claims``) is set to 0,
   with its parts, when the count's clamped value is 0.
2. **Totals and their parts** (``expected_payout`` = Σ ``resp:*``), top-down as the census does it:
   the total is the inverse-variance weighted mean of its own noisy value and the sum of its
   parts' noisy values (variance ∝ scale²), clamped at 0 and rounded half-up to the fen; the parts
   are then the weighted least-squares projection of their noisy values onto
   ``{x ≥ 0, Σx = total}`` (minimise Σ (xᵢ − yᵢ)² / vᵢ), computed exactly in fractions, and
   rounded to integers that still add up to the total by the largest-remainder method (floors
   first, then one fen each to the largest fractional parts, ties to the earlier part).
3. **Every other metric** is clamped at 0.

Derived figures (loss ratio, frequency, severity, shares) are computed by the caller from these
post-processed values, so they are never negative and shares of a total add up to one.
An exact (noise-free) release is the truth and is not post-processed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(frozen=True)
class Consistency:
    """What a cell's metrics must satisfy: ``totals`` (total metric → its parts, which add up to it)
    and ``counted_by`` (money metric → the count without which it is 0)."""

    totals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    counted_by: Mapping[str, str] = field(default_factory=dict)


def _half_up(x: Fraction) -> int:
    return int((x + Fraction(1, 2)).__floor__())


def project(
    values: Sequence[Fraction | int], weights: Sequence[Fraction | int], total: Fraction | int
) -> list[Fraction]:
    """The point ``x ≥ 0`` with ``Σx = total`` nearest to ``values`` in the metric Σ (xᵢ − yᵢ)² / wᵢ
    (``wᵢ > 0``: the variances). KKT: ``xᵢ = max(0, yᵢ − λ·wᵢ)``; the active set is found exactly by
    sorting the break points ``yᵢ / wᵢ`` (a weighted version of the simplex projection)."""
    n = len(values)
    if n == 0:
        return []
    total = Fraction(total)
    if total <= 0:
        return [Fraction(0)] * n
    y = [Fraction(v) for v in values]
    w = [Fraction(v) for v in weights]
    order = sorted(range(n), key=lambda i: y[i] / w[i], reverse=True)
    sum_y = sum_w = Fraction(0)
    lam = Fraction(0)
    for rank, i in enumerate(order):
        sum_y += y[i]
        sum_w += w[i]
        lam = (sum_y - total) / sum_w
        following = order[rank + 1] if rank + 1 < n else None
        if following is None or y[following] - lam * w[following] <= 0:
            break
    return [max(Fraction(0), y[i] - lam * w[i]) for i in range(n)]


def apportion(parts: Sequence[Fraction], total: int) -> list[int]:
    """Non-negative integers adding up to ``total`` (≥ 0, with ``Σ parts = total``): the floors, then
    one unit each to the parts with the largest fractional remainders (ties: the earlier part)."""
    floors = [int(p.__floor__()) for p in parts]
    left = total - sum(floors)
    by_remainder = sorted(range(len(parts)), key=lambda i: (-(parts[i] - floors[i]), i))
    for i in by_remainder[:left]:
        floors[i] += 1
    return floors


def post_process(noisy: Mapping[str, int], scales: Mapping[str, Fraction], rules: Consistency) -> dict[str, int]:
    """The cell's noisy metrics made non-negative and consistent (see the module's steps).
    ``scales``: each metric's noise scale (a missing one counts as 1)."""
    out = {k: int(v) for k, v in noisy.items()}
    var = {k: Fraction(scales.get(k, 1)) ** 2 or Fraction(1) for k in out}
    zeroed: set[str] = set()
    for money, count in rules.counted_by.items():
        if money in out and count in out and max(0, out[count]) == 0:
            zeroed |= {money, *rules.totals.get(money, ())}
    for name in zeroed:
        out[name] = 0
    for total, parts in rules.totals.items():
        if total not in out or total in zeroed or not parts:
            continue
        sum_parts = sum(Fraction(out[p]) for p in parts)
        var_parts = sum(var[p] for p in parts)
        estimate = (Fraction(out[total]) * var_parts + sum_parts * var[total]) / (var[total] + var_parts)
        fixed = max(0, _half_up(estimate))
        projected = project([out[p] for p in parts], [var[p] for p in parts], fixed)
        out[total] = fixed
        out.update(zip(parts, apportion(projected, fixed), strict=True))
    return {k: max(0, v) for k, v in out.items()}
