"""Set-based reads for the console's dashboards: volumes and amounts of ``settlements`` and
``settlement_shares`` by day, payer, insured region, hospital. Each read is one ``GROUP BY``
statement over a :class:`Scope` (all, a regulator's region, a hospital, a person) and a period of
business dates. Reversal rows carry negated amounts, so sums are net of reversals; counts keep
settlements and reversals apart by ``status``. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, and_, case, func, select

from syncsettle.adapters.db.core.schema import settlement_shares, settlements, visits

SETTLED = ("settled", "reversed")


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose settlements: ``region_prefix`` of the insured region (``"37"`` a province, ``"3706"`` a city,
    ``""`` everywhere), or one hospital, or one person."""

    region_prefix: str = ""
    hospital: str | None = None
    psn_no: str | None = None


def region_prefix(tenant: str) -> str:
    """The insured-region prefix a regulator tenant covers: ``*`` → all, ``370000`` → ``37``, ``370600`` → ``3706``."""
    if tenant == "*":
        return ""
    if tenant.endswith("0000"):
        return tenant[:2]
    if tenant.endswith("00"):
        return tenant[:4]
    return tenant


def _scoped(stmt: Select[Any], scope: Scope, since: date, until: date) -> Select[Any]:
    s = settlements.c
    stmt = stmt.where(s.setl_date >= since, s.setl_date <= until)
    if scope.hospital is not None:
        stmt = stmt.where(s.fixmedins_code == scope.hospital)
    if scope.psn_no is not None:
        stmt = stmt.where(s.psn_no == scope.psn_no)
    if scope.region_prefix:
        stmt = stmt.join(visits, visits.c.mdtrt_id == s.mdtrt_id).where(
            visits.c.insuplc_admdvs.like(f"{scope.region_prefix}%")
        )
    return stmt


def totals(conn: Connection, scope: Scope, since: date, until: date) -> dict[str, int]:
    s = settlements.c
    stmt = select(
        func.coalesce(func.sum(case((s.status.in_(SETTLED), 1), else_=0)), 0).label("settlements"),
        func.coalesce(func.sum(case((s.status == "reversal", 1), else_=0)), 0).label("reversals"),
        func.coalesce(func.sum(s.medfee_sumamt), 0).label("total"),
        func.coalesce(func.sum(s.fund_pay_sumamt), 0).label("public_funds"),
        func.coalesce(func.sum(s.commercial_sumamt), 0).label("commercial"),
        func.coalesce(func.sum(s.acct_pay + s.acct_mulaid_pay), 0).label("personal_account"),
        func.coalesce(func.sum(s.acct_mulaid_pay), 0).label("family_account"),
        func.coalesce(func.sum(s.psn_cash_pay), 0).label("cash"),
    ).select_from(settlements)
    row = conn.execute(_scoped(stmt, scope, since, until)).mappings().one()
    return {k: int(v) for k, v in row.items()}


def benefit_counts(conn: Connection, scope: Scope, since: date, until: date) -> dict[str, int]:
    """Settlements (not reversals) that used a benefit beyond the pooled fund: 门慢 / 门特 (the
    settlement's ``benefit``), family accounts (``acct_mulaid_pay``), care away from the insured region
    (the visit's two regions differ), and inpatient stays on a referral filing (the settlement added
    to the year's ``referrals``)."""
    s, v = settlements.c, visits.c
    settled = s.status.in_(SETTLED)

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((and_(settled, condition), 1), else_=0)), 0)

    stmt = select(
        count(s.benefit == "chronic").label("chronic_outpatient"),
        count(s.benefit == "special").label("special_outpatient"),
        count(s.acct_mulaid_pay > 0).label("family_account"),
        count(v.mdtrtarea_admvs != v.insuplc_admdvs).label("cross_region"),
    ).select_from(settlements.join(visits, v.mdtrt_id == s.mdtrt_id))
    stmt = stmt.where(s.setl_date >= since, s.setl_date <= until)
    if scope.hospital is not None:
        stmt = stmt.where(s.fixmedins_code == scope.hospital)
    if scope.psn_no is not None:
        stmt = stmt.where(s.psn_no == scope.psn_no)
    if scope.region_prefix:
        stmt = stmt.where(v.insuplc_admdvs.like(f"{scope.region_prefix}%"))
    found = {k: int(n) for k, n in conn.execute(stmt).mappings().one().items()}
    deltas = select(s.accumulator_delta).where(settled, s.setl_date >= since, s.setl_date <= until)
    found["referral"] = sum(
        1 for (delta,) in conn.execute(_scoped(deltas, scope, since, until)) if delta["basic"].get("referrals", 0) > 0
    )
    return found


def daily_by_payer(conn: Connection, scope: Scope, since: date, until: date, kind: str | None = None
                   ) -> list[dict[str, Any]]:  # fmt: skip
    """``{day, key, amount}`` in fen per business date: ``key`` is the payer kind (``fund``, ``product``,
    ``personal_account``, ``cash``), or with ``kind`` the payers of that kind (a fund type, ``product:<id>``)."""
    s, sh = settlements.c, settlement_shares.c
    key = sh.payer_kind if kind is None else sh.payer
    stmt = (
        select(s.setl_date.label("day"), key.label("key"), func.sum(sh.amount).label("amount"))
        .select_from(settlements.join(settlement_shares, sh.setl_id == s.setl_id))
        .group_by(s.setl_date, key)
        .order_by(s.setl_date, key)
    )
    if kind is not None:
        stmt = stmt.where(sh.payer_kind == kind)
    return [dict(r) for r in conn.execute(_scoped(stmt, scope, since, until)).mappings()]


def payer_totals(conn: Connection, scope: Scope, since: date, until: date) -> list[dict[str, Any]]:
    """``{payer, payer_kind, settlements, amount}`` per payer over the period: how many settlements it
    paid a share of (reversals not counted) and the amount in fen, net of reversals."""
    s, sh = settlements.c, settlement_shares.c
    stmt = (
        select(sh.payer, sh.payer_kind, func.sum(case((s.status.in_(SETTLED), 1), else_=0)).label("settlements"),
               func.sum(sh.amount).label("amount"))
        .select_from(settlements.join(settlement_shares, sh.setl_id == s.setl_id))
        .group_by(sh.payer, sh.payer_kind)
        .order_by(sh.payer_kind, sh.payer)
    )  # fmt: skip
    return [dict(r) for r in conn.execute(_scoped(stmt, scope, since, until)).mappings()]


def daily_counts(conn: Connection, scope: Scope, since: date, until: date) -> list[dict[str, Any]]:
    """``{day, settlements, reversals}`` per business date."""
    s = settlements.c
    stmt = (
        select(s.setl_date.label("day"),
               func.sum(case((s.status.in_(SETTLED), 1), else_=0)).label("settlements"),
               func.sum(case((s.status == "reversal", 1), else_=0)).label("reversals"))
        .select_from(settlements)
        .group_by(s.setl_date)
        .order_by(s.setl_date)
    )  # fmt: skip
    return [dict(r) for r in conn.execute(_scoped(stmt, scope, since, until)).mappings()]


def daily_by_region(conn: Connection, scope: Scope, since: date, until: date) -> list[dict[str, Any]]:
    """``{day, key, amount}``: the medical fees of each business date by the visit's insured region."""
    s, v = settlements.c, visits.c
    stmt = (
        select(s.setl_date.label("day"), v.insuplc_admdvs.label("key"), func.sum(s.medfee_sumamt).label("amount"))
        .select_from(settlements.join(visits, v.mdtrt_id == s.mdtrt_id))
        .where(s.setl_date >= since, s.setl_date <= until, v.insuplc_admdvs.like(f"{scope.region_prefix}%"))
        .group_by(s.setl_date, v.insuplc_admdvs)
        .order_by(s.setl_date, v.insuplc_admdvs)
    )
    if scope.hospital is not None:
        stmt = stmt.where(s.fixmedins_code == scope.hospital)
    if scope.psn_no is not None:
        stmt = stmt.where(s.psn_no == scope.psn_no)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def daily_reconciliation_basis(conn: Connection, hospital: str, since: date, until: date) -> list[dict[str, Any]]:
    """A hospital's figures per day, insutype and clearing type, as 3201 totals them (net of reversals)."""
    s = settlements.c
    stmt = (
        select(s.setl_date.label("day"), s.insutype, s.clr_type, func.count().label("rows"),
               func.sum(s.medfee_sumamt).label("medfee_sumamt"), func.sum(s.fund_pay_sumamt).label("fund_pay_sumamt"),
               func.sum(s.acct_pay).label("acct_pay"))
        .where(s.fixmedins_code == hospital, s.setl_date >= since, s.setl_date <= until)
        .group_by(s.setl_date, s.insutype, s.clr_type)
        .order_by(s.setl_date.desc(), s.insutype, s.clr_type)
    )  # fmt: skip
    return [dict(r) for r in conn.execute(stmt).mappings()]


def settlement_page(conn: Connection, scope: Scope, since: date, until: date, *, status: tuple[str, ...],
                    limit: int, before: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Settlement rows of the scope, newest first, ``limit`` at a time (keyset on ``created_at, setl_id``)."""
    s = settlements.c
    cols = [s.setl_id, s.mdtrt_id, s.psn_no, s.fixmedins_code, s.insutype, s.med_type, s.setl_time, s.status,
            s.reverses, s.reversed_by, s.medfee_sumamt, s.fund_pay_sumamt, s.commercial_sumamt, s.acct_pay,
            s.psn_cash_pay, s.output]  # fmt: skip
    stmt = select(*cols).select_from(settlements).where(s.status.in_(status))
    if before:
        anchor = select(s.setl_time).where(s.setl_id == before).scalar_subquery()
        stmt = stmt.where((s.setl_time < anchor) | and_(s.setl_time == anchor, s.setl_id < before))
    stmt = _scoped(stmt, scope, since, until).order_by(s.setl_time.desc(), s.setl_id.desc()).limit(limit)
    return [dict(r) for r in conn.execute(stmt).mappings()]
