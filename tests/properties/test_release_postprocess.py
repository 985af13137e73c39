"""Property: whatever the noise did, a post-processed release is non-negative integers, a total equals
the sum of its parts, there is no money without a claim; the projection is the weighted least-squares
one (its optimality conditions hold); figures that were already consistent are left as they were;
and the noisy figures that real OpenDP noise produces on small cells come out the same way."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from syncsettle.domain.actuarial.postprocess import Consistency, apportion, post_process, project
from syncsettle.services.computing.release import _noise

noisy_int = st.integers(min_value=-(10**9), max_value=10**9)
scale = st.fractions(min_value=Fraction(1, 10), max_value=Fraction(10**8), max_denominator=1000)


@st.composite
def cells(draw: st.DrawFn) -> tuple[dict[str, int], dict[str, Fraction], Consistency]:
    """A replay-shaped cell: ``claims``, ``payout`` = Σ ``resp:k``, maybe ``enrollments`` alone."""
    parts = tuple(f"resp:{k}" for k in range(draw(st.integers(1, 6))))
    names = ("claims", "payout", *parts, *(("enrollments",) if draw(st.booleans()) else ()))
    metrics = {n: draw(noisy_int) for n in names}
    scales = {n: draw(scale) for n in names}
    return metrics, scales, Consistency(totals={"payout": parts}, counted_by={"payout": "claims"})


@given(cells())
@settings(max_examples=400, deadline=None)
def test_post_processed_releases_are_never_negative_and_always_consistent(
    cell: tuple[dict[str, int], dict[str, Fraction], Consistency],
) -> None:
    noisy, scales, rules = cell
    out = post_process(noisy, scales, rules)
    assert set(out) == set(noisy)
    assert all(isinstance(v, int) and v >= 0 for v in out.values())
    parts = rules.totals["payout"]
    assert out["payout"] == sum(out[p] for p in parts)  # the total is the sum of its parts
    if out["claims"] == 0:
        assert out["payout"] == 0  # no money without a claim
    assert out["claims"] == max(0, noisy["claims"])
    if "enrollments" in out:
        assert out["enrollments"] == max(0, noisy["enrollments"])
    assert post_process(out, scales, rules) == out  # post-processing a consistent release changes nothing


@given(st.lists(st.tuples(noisy_int, st.integers(1, 10**6)), min_size=1, max_size=8), st.integers(0, 10**9))
@settings(max_examples=400, deadline=None)
def test_the_projection_is_the_weighted_least_squares_one(pairs: list[tuple[int, int]], total: int) -> None:
    values, weights = [v for v, _ in pairs], [w for _, w in pairs]
    x = project(values, weights, total)
    assert all(xi >= 0 for xi in x) and sum(x) == total
    if total:  # KKT: one λ with x_i = y_i − λ·w_i where x_i > 0, and y_i ≤ λ·w_i where x_i = 0
        lam = {(Fraction(y) - xi) / w for y, xi, w in zip(values, x, weights, strict=True) if xi > 0}
        assert len(lam) == 1
        [level] = lam
        assert all(Fraction(y) <= level * w for y, xi, w in zip(values, x, weights, strict=True) if xi == 0)
    rounded = apportion(x, total)
    assert sum(rounded) == total and all(abs(r - xi) < 1 for r, xi in zip(rounded, x, strict=True))


@given(st.integers(0, 30), st.integers(0, 3_000_000), st.sampled_from([Fraction(1, 10), Fraction(1, 2), Fraction(1)]))
@settings(max_examples=60, deadline=None)
def test_real_noise_on_small_cells_comes_out_non_negative(claims: int, paid: int, epsilon: Fraction) -> None:
    """What the issue saw (claims −132, paid −106,558,942 fen) cannot be released any more."""
    share = epsilon / 3
    sens = {"claims": 10, "paid": 5_000_000, "enrollments": 1}
    truth = {"claims": claims, "paid": paid if claims else 0, "enrollments": claims + 10}
    noisy = {k: _noise(v, sens[k], share) for k, v in truth.items()}
    scales = {k: Fraction(sens[k]) / share for k in truth}
    out = post_process(noisy, scales, Consistency(counted_by={"paid": "claims"}))
    assert all(v >= 0 for v in out.values()) and (out["claims"] > 0 or out["paid"] == 0)
