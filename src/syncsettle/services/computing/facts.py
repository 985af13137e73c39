"""Refresh the claim facts (one use case, one transaction): drop the reversed settlements, add the
settlements settled since the last refresh with their products' payments and the payments of quick
claims settled since (set-based SQL, nothing per row in Python), and recompute the cross-region
up-front share and the products' cross-region status of the new facts whose care was away (the
engine's own functions, the policy in force on the settlement's date). Only those few rows pass
through Python, and each distinct situation is classified once.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from syncsettle.adapters.db.computing import claim_facts as repo
from syncsettle.domain.settlement.cross_region import product_status, upfront_share
from syncsettle.domain.settlement.model import Bill, CrossRegion, Person
from syncsettle.money import apply_ratio
from syncsettle.services.platform import Platform


def _situation(p: Platform, row: dict[str, Any]) -> tuple[Fraction | None, str]:
    """(up-front self-pay proportion or None, product cross-region status) of one away settlement."""
    cr = row["cross_region"]
    person = Person(
        psn_no=row["psn_no"], insutype=row["insutype"], psn_type=row["psn_type"],
        insured_region=row["insured_region"], cross_region=CrossRegion(**cr) if cr else None,
    )  # fmt: skip
    bill = Bill(row["med_type"], row["hospital_level"], row["treatment_region"], ())
    found = p.rules.policy_for(row["insured_region"], row["insutype"], row["setl_date"])
    prop = None
    if found is not None:
        # the repeat-referral ladder needs the year's earlier referred admissions, which a fact row does
        # not carry: analytics take a referral's first-admission share (docs/engine-readings.md)
        share, _, _ = upfront_share(person, bill, found[1].cross_region, referrals_before=0, inpatient=False)
        prop = share or None
    return prop, product_status(person, bill)


def _situation_key(row: dict[str, Any]) -> tuple[Any, ...]:
    cr = row["cross_region"]
    day: date = row["setl_date"]
    return (row["insutype"], row["psn_type"], row["insured_region"], row["med_type"], row["hospital_level"],
            row["treatment_region"], day, repr(sorted(cr.items())) if cr else None)  # fmt: skip


def refresh(p: Platform) -> dict[str, int]:
    """Bring the claim facts up to date; returns how many facts were added and dropped and how many
    product rows quick claims added."""
    with p.uow() as uow:
        conn = uow.conn
        with repo.large_page_cache(conn):
            new = repo.begin_refresh(conn)
            dropped = repo.drop_reversed(conn)
            away: list[dict[str, Any]] = []
            added = 0
            if new:
                away = repo.away_rows(conn)
                repo.insert_new_products(conn)
                added = repo.insert_new(conn)
            claimed = repo.insert_claim_products(conn)  # quick claims settled since: new facts or old
        seen: dict[tuple[Any, ...], tuple[Fraction | None, str]] = {}
        updates = []
        for row in away:
            key = _situation_key(row)
            if key not in seen:
                seen[key] = _situation(p, row)
            prop, status = seen[key]
            selfpay = apply_ratio(int(row["inscp_scp_amt"]), prop) if prop else 0
            updates.append((row["setl_id"], selfpay, status))
        repo.set_cross_region(conn, updates)
        repo.end_refresh(conn, added)
        uow.commit()
    return {"added": added, "dropped": dropped, "claims": claimed}
