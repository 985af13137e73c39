"""The insurer side, given only a projection, adjudicates a product exactly as the medical-insurance
domain's engine does with the real bill — at every granularity where the product is computable —
and accepting that adjudication leaves the burden exactly as local adjudication would, so the
products after it (and the cash) come out the same as the all-embedded settlement."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from syncsettle.adapters.json_reader import Reader
from syncsettle.adapters.rulebook import parse_rule_data
from syncsettle.domain.commercial.projections import PROJECTIONS, computable, minimum_necessary
from syncsettle.domain.commercial.synthesis import adjudicate_projected, projected_of
from syncsettle.domain.commercial.view import view_from_json, view_of, view_to_json
from syncsettle.domain.rules.product import Product
from syncsettle.domain.settlement.commercial import ProductResult, adjudicate
from syncsettle.domain.settlement.model import Coverage, ProductAccumulators, ResponsibilityAccumulator
from syncsettle.domain.settlement.waterfall import begin, in_filing_order, settle
from syncsettle.services.commercial.messages import MINIMUM, read_projection
from tests.commercial.products import SUMMARY_CONTENT
from tests.properties.strategies import DAY, scenarios
from tests.properties.test_waterfall_invariants import SETTINGS

SUMMARY_PRODUCT = parse_rule_data(SUMMARY_CONTENT, "test")
assert isinstance(SUMMARY_PRODUCT, Product)


def _key(r: ProductResult) -> tuple[Any, ...]:
    return (r.product_id, r.version, r.payable,
            [(x.id, x.name, x.base, x.deductible_applied, x.ratio, x.payable, x.reason_code, x.reason)
             for x in r.responsibilities])  # fmt: skip


@st.composite
def with_summary_product(draw: st.DrawFn) -> dict[str, Any]:
    s: dict[str, Any] = draw(scenarios())
    if draw(st.booleans()):
        accs = tuple((rid, ResponsibilityAccumulator(draw(st.integers(0, 40_000)), draw(st.integers(0, 1_900_000))))
                     for rid in ("A", "B"))  # fmt: skip
        cov = Coverage("summary-computable", accumulators=ProductAccumulators(accs))
        s["coverages"] = [*s["coverages"], (SUMMARY_PRODUCT, cov)]
    return s


@SETTINGS
@given(with_summary_product())
def test_every_granularity_adjudicates_like_the_embedded_engine(s: dict[str, Any]) -> None:
    coverages = s["coverages"]
    w = begin(day=DAY, person=s["person"], bill=s["bill"], products=[p for p, _ in coverages],
              basic_accumulators=s["basic"], catalogue=s["catalogue"], policy=s["policy"])  # fmt: skip
    for product, cov in in_filing_order(coverages):
        version = product.version_on(DAY)
        assert version is not None
        view = view_from_json(view_to_json(view_of(w, "ST1")))  # what a pending leg keeps, too
        local = adjudicate(product, version, cov, w.person, w.bill, DAY, w.status, view.burden(), w.owed)
        shapes = {g.value: project for g, project in PROJECTIONS.items()}
        shapes[MINIMUM] = minimum_necessary  # type: ignore[assignment]
        remote = None
        for shape, project in shapes.items():
            if computable(version, shape) is not None:
                continue
            payload = project(view, version)
            remote = adjudicate_projected(product, cov, read_projection(shape, Reader(payload, "data")))
            assert _key(remote) == _key(local), shape
        assert remote is not None  # every shipped product is computable from the minimum / the detail
        in_domain = adjudicate_projected(product, cov, projected_of(view, version))  # a pending embedded leg's claim
        assert _key(in_domain) == _key(local)
        taken = w.take(product, cov, remote)
        assert _key(taken) == _key(local)
        assert taken.accumulators_after.responsibilities == local.accumulators_after.responsibilities
    embedded = settle(day=DAY, person=s["person"], bill=s["bill"], coverages=coverages,
                      basic_accumulators=s["basic"], catalogue=s["catalogue"], policy=s["policy"])  # fmt: skip
    routed = w.finish()
    assert [_key(r) for r in routed.products] == [_key(r) for r in embedded.products]
    consumed = [[x.consumed for x in r.responsibilities] for r in routed.products]
    assert consumed == [[x.consumed for x in r.responsibilities] for r in embedded.products]
    assert (routed.acct_pay, routed.cash) == (embedded.acct_pay, embedded.cash)
