"""An insurer's own figures by month and product (商保总览): enrollments in force, earned premium,
claims — legs paid at the bedside and quick claims (快赔) paid later — paid amount and loss ratio.

Only the insurer's own contract and adjudication data are counted, never a person's medical data:
enrollments as the insurer's API lists them (product, term, premium, refund; no personal fields),
quick claims through :func:`claims.claims_of` (what ``GET /api/insurer/claims`` shows), and the
bedside legs as the amounts its products paid (the lines of its monthly statement, summed).

- Months are calendar months of the settlement's business date (China time), ``YYYY-MM``.
- An enrollment is in force in a month when its term ``begndate..enddate`` overlaps it. Its earned
  premium there is its net premium (premium − refund) times the days of the term in that month over
  the days of the whole term, in fen, rounded half-up per enrollment and month (so a month's figure
  may differ from the exact pro-rata share by < 1 fen per enrollment).
- Claims and paid amounts are net of reversals (a reversed bedside leg counts −1 and its negated amount).
- Loss ratio = paid / earned premium, four decimals half-up; none without premium.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.commercial import enrollments as enrollments_repo
from syncsettle.adapters.db.commercial import insurer_figures as repo
from syncsettle.domain.identity import Principal, Role
from syncsettle.money import four, parse_yuan, round_half_up
from syncsettle.services.commercial import claims, filings
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

FIGURES = ("enrollments", "premium", "bedside_legs", "bedside_paid", "quick_claims", "quick_paid")


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """One month of one product; amounts in fen."""

    month: str
    product_id: str
    enrollments: int = 0
    premium: int = 0
    bedside_legs: int = 0
    bedside_paid: int = 0
    quick_claims: int = 0
    quick_paid: int = 0

    @property
    def claims(self) -> int:
        return self.bedside_legs + self.quick_claims

    @property
    def paid(self) -> int:
        return self.bedside_paid + self.quick_paid

    @property
    def loss_ratio(self) -> str | None:
        return four(self.paid, self.premium) if self.premium > 0 else None


@dataclass(frozen=True, slots=True)
class InsurerFigures:
    insurer: str
    months: list[str]  # YYYY-MM, oldest first
    products: dict[str, str]  # product id → name
    rows: list[MonthFigures] = field(default_factory=list)

    def by_month(self) -> list[MonthFigures]:
        """All products summed per month (every month of the period, zeros included)."""
        return [_sum(m, "*", [r for r in self.rows if r.month == m]) for m in self.months]

    def by_product(self) -> list[MonthFigures]:
        """The whole period per product (enrollments: in force at the period's last month)."""
        last = self.months[-1]
        out = []
        for pid in self.products:
            mine = [r for r in self.rows if r.product_id == pid]
            total = _sum("*", pid, mine)
            enrolled = sum(r.enrollments for r in mine if r.month == last)
            out.append(MonthFigures("*", pid, enrolled, *(getattr(total, f) for f in FIGURES[1:])))
        return out

    def total(self) -> MonthFigures:
        by_product = self.by_product()
        return MonthFigures("*", "*", *(sum(getattr(r, f) for r in by_product) for f in FIGURES))


def _sum(month: str, product_id: str, rows: list[MonthFigures]) -> MonthFigures:
    return MonthFigures(month, product_id, *(sum(getattr(r, f) for r in rows) for f in FIGURES))


def months_back(until: date, count: int) -> list[tuple[date, date]]:
    """The ``count`` calendar months ending with ``until``'s month, oldest first: ``(first, last)`` days."""
    out = []
    year, mon = until.year, until.month
    for _ in range(count):
        out.append((date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1])))
        year, mon = (year, mon - 1) if mon > 1 else (year - 1, 12)
    return out[::-1]


def earned(premium: int, begin: date, end: date, month: tuple[date, date]) -> int:
    """Fen of ``premium`` earned in ``month`` by a term ``begin..end`` (both days covered), half-up."""
    lo, hi = max(begin, month[0]), min(end, month[1])
    if hi < lo or end < begin:
        return 0
    return round_half_up(premium * ((hi - lo).days + 1), (end - begin).days + 1)


def product_ids(p: Platform, actor: Principal) -> dict[str, str]:
    """The insurer's products — those it filed, and unfiled rule files naming it — id → name."""
    mine = {r["product_id"] for r in filings.listing(p, actor)}
    mine |= {pid for pid, rule in p.rules.products.items() if rule.insurer == actor.tenant}
    return {pid: (p.rules.products[pid].name if pid in p.rules.products else pid) for pid in sorted(mine)}


def figures(p: Platform, actor: Principal, months: int = 12) -> InsurerFigures:
    """The insurer's figures over the last ``months`` calendar months up to today (platform clock)."""
    if actor.role is not Role.INSURER:
        raise ServiceError(Code.FORBIDDEN, "仅限商保机构")
    spans = months_back(business_date(p.clock.now()), months)
    labels = [f"{a.year:04d}-{a.month:02d}" for a, _ in spans]
    products = product_ids(p, actor)
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    with p.uow(readonly=True) as uow:
        enrolled = enrollments_repo.of_insurer(uow.conn, actor.tenant)
        bedside = repo.monthly_bedside(uow.conn, list(products), spans[0][0], spans[-1][1])
    for row in enrolled:
        products.setdefault(row["product_id"], row["product_id"])
        net = int(row["premium"]) - int(row["refund"])
        for label, span in zip(labels, spans, strict=True):
            if row["begndate"] <= span[1] and row["enddate"] >= span[0]:
                cell = cells[label, row["product_id"]]
                cell["enrollments"] += 1
                cell["premium"] += earned(net, row["begndate"], row["enddate"], span)
    for b in bedside:
        cell = cells[f"{b['month'] // 100:04d}-{b['month'] % 100:02d}", b["product_id"]]
        cell["bedside_legs"] += b["legs"]
        cell["bedside_paid"] += b["paid"]
    window = (spans[0][0].isoformat(), (spans[-1][1] + timedelta(days=1)).isoformat())
    for c in claims.claims_of(p, insurer_id=actor.tenant, shown=claims.for_insurer):
        if c["status"] == "settled" and window[0] <= c["setl_date"] < window[1] and c["payable"] is not None:
            cell = cells[c["setl_date"][:7], c["product_id"]]
            cell["quick_claims"] += 1
            cell["quick_paid"] += parse_yuan(c["payable"])
    rows = [MonthFigures(m, pid, **values) for (m, pid), values in sorted(cells.items())]
    return InsurerFigures(actor.tenant, labels, products, rows)
