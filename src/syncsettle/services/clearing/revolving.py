"""周转金 use cases: the revolving fund an insured region advances to a treatment region, drawn by
the treatment region's payments for cross-region settlements and topped back up to its level by
each month's settlement with the insured region (rules: :mod:`syncsettle.domain.clearing.revolving`,
tables: :mod:`syncsettle.adapters.db.clearing.revolving`). One use case, one transaction.

- :func:`advance`: the insured region advances money (opens the fund; default amount: the level
  its last three closed months of cross-region payments call for, at least 100,000.00).
- :func:`draw`: book a draw for every cross-region settlement and reversal since the fund opened
  not yet drawn (set-based).
- :func:`run`: settle a closed month with the insured region: draw what is left, then top the fund
  up to the month's level (one ``top_up`` entry and one period row; running it again returns it).
- :func:`reconcile`: the fund's draws of a month against the month's cross-region settlements;
  every difference becomes a discrepancy (source ``revolving``).
- :func:`status`: each fund's balance, level, required top-up, warning and undrawn settlements.

Money is fen inside and yuan strings in what these return.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.clearing import revolving as repo
from syncsettle.domain.clearing import revolving as rules
from syncsettle.domain.clearing.reconciliation import mismatches
from syncsettle.domain.identity import region_covers
from syncsettle.money import format_yuan
from syncsettle.services.clearing.discrepancies import record_findings
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.ids import new_id
from syncsettle.services.platform import Platform

SOURCE = "revolving"


def _pair(insured: str, treatment: str) -> None:
    for name, value in (("insured_region", insured), ("treatment_region", treatment)):
        if len(value) != 6 or not value.isascii() or not value.isdigit():
            raise ServiceError(Code.FIELD, f"{name} 须为 6 位行政区划代码", name)
    if insured == treatment:
        raise ServiceError(Code.FIELD, "参保地与就医地相同，不是异地就医", "treatment_region")


def _party(insured: str, treatment: str) -> str:
    return f"{insured}>{treatment}"


def _closed_months(today: date, n: int) -> list[date]:
    """The first days of the ``n`` last months that ended before ``today``, oldest first."""
    return rules.previous_months(today.replace(day=1) - timedelta(days=1), n)


def advance(p: Platform, insured: str, treatment: str, amount: int | None, actor: str) -> dict[str, Any]:
    """The insured region advances ``amount`` fen to the treatment region (the fund opens on the
    first advance). Without an amount: what brings the fund to the level its last three closed
    months of cross-region payments call for (the opening advance of a new pair is the minimum)."""
    _pair(insured, treatment)
    if not actor:
        raise ServiceError(Code.FIELD, "预付周转金须注明操作人", "actor")
    if amount is not None and amount <= 0:
        raise ServiceError(Code.FIELD, "预付金额须大于零", "amount")
    now = p.clock.now()
    today = business_date(now)
    with p.uow() as uow:
        conn = uow.conn
        months = _closed_months(today, rules.LEVEL_MONTHS)
        history = repo.owed_by_month(conn, insured, treatment, months[0], rules.month_end(months[-1]))
        target = rules.level([history.get(m, 0) for m in months])
        found = repo.fund(conn, insured, treatment, lock=True)
        if found is None:
            repo.open_fund(conn, insured, treatment, target, today, now)
            current = 0
        else:
            current = int(found["balance"])
        give = amount if amount is not None else rules.required_top_up(current, target)
        if give <= 0:
            raise ServiceError(
                Code.STATE, f"周转金余额 {format_yuan(current)} 已达额度 {format_yuan(target)}", "amount"
            )
        repo.book(conn, insured, treatment, rules.Kind.ADVANCE, new_id("RA"), give, today, now, actor)
        uow.commit()
    return status(p, insured=insured, treatment=treatment)[0] | {"advanced": format_yuan(give)}


def draw(p: Platform, through: date | None = None, insured: str | None = None,
         treatment: str | None = None, actor: str = "system") -> dict[str, Any]:  # fmt: skip
    """Draw every fund (or the one pair) for its cross-region settlements up to ``through`` (default:
    today's business date) not drawn yet. Returns how many and the fen they paid."""
    now = p.clock.now()
    day = through or business_date(now)
    count = paid = 0
    with p.uow() as uow:
        for f in repo.funds(uow.conn):
            if (insured and f["insured_region"] != insured) or (treatment and f["treatment_region"] != treatment):
                continue
            repo.fund(uow.conn, f["insured_region"], f["treatment_region"], lock=True)  # one drawer per fund
            n, amount = repo.draw(uow.conn, f["insured_region"], f["treatment_region"], f["opened_on"], day, now, actor)
            count, paid = count + n, paid - amount
        uow.commit()
    return {"through": day.isoformat(), "drawn": count, "paid": format_yuan(paid)}


def run(p: Platform, insured: str, treatment: str, month: date, actor: str) -> dict[str, Any]:
    """Settle ``month`` (a closed month) of the pair with its insured region: draw the month's
    remaining cross-region settlements, then book the top-up that brings the balance at the month's
    end to the month's level. Months settle in order; settling one again returns the stored result."""
    _pair(insured, treatment)
    if not actor:
        raise ServiceError(Code.FIELD, "周转金清算须注明操作人", "actor")
    first = rules.month_start(month)
    last = rules.month_end(first)
    now = p.clock.now()
    if last >= business_date(now):
        raise ServiceError(Code.STATE, f"{first:%Y-%m} 尚未结束，不能清算", "month")
    with p.uow() as uow:
        conn = uow.conn
        found = repo.fund(conn, insured, treatment, lock=True)
        if found is None:
            raise ServiceError(Code.NOT_FOUND, f"{insured} 未向 {treatment} 预付周转金", "insured_region")
        stored = repo.period(conn, insured, treatment, first)
        if stored is not None:
            return _period_view(stored) | {"settled_now": False}
        latest = repo.latest_period(conn, insured, treatment)
        if latest is not None and latest["month"] > first:
            raise ServiceError(Code.STATE, f"{latest['month']:%Y-%m} 已清算，不能再清算更早的 {first:%Y-%m}", "month")
        repo.draw(conn, insured, treatment, found["opened_on"], last, now, actor)
        months = rules.previous_months(first, rules.LEVEL_MONTHS)
        paid = repo.paid_by_month(conn, insured, treatment, months[0], last)
        settled = rules.settlement_of(first, [paid.get(m, 0) for m in months],
                                      repo.balance_through(conn, insured, treatment, last))  # fmt: skip
        entry = settled.entry()
        if entry.amount:
            repo.book(conn, insured, treatment, entry.kind, entry.ref, entry.amount, entry.day, now, actor)
        repo.set_level(conn, insured, treatment, settled.level, now)
        row = {"insured_region": insured, "treatment_region": treatment, "month": first, "paid": settled.paid,
               "balance_before": settled.balance_before, "level": settled.level, "top_up": settled.top_up,
               "settled_at": now, "settled_by": actor}  # fmt: skip
        repo.add_period(conn, row)
        uow.commit()
    return _period_view(row) | {"settled_now": True}


def reconcile(p: Platform, insured: str, treatment: str, month: date) -> dict[str, Any]:
    """The pair's draws valued in ``month`` against the month's cross-region settlements, by setl_id.
    Each difference (``missing_draw``, ``draw_without_settlement``, ``amount_differs``) is recorded
    once as a discrepancy (source ``revolving``, party ``<insured>><treatment>``, scope ``YYYY-MM``)."""
    _pair(insured, treatment)
    first = rules.month_start(month)
    last = rules.month_end(first)
    now = p.clock.now()
    with p.uow() as uow:
        conn = uow.conn
        found = repo.fund(conn, insured, treatment)
        if found is None:
            raise ServiceError(Code.NOT_FOUND, f"{insured} 未向 {treatment} 预付周转金", "insured_region")
        since = max(first, found["opened_on"])  # settlements before the fund opened were never its to pay
        findings = rules.reconcile_draws(repo.drawn(conn, insured, treatment, first, last),
                                         repo.owed(conn, insured, treatment, since, last))  # fmt: skip
        differing = record_findings(conn, SOURCE, _party(insured, treatment), f"{first:%Y-%m}", findings, now)
        uow.commit()
    return {
        "insured_region": insured, "treatment_region": treatment, "month": f"{first:%Y-%m}",
        "settlements": len(findings), "matched": len(findings) - differing, "mismatched": differing,
        "differences": [
            {"setl_id": f.key, "reason": f.reason, "detail": f.detail,
             "drawn": None if f.ours is None else format_yuan(f.ours),
             "owed": None if f.theirs is None else format_yuan(f.theirs)}
            for f in mismatches(findings)
        ],
    }  # fmt: skip


def status(p: Platform, *, insured: str | None = None, treatment: str | None = None,
           scope: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Every fund (or one pair; ``scope``: a regulator's region scope, funds whose insured or
    treatment region it covers): balance, level, the top-up that would restore the level now,
    whether the balance is below the warning line, the last month settled and what is not drawn yet."""
    today = business_date(p.clock.now())
    out = []
    with p.uow(readonly=True) as uow:
        conn = uow.conn
        for f in repo.funds(conn):
            i, t = f["insured_region"], f["treatment_region"]
            if (insured and i != insured) or (treatment and t != treatment):
                continue
            if scope is not None and not (region_covers(scope, i) or region_covers(scope, t)):
                continue
            count, owed = repo.pending(conn, i, t, f["opened_on"], today)
            latest = repo.latest_period(conn, i, t)
            bal, lvl = int(f["balance"]), int(f["level"])
            out.append({
                "insured_region": i, "treatment_region": t, "balance": format_yuan(bal), "level": format_yuan(lvl),
                "required_top_up": format_yuan(rules.required_top_up(bal, lvl)),
                "below_warning": rules.below_warning(bal, lvl),
                "last_settled": f"{latest['month']:%Y-%m}" if latest else None,
                "undrawn_settlements": count, "undrawn": format_yuan(owed),
            })  # fmt: skip
    if (insured or treatment) and not out:
        raise ServiceError(Code.NOT_FOUND, f"{insured} 未向 {treatment} 预付周转金", "insured_region")
    return out


def ledger(p: Platform, insured: str, treatment: str, limit: int = 100) -> list[dict[str, Any]]:
    """The pair's latest ledger entries, newest first (amounts in yuan)."""
    with p.uow(readonly=True) as uow:
        rows = repo.entries(uow.conn, insured, treatment, limit)
    return [{"kind": r["kind"], "ref": r["ref"], "amount": format_yuan(int(r["amount"])),
             "value_date": r["value_date"].isoformat(), "actor": r["actor"]} for r in rows]  # fmt: skip


def _period_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "insured_region": row["insured_region"], "treatment_region": row["treatment_region"],
        "month": f"{row['month']:%Y-%m}", "paid": format_yuan(int(row["paid"])),
        "balance_before": format_yuan(int(row["balance_before"])), "level": format_yuan(int(row["level"])),
        "top_up": format_yuan(int(row["top_up"])),
        "balance_after": format_yuan(int(row["balance_before"]) + int(row["top_up"])),
    }  # fmt: skip
