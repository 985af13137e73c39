"""What-if replay (产品测算), per bill: history under a product's rules through the engine's own
burden and adjudication functions, one person at a time in settlement order.

Each historical settlement is a :class:`ClaimBasis`: what the public funds left (components, in
fen), the lines of drug-list codes in play, the products that paid before the candidate in filing
priority with what each responsibility actually paid (taken from the burden exactly as the engine
takes it: :func:`allocate` over the responsibility's cells), and the candidate's coverage facts
(``None``: the person was not covered). Accumulators start at zero on 1 January, so the replay
must begin on 1 January of the first year it reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date

from syncsettle.domain.rules.product import Product, ProductVersion
from syncsettle.domain.settlement.burden import BurdenRow, ComponentTotals, build_burden
from syncsettle.domain.settlement.commercial import adjudicate, payable_cells, take_from
from syncsettle.domain.settlement.model import Bill, Coverage, Person, ProductAccumulators
from syncsettle.domain.settlement.split import LineSplit


@dataclass(frozen=True, slots=True)
class ClaimBasis:
    """One historical settlement as the replay reads it (fen)."""

    psn_no: str
    day: date
    med_type: str
    insutype: str
    status: str
    diagnoses: tuple[str, ...]
    components: ComponentTotals
    owed: int
    special: tuple[LineSplit, ...] = ()
    special_codes: frozenset[str] = frozenset()
    preceding: tuple[tuple[Product, Mapping[str, int]], ...] = ()
    coverage: Coverage | None = None

    @property
    def simple(self) -> bool:
        """Nothing but column sums needed: no drug-list line, no product paying before the candidate."""
        return not self.special and not any(sum(pays.values()) for _, pays in self.preceding)


def burden_before(claim: ClaimBasis) -> tuple[list[BurdenRow], int]:
    """The burden rows the candidate sees and what the patient still owes: the public funds' remainder
    less what the preceding products paid, taken from the cells as the engine takes it."""
    rows = build_burden(claim.special, claim.components, claim.special_codes)
    owed = claim.owed
    for product, pays in claim.preceding:
        version = product.version_on(claim.day)
        if version is None:
            continue
        lists_of = version.list_of_code
        for resp in version.responsibilities:
            pay = pays.get(resp.id, 0)
            if not pay:
                continue
            take_from(pay, payable_cells(resp, rows, lists_of)[0], rows, lists_of)
            owed -= pay
    return rows, owed


def bases(version: ProductVersion, rows: list[BurdenRow]) -> list[int]:
    """Each responsibility's base on these rows (before deductible, ratio and caps)."""
    lists_of = version.list_of_code
    return [sum(payable_cells(resp, rows, lists_of)[1]) for resp in version.responsibilities]


def replay_bills(product: Product, claims: Iterable[ClaimBasis]) -> Iterator[tuple[int, tuple[int, ...]]]:
    """(payable, payable per responsibility of the version in force) of each claim, in the given
    order (which must be settlement order per person); year-to-date accumulators per person and year."""
    state: dict[tuple[str, int], ProductAccumulators] = {}
    for claim in claims:
        version = product.version_on(claim.day)
        if claim.coverage is None or version is None:
            yield 0, tuple(0 for _ in (version.responsibilities if version else ()))
            continue
        rows, owed = burden_before(claim)
        key = (claim.psn_no, claim.day.year)
        cov = replace(claim.coverage, accumulators=state.get(key, ProductAccumulators()))
        person = Person(claim.psn_no, claim.insutype, "", "")
        bill = Bill(claim.med_type, "", "", (), claim.diagnoses)
        result = adjudicate(product, version, cov, person, bill, claim.day, claim.status, rows, owed)
        state[key] = result.accumulators_after
        yield result.payable, tuple(r.payable for r in result.responsibilities)
