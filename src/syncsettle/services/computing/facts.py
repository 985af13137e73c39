"""Refresh the claim facts (one use case, one transaction): add the settlements settled since the
last refresh, drop the reversed ones, and recompute the cross-region up-front share and the
products' cross-region status of the facts whose care was away (the engine's own functions, the
policy in force on the settlement's date)."""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.db import claim_facts as repo
from syncsettle.domain.settlement.cross_region import charges_upfront_share, classify, product_status
from syncsettle.domain.settlement.model import Bill, CrossRegion, Person
from syncsettle.money import apply_ratio
from syncsettle.services.platform import Platform


def _cross_region(p: Platform, row: dict[str, Any]) -> tuple[int, str]:
    cr = row["cross_region"]
    person = Person(
        psn_no=row["psn_no"], insutype=row["insutype"], psn_type=row["psn_type"],
        insured_region=row["insured_region"], cross_region=CrossRegion(**cr) if cr else None,
    )  # fmt: skip
    bill = Bill(row["med_type"], row["hospital_level"], row["treatment_region"], ())
    found = p.rules.policy_for(row["insured_region"], row["insutype"], row["setl_date"])
    selfpay = 0
    if found is not None:
        rules = found[1].cross_region
        status = classify(person, bill, emergency_counts_as_filed=rules.emergency_counts_as_filed)
        if charges_upfront_share(status) and rules.unfiled_selfpay_prop:
            selfpay = apply_ratio(int(row["inscp_scp_amt"]), rules.unfiled_selfpay_prop)
    return selfpay, product_status(person, bill)


def refresh(p: Platform) -> dict[str, int]:
    """Bring the claim facts up to date; returns how many were added and dropped."""
    with p.uow() as uow:
        conn = uow.conn
        dropped = repo.drop_reversed(conn)
        new_ids = repo.insert_new(conn)
        batch: list[dict[str, Any]] = []
        for setl_id, delta in repo.deltas(conn, new_ids):
            for product_id, resp_id, deductible, paid in (delta or {}).get("products", []):
                batch.append({"setl_id": setl_id, "product_id": product_id, "resp_id": resp_id,
                              "deductible_applied": int(deductible), "paid": int(paid)})  # fmt: skip
            if len(batch) >= 10_000:
                repo.add_products(conn, batch)
                batch = []
        repo.add_products(conn, batch)
        for row in repo.cross_region_rows(conn, new_ids):
            repo.set_cross_region(conn, row["setl_id"], *_cross_region(p, row))
        uow.commit()
    return {"added": len(new_ids), "dropped": dropped}
