"""The messages of the channel between the medical-insurance platform and the commercial platform
(the plaintext inside a sealed envelope, :mod:`syncsettle.adapters.channel`), and reading them back.

- ``adjudicate`` (medical → commercial): the filing to apply, the person's standing in the product
  (enrollment facts and year-to-date accumulators: the insurer's own contract data), and ``data``:
  the projection of the visit at the route's granularity (``shape``).
- ``adjudicated`` / ``refused`` (commercial → medical): the product's adjudication, or why not.
- ``result`` (medical → commercial, one way): an ``embedded`` product's result, for the insurer.

Amounts are yuan strings, ratios decimal strings; anything received is read with field paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from syncsettle.adapters.json_reader import Reader
from syncsettle.domain.commercial.projections import CLASS_FIELDS
from syncsettle.domain.commercial.synthesis import Projected
from syncsettle.domain.rules.product import Product
from syncsettle.domain.settlement.basic import constant_text
from syncsettle.domain.settlement.commercial import ProductResult, ResponsibilityResult
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.domain.settlement.model import Coverage, ProductAccumulators, ResponsibilityAccumulator
from syncsettle.money import format_ratio, format_yuan

_Y = format_yuan
MINIMUM = "minimum"  # the dual platform's shape: minimum necessary for one product
FILING_KEYS = ("id", "product_id", "version", "sha256", "insurer_id", "route", "granularity")
REQUEST_KEYS = frozenset({"purpose", "claim_id", "filing", "shape", "coverage", "data"})
NOTICE_KEYS = frozenset({"purpose", "claim_id", "filing", "data"})
COVERAGE_KEYS = frozenset({"pre_existing", "enrolled_years", "claim_free_years", "claimed_last_year",
                           "enrolled_from", "enrolled_to", "accumulators"})  # fmt: skip


def filing_ref(filing: Mapping[str, Any]) -> dict[str, Any]:
    """Which filing (and so which approved rule file, by its SHA-256) the other side must apply."""
    return {key: filing[key] for key in FILING_KEYS}


def coverage_json(cov: Coverage) -> dict[str, Any]:
    """The person's standing in the product: facts of the insurer's own contract, not medical data."""
    return {
        "pre_existing": cov.pre_existing, "enrolled_years": cov.enrolled_years,
        "claim_free_years": cov.claim_free_years, "claimed_last_year": cov.claimed_last_year,
        "enrolled_from": cov.enrolled_from.isoformat() if cov.enrolled_from else None,
        "enrolled_to": cov.enrolled_to.isoformat() if cov.enrolled_to else None,
        "accumulators": [{"id": rid, "deductible_used": _Y(a.deductible_used), "paid": _Y(a.paid)}
                         for rid, a in cov.accumulators.responsibilities],
    }  # fmt: skip


def request(purpose: str, claim_id: str | None, filing: Mapping[str, Any], shape: str, cov: Coverage,
            data: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    return {"purpose": purpose, "claim_id": claim_id, "filing": filing_ref(filing), "shape": shape,
            "coverage": coverage_json(cov), "data": data}  # fmt: skip


def notice(purpose: str, claim_id: str | None, filing: Mapping[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    return {"purpose": purpose, "claim_id": claim_id, "filing": filing_ref(filing), "data": data}


def read_coverage(product_id: str, r: Reader) -> Coverage:
    accs = []
    for i, item in enumerate(r.items("accumulators")):
        a = Reader(item, f"{r.at('accumulators')}[{i}]")
        accs.append((a.req_text("id"), ResponsibilityAccumulator(a.yuan("deductible_used"), a.yuan("paid"))))
    return Coverage(
        product_id=product_id,
        pre_existing=r.flag("pre_existing"),
        enrolled_years=r.integer("enrolled_years", default=1),
        claim_free_years=r.integer("claim_free_years"),
        claimed_last_year=r.flag("claimed_last_year"),
        enrolled_from=r.day("enrolled_from", required=False),
        enrolled_to=r.day("enrolled_to", required=False),
        accumulators=ProductAccumulators(tuple(accs)),
    )


def read_projection(shape: str, data: Reader) -> Projected:
    """What a projection of ``shape`` (a granularity, or :data:`MINIMUM`) says, as the engine's terms."""
    day = data.day("setl_date")
    assert day is not None
    left = {name: data.yuan(key) for name, key in CLASS_FIELDS.items()}
    drugs: dict[str, int] = {}
    if shape == "settlement_summary":
        total, inscp = data.yuan("selfpay_amt", required=True), data.yuan("inscp_selfpay_amt", required=True)
        if inscp > total:
            raise InvalidInput(data.at("inscp_selfpay_amt"), "exceeds selfpay_amt")
        left = {"in_scope_selfpay": inscp, "out_of_scope": total - inscp}
    for i, item in enumerate(data.items("drug_rows", required=False)):
        row = Reader(item, f"{data.at('drug_rows')}[{i}]")
        code = row.req_text("med_list_codg")
        for name, key in CLASS_FIELDS.items():
            amount = row.yuan(key)
            left[name] -= amount
            drugs[code] = drugs.get(code, 0) + amount
        if min(left.values()) < 0:
            raise InvalidInput(row.path, "the drug-list row exceeds the classes it belongs to")
    for i, item in enumerate(data.items("drug_totals", required=False)):
        row = Reader(item, f"{data.at('drug_totals')}[{i}]")
        drugs[row.req_text("med_list_codg")] = row.yuan("amount", required=True)
    diagnoses = data.items("diagnoses", required=False)
    if not all(isinstance(d, str) for d in diagnoses):
        raise InvalidInput(data.at("diagnoses"), "must be a list of ICD-10 codes")
    return Projected(
        day=day,
        med_type=data.req_text("med_type"),
        insutype=data.text("insutype", required=False) or "",
        cross_region_status=data.text("cross_region_status", required=False) or "local",
        diagnoses=tuple(diagnoses),
        left=left,
        drug_totals=drugs,
    )


def adjudicated(result: ProductResult) -> dict[str, Any]:
    """The reply carrying a product's adjudication."""
    return {
        "product_id": result.product_id,
        "version": result.version,
        "payable": _Y(result.payable),
        "responsibilities": [
            {"id": r.id, "name": r.name, "base": _Y(r.base), "deductible_applied": _Y(r.deductible_applied),
             "ratio": format_ratio(r.ratio), "payable": _Y(r.payable), "reason_code": r.reason_code,
             "reason": r.reason}
            for r in result.responsibilities
        ],
    }  # fmt: skip


def read_adjudicated(product: Product, body: Any) -> ProductResult:
    """A reply's adjudication as the engine's result (not yet checked against the burden: see
    :func:`~syncsettle.domain.settlement.commercial.accept`)."""
    r = Reader(body, "reply")
    if r.req_text("product_id") != product.id:
        raise InvalidInput("reply.product_id", f"is not {product.id}")
    resps = []
    for i, item in enumerate(r.items("responsibilities")):
        x = Reader(item, f"reply.responsibilities[{i}]")
        ratio = x.ratio("ratio")
        resps.append(
            ResponsibilityResult(
                x.req_text("id"), x.req_text("name"), x.yuan("base", required=True),
                x.yuan("deductible_applied", required=True), ratio if ratio is not None else Fraction(0),
                x.yuan("payable", required=True), x.req_text("reason_code"),
                constant_text(x.text("reason", required=False) or ""),
            )
        )  # fmt: skip
    version = r.raw("version", required=False)
    return ProductResult(
        product_id=product.id, name=product.name, insurer=product.insurer, route=product.route,
        priority=product.priority, version=version if isinstance(version, int) else None,
        payable=r.yuan("payable", required=True), responsibilities=tuple(resps),
        accumulators_after=ProductAccumulators(),
    )  # fmt: skip
