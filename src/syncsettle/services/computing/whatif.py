"""A what-if replay as a job: replay, aggregate, release. Only aggregates leave: expected payout,
loss ratio at the premium, payout percentiles (read off fixed payout bands, never an individual's
amount), share of payout per responsibility, and the same for the product it would replace;
through :func:`release.release` (minimum cell, optional noise, budget, audit).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

import numpy as np
from sqlalchemy import Connection

from syncsettle.adapters.db.computing import replay_source as source
from syncsettle.domain.actuarial.postprocess import Consistency
from syncsettle.domain.rules.product import Product
from syncsettle.money import format_yuan, four
from syncsettle.services.computing import replay, replay_claims
from syncsettle.services.computing.actuarial import CLAIMS_SENSITIVITY, PAID_SENSITIVITY, Requester
from syncsettle.services.computing.release import AuditPort, Cell, release
from syncsettle.services.computing.replay_claims import Ints, Progress
from syncsettle.services.platform import Platform

PAYOUT_EDGES = (0, 10_000, 50_000, 100_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 50_000_000)
PERCENTILES = (50, 75, 90, 95, 99)


@dataclass(frozen=True)
class WhatIf:
    candidate: Product
    day_from: date
    day_to: date
    premium: int  # fen per covered person for the period
    replaces: str | None = None
    path: str = "vectorised"  # or "per_bill"
    region: str = ""  # an insured-region prefix: a regulator replays the population of its regions only


def _percentiles(payouts: Ints) -> dict[str, str | None]:
    """Each percentile as the upper edge of the fixed payout band it falls in ("≤ 5000.00")."""
    counts = np.bincount(np.searchsorted(PAYOUT_EDGES, payouts, side="left"), minlength=len(PAYOUT_EDGES) + 1)
    out: dict[str, str | None] = {}
    for pct in PERCENTILES:
        need, seen = Fraction(pct, 100) * len(payouts), 0
        out[f"p{pct}"] = None
        for i, c in enumerate(counts.tolist()):
            seen += c
            if len(payouts) and seen >= need:
                out[f"p{pct}"] = f"≤ {format_yuan(PAYOUT_EDGES[i])}" if i < len(PAYOUT_EDGES) else "> 500000.00"
                break
    return out


def _ratio(a: int, b: int) -> str | None:
    return four(a, b) if b else None


def covered_population(conn: Connection, w: WhatIf) -> tuple[int, str]:
    """The persons the premium is paid for, claimants or not, and where that count comes from.

    The premium is income per covered person, so the denominator is the enrolled population, never
    the persons who happen to have a settlement in the period (that overstates the loss ratio by the
    share of enrollees who never claim):

    - the persons enrolled during ``[day_from, day_to]`` in the product the candidate is priced
      against — ``replaces`` when given, else the candidate's own id (a new version of a product
      on sale) — ``"enrollments:<product>"``;
    - without ``replaces`` and with nobody enrolled under the candidate's id, the candidate is
      replayed over every insured person (see :mod:`replay_claims`), so the denominator is every
      person insured by ``day_to`` — ``"insured_persons"``.

    Both are restricted to the insured-region prefix ``w.region`` when one is set."""
    product = w.replaces or w.candidate.id
    enrolled = source.enrolled_persons(conn, product, w.day_from, w.day_to, w.region)
    if enrolled or w.replaces:
        return enrolled, f"enrollments:{product}"
    return source.insured_persons(conn, w.day_to, w.region), "insured_persons"


def run(p: Platform, w: WhatIf, requester: Requester, *, min_cell: int, epsilon: Fraction | None,
        audit: AuditPort | None = None, progress: Progress) -> dict[str, Any]:  # fmt: skip
    """Load the history, replay it (``w.path``), and release the aggregates."""
    started = time.perf_counter()
    claims = replay_claims.load(p, w.candidate, w.replaces, w.day_from, w.day_to, progress, w.region)
    if w.path == "per_bill":
        result = replay.per_bill(w.candidate, claims)
    else:
        result = replay.vectorised(w.candidate, claims, progress)
    out = summarise(p, w, claims, result, requester, min_cell=min_cell, epsilon=epsilon, audit=audit)
    progress(1.0)
    out["seconds"] = round(time.perf_counter() - started, 3)
    return out


def summarise(
    p: Platform, w: WhatIf, claims: replay_claims.Claims, result: replay.Payouts, requester: Requester,
    *, min_cell: int, epsilon: Fraction | None, audit: AuditPort | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The replay's aggregates, through the release gate (one transaction)."""
    keep = claims.in_period
    pays = result.payable[keep]
    payouts = pays[pays != 0]
    old_pays = claims.replaced_paid[keep]
    replaced = old_pays[old_pays != 0]
    version = w.candidate.version_on(w.day_to) or w.candidate.versions[-1]
    per_resp = [int(result.per_resp[keep, j].sum()) if j < result.per_resp.shape[1] else 0
                for j in range(len(version.responsibilities))]  # fmt: skip
    claimants = claims.persons(keep & (result.payable != 0))
    cells = [
        Cell(
            {"candidate": w.candidate.id, "period": f"{w.day_from}/{w.day_to}", "replaces": w.replaces or "*"},
            claimants,
            {
                "expected_payout": int(payouts.sum()),
                "claims": len(payouts),
                **{f"resp:{resp.id}": per_resp[j] for j, resp in enumerate(version.responsibilities)},
            },
            {
                "claims": CLAIMS_SENSITIVITY,
                "expected_payout": PAID_SENSITIVITY,
                **{f"resp:{resp.id}": PAID_SENSITIVITY for resp in version.responsibilities},
            },
            Consistency(
                totals={"expected_payout": tuple(f"resp:{resp.id}" for resp in version.responsibilities)},
                counted_by={"expected_payout": "claims"},
            ),
        )
    ]
    if w.replaces:
        cells.append(Cell({"product": w.replaces, "period": f"{w.day_from}/{w.day_to}"}, claimants,
                          {"paid": int(replaced.sum()), "claims": len(replaced)},
                          {"claims": CLAIMS_SENSITIVITY, "paid": PAID_SENSITIVITY},
                          Consistency(counted_by={"paid": "claims"})))  # fmt: skip
    with p.uow() as uow:
        covered, basis = covered_population(uow.conn, w)
        released = release(
            uow.conn, now=p.clock.now(), **requester.release_kwargs(), dataset=f"replay:{w.candidate.id}",
            cells=cells, min_cell=min_cell, epsilon=epsilon, audit=audit,
        )  # fmt: skip
        uow.commit()
    main = released[0]
    metrics = main["metrics"]
    income = w.premium * covered
    payout = metrics["expected_payout"]
    out: dict[str, Any] = {
        "candidate": w.candidate.id, "from": w.day_from.isoformat(), "to": w.day_to.isoformat(), "path": w.path,
        "settlements": int(keep.sum()), "covered_persons": covered, "covered_basis": basis,
        "premium_income": format_yuan(income),
        "suppressed": main["suppressed"], "claims": metrics["claims"],
        "expected_payout": format_yuan(payout) if payout is not None else None,
        "loss_ratio": _ratio(max(0, payout), income) if payout is not None else None,
        "percentiles": None if main["suppressed"] else _percentiles(payouts),
        "responsibility_share": None if main["suppressed"] or not payout else {
            resp.id: _ratio(max(0, metrics[f"resp:{resp.id}"]), max(1, payout)) for resp in version.responsibilities},
    }  # fmt: skip
    if w.replaces:
        old = released[1]["metrics"]
        out["replaces"] = {
            "product": w.replaces, "suppressed": released[1]["suppressed"], "claims": old["claims"],
            "paid": format_yuan(old["paid"]) if old["paid"] is not None else None,
            "loss_ratio": _ratio(max(0, old["paid"]), income) if old["paid"] is not None else None,
            "percentiles": None if released[1]["suppressed"] else _percentiles(replaced),
        }  # fmt: skip
    return out
