"""Step 4 of the waterfall: commercial products, in filing priority order (补偿原则).

Each product sees only what the public funds and the products before it left of the patient's
burden (:mod:`burden`). Per responsibility: base = what is left of the components it covers (for the
care it covers); deductible applied = ``min(base, deductible − deductible_used)``; payable =
``(base − deductible applied) × ratio`` rounded half-up, then capped by the responsibility's annual
cap, any shared cap, the product's per-person cap and what the patient still owes. The payment is
taken from the covered components in proportion to what is left of each (largest remainder).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from fractions import Fraction
from typing import NamedTuple

from syncsettle.domain.codes import MED_TYPES, care_setting
from syncsettle.domain.rules.product import Product, ProductVersion, RatioPair, RatioRule, Responsibility
from syncsettle.domain.settlement.basic import constant_text
from syncsettle.domain.settlement.burden import COMPONENTS, BurdenRow
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.domain.settlement.model import (
    Bill,
    Coverage,
    Person,
    ProductAccumulators,
    ResponsibilityAccumulator,
)
from syncsettle.money import allocate, apply_ratio, format_ratio, format_yuan

_Y = format_yuan
_NOTHING_YET = ResponsibilityAccumulator()
_NO_BASE = constant_text("无本责任范围内的费用")
_new = tuple.__new__  # a NamedTuple from a tuple of all its fields, without its Python-level __new__


class ResponsibilityResult(NamedTuple):
    """One responsibility's adjudication (fen). A NamedTuple: several are built per bill."""

    id: str
    name: str
    base: int
    deductible_applied: int
    ratio: Fraction
    payable: int
    reason_code: str
    explain: Callable[[], str]
    consumed: tuple[tuple[str, int], ...] = ()

    @property
    def reason(self) -> str:
        """Why this amount, in words (built on demand: the calculation never formats text)."""
        return self.explain()


class ProductResult(NamedTuple):
    """One product's adjudication (fen). A NamedTuple, like the responsibilities' results: one or more
    are built per bill."""

    product_id: str
    name: str
    insurer: str
    route: str
    priority: int
    version: int | None
    payable: int
    responsibilities: tuple[ResponsibilityResult, ...]
    accumulators_after: ProductAccumulators


def resolve_deductible(resp: Responsibility, person: Person, cov: Coverage) -> int:
    """The responsibility's annual deductible for this person (fen)."""
    rule = resp.deductible
    if person.insutype in rule.by_insutype:
        amount = rule.by_insutype[person.insutype]
    elif cov.pre_existing and rule.pre_existing is not None:
        amount = rule.pre_existing
    else:
        amount = rule.standard
    hist = rule.claim_history
    if hist is not None:
        amount -= hist.per_claim_free_year * max(0, cov.claim_free_years)
        if cov.claimed_last_year:
            amount += hist.claimed_last_year
        amount = min(hist.max, max(hist.min, amount))
    return amount


def resolve_ratio(rule: RatioRule, cov: Coverage, status: str) -> Fraction:
    """Standard/pre-existing ratio, replaced by the enrollment-year step reached, then by the
    cross-region status entry when the product has one."""
    pair: RatioPair = rule
    if rule.by_enrolled_years:
        years = max(1, cov.enrolled_years)
        for step in rule.by_enrolled_years:  # validated to be in increasing order of from_year
            if step.from_year <= years:
                pair = step
    if rule.cross_region and status in rule.cross_region:
        pair = rule.cross_region[status]
    return pair.for_class(cov.pre_existing)


def _covers_care(resp: Responsibility, med_type: str) -> bool:
    """Whether the responsibility's ``med_types`` scope (any / inpatient / outpatient / a list) takes this bill."""
    scope = resp.med_types
    if scope == "any":
        return True
    if isinstance(scope, list):
        return med_type in scope
    return care_setting(med_type) == scope  # Benefit is a StrEnum: "inpatient" / "outpatient"


def _eligibility(version: ProductVersion | None, cov: Coverage, bill: Bill, day: date) -> tuple[str, str] | None:
    """Why the whole product pays nothing on this bill, or ``None`` when it may pay."""
    if version is None:
        return "not_in_force", f"产品在 {day.isoformat()} 不在有效期内（未参保）"
    if (cov.enrolled_from and day < cov.enrolled_from) or (cov.enrolled_to and day > cov.enrolled_to):
        return "not_enrolled", f"就医日期 {day.isoformat()} 不在参保期间"
    if cov.enrolled_from and version.waiting_period_days and cov.enrolled_years <= 1:  # a renewal waits no more
        ends = cov.enrolled_from + timedelta(days=version.waiting_period_days)
        if day < ends:
            return "waiting_period", f"等待期内（{ends.isoformat()} 起保障）"
    for diagnosis in bill.diagnoses:
        for prefix in version.excluded_diagnoses:
            if diagnosis.upper().startswith(prefix.upper()):
                return "excluded_diagnosis", f"诊断 {diagnosis} 属责任免除"
    return None


_ALL_COLUMNS = tuple(range(len(COMPONENTS)))


def payable_cells(
    resp: Responsibility, rows: list[BurdenRow], lists_of: dict[str, str]
) -> tuple[list[tuple[int, int]], list[int]]:
    """Non-zero (row, column) cells of the burden this responsibility may pay from, and their amounts:
    every column of a row on a drug list it covers, none of a row on another list of its product, and
    the columns it covers of every other row."""
    columns, lists = resp.base_columns, resp.drug_lists_covered
    cells: list[tuple[int, int]] = []
    amounts: list[int] = []
    for r, row in enumerate(rows):
        drug_list = lists_of.get(row.code)  # type: ignore[arg-type]  # None (the ordinary row) is no key
        for c in columns if drug_list is None else _ALL_COLUMNS if drug_list in lists else ():
            amount = row.amounts[c]
            if amount:
                cells.append((r, c))
                amounts.append(amount)
    return cells, amounts


def take_from(
    pay: int, cells: list[tuple[int, int]], rows: list[BurdenRow], lists_of: dict[str, str]
) -> tuple[tuple[str, int], ...]:
    """Take ``pay`` from ``cells`` in proportion to what is left of each (largest remainder);
    returns what was taken per component (``drug_list:NAME`` for a drug-list row)."""
    if not pay:
        return ()
    if len(cells) == 1 and pay <= rows[cells[0][0]].amounts[cells[0][1]]:
        parts = [pay]  # what allocate gives for one cell (its weight ≥ pay ≥ 0), without the call
    else:
        parts = allocate(pay, [rows[r].amounts[c] for r, c in cells])
    taken: dict[str, int] = {}
    for i, (r, c) in enumerate(cells):  # parts[i] is the part of cells[i]
        part = parts[i]
        row = rows[r]
        row.amounts[c] -= part
        listed = lists_of.get(row.code)  # type: ignore[arg-type]  # None (the ordinary row) is no key
        name = COMPONENTS[c] if listed is None else f"drug_list:{listed}"
        taken[name] = taken.get(name, 0) + part
    return tuple(sorted(taken.items()))


def _explainer(
    code: str,
    base: int,
    applied: int,
    ratio: Fraction,
    computed: int,
    pay: int,
    deductible: int,
    open_ded: int,
    binding: str,
    status: str,
) -> Callable[[], str]:
    def explain() -> str:
        formula = f"({_Y(base)} − 免赔额 {_Y(applied)}) × {format_ratio(ratio)} = {_Y(computed)}"
        if code == "deductible_not_reached":
            return f"未达免赔额：费用 {_Y(base)}，免赔额 {_Y(deductible)} 尚余 {_Y(open_ded)}"
        if code == "ratio_zero":
            return f"{formula}：本情形下本责任不赔付（{status}）"
        if code == "cap_reached":
            return f"{formula}；受{binding}限制，赔付 {_Y(pay)}"
        return formula

    return explain


def adjudicate(
    product: Product,
    version: ProductVersion | None,
    cov: Coverage,
    person: Person,
    bill: Bill,
    day: date,
    status: str,
    rows: list[BurdenRow],
    owed_limit: int,
) -> ProductResult:
    """Adjudicate one product against the burden rows, consuming what it pays from them."""
    acc = cov.accumulators
    checks = version is None or cov.enrolled_from or cov.enrolled_to or bill.diagnoses  # else nothing to check
    blocked = _eligibility(version, cov, bill, day) if checks else None
    results: list[ResponsibilityResult] = []
    append = results.append
    new_acc: dict[str, ResponsibilityAccumulator] = dict(acc.responsibilities)
    paid_now: dict[str, int] = {}
    product_total = 0
    total_before = acc.total()
    responsibilities = version.responsibilities if version else product.versions[-1].responsibilities
    lists_of = version.list_of_code if version else {}
    med_type = bill.med_type
    for resp in responsibilities:
        if blocked is not None or version is None:
            code, text = blocked if blocked else ("not_in_force", "")
            append(_new(ResponsibilityResult, (resp.id, resp.name, 0, 0, resp.ratio.standard, 0, code,
                                               constant_text(text), ())))  # fmt: skip
            continue
        rule = resp.ratio
        if rule.by_enrolled_years or rule.cross_region:
            ratio = resolve_ratio(rule, cov, status)
        else:  # resolve_ratio of a plain standard / pre-existing pair
            ratio = rule.pre_existing if cov.pre_existing and rule.pre_existing is not None else rule.standard
        covered = resp.care_covered.get(med_type)
        if covered is None:
            covered = resp.care_covered[med_type] = _covers_care(resp, med_type)
        if not covered:
            explain = lambda: f"本责任不保障{MED_TYPES.get(med_type, med_type)}"  # noqa: E731
            append(_new(ResponsibilityResult, (resp.id, resp.name, 0, 0, ratio, 0, "med_type_not_covered", explain,
                                               ())))  # fmt: skip
            continue
        cells, amounts = payable_cells(resp, rows, lists_of)
        base = sum(amounts)
        if base == 0:  # nothing to pay from: no deductible used, nothing paid
            append(_new(ResponsibilityResult, (resp.id, resp.name, 0, 0, ratio, 0, "no_base", _NO_BASE, ())))
            continue
        racc = new_acc.get(resp.id, _NOTHING_YET)  # not yet updated: this responsibility's figures before the bill
        deductible = resolve_deductible(resp, person, cov)
        open_ded = max(0, deductible - racc.deductible_used)
        # a ratio of 0 means the product does not cover this care (e.g. Hainan R3 for unfiled care outside
        # the province): it pays nothing and the expense does not count towards its deductible either
        no_ratio = not ratio
        applied = 0 if no_ratio else min(open_ded, base)
        computed = apply_ratio(base - applied, ratio)
        limits = [("年度限额", max(0, resp.cap - racc.paid))]
        for shared in version.shared_caps:
            if resp.id in shared.responsibilities:
                used = sum(acc.of(m).paid + paid_now.get(m, 0) for m in shared.responsibilities)
                limits.append((f"共用限额 {shared.id}", max(0, shared.cap - used)))
        if version.person_cap is not None:
            limits.append(("个人累计限额", max(0, version.person_cap - total_before - product_total)))
        limits.append(("剩余个人负担", max(0, owed_limit - product_total)))
        pay = computed
        binding = ""
        for label, left in limits:
            if left < pay:
                pay, binding = left, label
        if applied == base:
            code = "deductible_not_reached"
        elif no_ratio:
            code = "ratio_zero"
        elif pay < computed:
            code = "cap_reached"
        else:
            code = "paid"
        explain = _explainer(code, base, applied, ratio, computed, pay, deductible, open_ded, binding, status)
        consumed = take_from(pay, cells, rows, lists_of)
        append(_new(ResponsibilityResult, (resp.id, resp.name, base, applied, ratio, pay, code, explain, consumed)))
        new_acc[resp.id] = _new(ResponsibilityAccumulator, (racc.deductible_used + applied, racc.paid + pay))
        paid_now[resp.id] = pay
        product_total += pay
    after = ProductAccumulators(
        responsibilities=tuple([(r.id, new_acc.get(r.id, _NOTHING_YET)) for r in responsibilities]),
        total_paid=total_before + product_total,
    )
    number = version.version if version else None
    return _new(ProductResult, (product.id, product.name, product.insurer, product.route, product.priority, number,
                                product_total, tuple(results), after))  # fmt: skip


def accept(
    product: Product,
    version: ProductVersion | None,
    cov: Coverage,
    rows: list[BurdenRow],
    owed_limit: int,
    claimed: ProductResult,
    med_type: str,
) -> ProductResult:
    """Accept an adjudication of ``product`` made elsewhere (the commercial platform, the insurer).

    Its responsibilities must be this version's, in order; each payment must fit what is left of the
    cells that responsibility may pay from, and together no more than the patient still owes. Each
    payment is taken from those cells exactly as :func:`adjudicate` takes it, so the products after
    this one see the same burden whichever side evaluated the rules. Raises :class:`InvalidInput`
    (field ``reply.…``) for an adjudication that does not fit.
    """
    if version is None or claimed.version != version.version:
        found = version.version if version else None
        raise InvalidInput("reply.version", f"is {claimed.version}, the version in force is {found}")
    ids = [r.id for r in version.responsibilities]
    if [r.id for r in claimed.responsibilities] != ids:
        raise InvalidInput("reply.responsibilities", f"must be {ids} in that order")
    if claimed.payable != sum(r.payable for r in claimed.responsibilities) or claimed.payable > owed_limit:
        raise InvalidInput("reply.payable", "does not add up, or exceeds what the patient owes")
    acc = cov.accumulators
    new_acc: dict[str, ResponsibilityAccumulator] = dict(acc.responsibilities)
    results: list[ResponsibilityResult] = []
    for resp, given in zip(version.responsibilities, claimed.responsibilities, strict=True):
        cells, amounts = payable_cells(resp, rows, version.list_of_code) if _covers_care(resp, med_type) else ([], [])
        room = sum(amounts)
        if min(given.payable, given.deductible_applied, given.base) < 0 or given.payable > room:
            raise InvalidInput(f"reply.responsibilities.{resp.id}", f"pays {given.payable} of {room} left")
        consumed = take_from(given.payable, cells, rows, version.list_of_code)
        results.append(given._replace(consumed=consumed))
        racc = acc.of(resp.id)
        new_acc[resp.id] = ResponsibilityAccumulator(
            racc.deductible_used + given.deductible_applied, racc.paid + given.payable
        )
    after = ProductAccumulators(
        responsibilities=tuple(
            (r.id, new_acc.get(r.id, ResponsibilityAccumulator())) for r in version.responsibilities
        ),
        total_paid=acc.total() + claimed.payable,
    )
    return ProductResult(
        product_id=product.id, name=product.name, insurer=product.insurer, route=product.route,
        priority=product.priority, version=version.version, payable=claimed.payable,
        responsibilities=tuple(results), accumulators_after=after,
    )  # fmt: skip
