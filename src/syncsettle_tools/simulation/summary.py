"""The demo's summary, read back from the database after the run (not from the simulation's own
tallies, so it shows what the platform recorded): settlements and reversals, amounts per payer net
of reversals — every public fund, every product with its insurer and route, the personal accounts,
cash — what each payer paid by its national field (``paid_by``: hifp, hifmi, hifob, cvlserv, maf, own
and family accounts, commercial, cash), the benefits beyond the pooled fund (holders and the
settlements that used them), pending legs by reason, quick claims, clearing, reconciliation and
statements.

Amounts are yuan strings; ``total = public_funds + commercial + personal_account + cash`` holds by
construction of every settlement (each one's shares add up to its total) and is checked here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from syncsettle.adapters.db.commercial import claims as claims_repo
from syncsettle.adapters.db.management import dashboards as repo
from syncsettle.adapters.db.management.dashboards import Scope
from syncsettle.domain.codes import FUND_PAY_TYPES
from syncsettle.money import format_yuan, parse_yuan
from syncsettle.services.clearing import revolving
from syncsettle.services.commercial import prefund
from syncsettle.services.platform import Platform
from syncsettle_tools.simulation import benefits
from syncsettle_tools.simulation.days import DayReport
from syncsettle_tools.simulation.products import OFFERS
from syncsettle_tools.simulation.world import World

PARTS = ("public_funds", "commercial", "personal_account", "cash")


class DoesNotAddUp(AssertionError):
    pass


def _claims(p: Platform) -> dict[str, Any]:
    with p.uow(readonly=True) as uow:
        rows = claims_repo.claims_where(uow.conn)
    status = Counter(str(r["status"]) for r in rows)
    reasons = Counter(str(r["reason_code"]) for r in rows if r["status"] == "pending")
    paid = sum(int(r["payable"] or 0) for r in rows if r["status"] == "settled")
    by_person = sum(
        1 for r in rows if r["status"] == "settled" and str(r.get("requested_by", "")).startswith("insured")
    )
    return {"pending_legs": len(rows), "quick_claims": status["settled"], "quick_claims_paid": format_yuan(paid),
            "claimed_by_person": by_person, "still_pending": status["pending"], "cancelled": status["cancelled"],
            "held_for_review": status["held"], "rejected_in_review": status["rejected"],
            "still_pending_by_reason": dict(sorted(reasons.items()))}  # fmt: skip


def _alerts(p: Platform) -> dict[str, int]:
    """Prefunding alerts raised during the run and those still open (a top-up resolves one)."""
    alerts = [a for a in prefund.alerts_of(p) if a["kind"] == prefund.ALERT]
    return {"raised": len(alerts), "open": sum(1 for a in alerts if a["open"])}


def summarize(world: World, days: Sequence[date], reports: Sequence[DayReport],
              statements: Sequence[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    p = world.platform
    since, until = days[0], days[-1]
    with p.uow(readonly=True) as uow:
        totals = repo.totals(uow.conn, Scope(), since, until)
        payers = repo.payer_totals(uow.conn, Scope(), since, until)
        benefit_counts = repo.benefit_counts(uow.conn, Scope(), since, until)
    if totals["total"] != sum(totals[k] for k in PARTS):
        raise DoesNotAddUp(f"total {totals['total']} ≠ the sum of {[totals[k] for k in PARTS]}")
    by_field = paid_by(payers)
    if totals["total"] != sum(_fen(v) for v in by_field.values()):
        raise DoesNotAddUp(f"total {totals['total']} ≠ the sum of what each payer paid {by_field}")
    funds = {r["payer"]: {"name": FUND_PAY_TYPES.get(r["payer"], r["payer"]), "settlements": int(r["settlements"]),
                          "amount": format_yuan(int(r["amount"]))}
             for r in payers if r["payer_kind"] == "fund"}  # fmt: skip
    paid = {str(r["payer"]).removeprefix("product:"): r for r in payers if r["payer_kind"] == "product"}
    legs = Counter[str]()
    for report in reports:
        legs.update(report.legs)
    products = {}
    for offer in OFFERS:
        pid, rule = offer.product_id, p.rules.products[offer.product_id]
        row = paid.get(pid, {"settlements": 0, "amount": 0})
        products[pid] = {"name": rule.name, "insurer": rule.insurer, "route": rule.route, "legs": legs[pid],
                         "settlements": int(row["settlements"]), "amount": format_yuan(int(row["amount"]))}  # fmt: skip
    kinds = {r["payer_kind"]: int(r["settlements"]) for r in payers if r["payer_kind"] in ("personal_account", "cash")}
    bedside = Counter[str]()
    for report in reports:
        bedside.update(report.pending)
    windows = [w for report in reports for w in report.windows]
    rec = Counter[str]()
    for report in reports:
        rec.update(report.reconciliation)
    return {
        "demo_year": since.year, "days": [d.isoformat() for d in days], "seed": world.seed,
        "persons": len(world.persons), "households": len(world.households), "hospitals": len(world.hospitals),
        "enrollments": sum(len(a.insured) for a in world.applications), "consents": world.consents,
        "settlements": totals["settlements"], "reversals": totals["reversals"],
        **{k: format_yuan(totals[k]) for k in ("total", *PARTS, "family_account")},
        "settlements_with": {"personal_account": kinds.get("personal_account", 0), "cash": kinds.get("cash", 0)},
        "funds": funds, "paid_by": by_field, "benefits": _benefits(world, benefit_counts, payers),
        "products": products,
        "pending_by_reason": dict(sorted(bedside.items())), **_claims(p), "prefund_alerts": _alerts(p),
        "interface_refusals": sum(len(r.refused) for r in reports),
        "clearing": {"windows": len(windows), "settled": sum(w["status"] == "SETTLED" for w in windows),
                     "instructions": sum(int(w["instructions"]) for w in windows),
                     "paid": format_yuan(sum(_fen(w["paid"]) for w in windows)),
                     "refunded": format_yuan(sum(_fen(w["refunded"]) for w in windows))},
        "revolving_funds": revolving.status(p),
        "reconciliation": dict(rec), "statements": list(statements),
        "incidents": {r.day.isoformat(): r.incidents for r in reports if r.incidents},
    }  # fmt: skip


# who paid, by the national setlinfo field: the pooled funds (职工 310100 and 居民 390100 together)
PAID_BY = {"310100": "hifp_pay", "390100": "hifp_pay", "390200": "hifmi_pay", "330100": "hifob_pay",
           "320100": "cvlserv_pay", "610100": "maf_pay", "999997": "oth_pay"}  # fmt: skip
FAMILY_PAYER = "acct_mulaid:"


def paid_by(payers: Sequence[dict[str, Any]]) -> dict[str, str]:
    """What each payer paid over the demo, net of reversals, by the national field it is reported in:
    the pooled fund (hifp), critical illness (hifmi), large expenses (hifob), civil-servant subsidy
    (cvlserv), medical assistance (maf), the persons' own accounts (acct_pay), family accounts
    (acct_mulaid_pay), commercial insurance (comm_pay) and cash (psn_cash_pay). They add up to the total."""
    out = dict.fromkeys(("hifp_pay", "hifmi_pay", "hifob_pay", "cvlserv_pay", "maf_pay", "oth_pay", "acct_pay",
                         "acct_mulaid_pay", "comm_pay", "psn_cash_pay"), 0)  # fmt: skip
    for r in payers:
        payer, kind, amount = str(r["payer"]), r["payer_kind"], int(r["amount"])
        if kind == "fund":
            out[PAID_BY.get(payer, "oth_pay")] += amount
        elif kind == "product":
            out["comm_pay"] += amount
        elif kind == "cash":
            out["psn_cash_pay"] += amount
        else:
            out["acct_mulaid_pay" if payer.startswith(FAMILY_PAYER) else "acct_pay"] += amount
    return {k: format_yuan(v) for k, v in out.items()}


def _benefits(world: World, counts: dict[str, int], payers: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The benefits beyond the pooled fund: how many people of the world hold each, and how many
    settlements used it."""
    people = world.persons
    used = {str(r["payer"]): int(r["settlements"]) for r in payers if r["payer_kind"] == "fund"}
    return {
        "holders": {kind: sum(benefits.has(p, kind) for p in people) for kind in benefits.KINDS},
        "settlements": {"cvlserv": used.get("320100", 0), "maf": used.get("610100", 0), **counts},
    }


def _fen(yuan: str) -> int:
    return parse_yuan(yuan, allow_negative=True)
