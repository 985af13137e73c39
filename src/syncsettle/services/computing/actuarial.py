"""Actuarial aggregates of a product's enrollees (or, with ``product=None``, of everyone in the
claim facts): enrollments, premium, claim count, paid amount, loss ratio, frequency and severity
by any of age band, sex, region, pre-existing class and month; and the distribution of what
patients still paid after basic insurance. Computed with set-based SQL in the medical-insurance
domain and released only through :func:`release.release` (minimum cell size, optional noise,
budget, audit).

Premium per cell = enrollees × the product's premium per enrollee: what the period's enrollments
were charged (``enrollments.premium``), unless ``product_premiums`` fixes a figure for the year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from itertools import pairwise
from typing import Any

from syncsettle.adapters.db.computing import actuarial_queries as q
from syncsettle.adapters.db.computing.actuarial_queries import AGE_BANDS, BURDEN_BANDS, DIMENSIONS
from syncsettle.domain.actuarial.postprocess import Consistency
from syncsettle.money import four, round_half_up
from syncsettle.services.computing.release import AuditPort, Cell, release
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

__all__ = ["AGE_BANDS", "BURDEN_BANDS", "DIMENSIONS", "Requester", "product_aggregates", "remainder_distribution"]
PAID_SENSITIVITY = 5_000_000  # fen: the most one person's claims are taken to move a sum of money (noise scale)
CLAIMS_SENSITIVITY = 10  # claims: the most one person is taken to add to a count of claims


@dataclass(frozen=True)
class Requester:
    """Who asks and why (for the audit record), and under which insurer's budget (``insurer``: the
    budget owner — an insurer id, or ``regulator:<region>``); ``tenant`` is whom the requester acts
    for when it is not the budget owner itself."""

    who: str
    role: str
    insurer: str
    purpose: str
    tenant: str = ""
    credential_id: str = ""

    def release_kwargs(self) -> dict[str, str]:
        """The requester's part of :func:`release.release`'s arguments."""
        return {"who": self.who, "role": self.role, "insurer": self.insurer, "purpose": self.purpose,
                "tenant": self.tenant, "credential_id": self.credential_id}  # fmt: skip


def _dims(by: list[str]) -> list[str]:
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise ServiceError(Code.FIELD, f"未知维度 {unknown}，可用 {list(DIMENSIONS)}", "by")
    return by


def product_aggregates(
    p: Platform, requester: Requester, product: str, day_from: date, day_to: date, by: list[str], *,
    min_cell: int = 10, epsilon: Fraction | None = None, audit: AuditPort | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The actuarial table of a product's enrollees, released cell by cell."""
    if product not in p.rules.products:
        raise ServiceError(Code.NOT_FOUND, f"产品 {product} 不存在", "product")
    with p.uow() as uow:
        claims = q.claims_by_cell(uow.conn, product, day_from, day_to, _dims(by))
        enrollees = q.enrollees_by_cell(uow.conn, product, day_from, day_to, by)
        premium = q.premium_per_enrollee(uow.conn, product, day_from, day_to)
        cells = []
        for key in sorted(set(claims) | set(enrollees)):
            claimants, count, paid = claims.get(key, [0, 0, 0])
            people = enrollees.get(key, 0)
            cells.append(
                Cell(
                    dict(zip(by, key, strict=True)) | {"product": product, "period": f"{day_from}/{day_to}"},
                    max(people, claimants),
                    {"enrollments": people, "claims": count, "paid": paid},
                    {"enrollments": 1, "claims": CLAIMS_SENSITIVITY, "paid": PAID_SENSITIVITY},
                    Consistency(counted_by={"paid": "claims"}),  # no money paid without a claim
                )
            )
        released = release(
            uow.conn, now=p.clock.now(), **requester.release_kwargs(), dataset=f"product:{product}", cells=cells,
            min_cell=min_cell, epsilon=epsilon, audit=audit,
        )  # fmt: skip
        uow.commit()
    return {"product": product, "by": by, "cells": [_ratios(c, premium) for c in released]}


def _ratios(cell: dict[str, Any], premium: int | None) -> dict[str, Any]:
    """Premium, loss ratio, frequency and severity (fen, half-up) from the released metrics — after
    post-processing when noisy, so never negative (docs/privacy.md)."""
    m = cell["metrics"]
    if cell["suppressed"]:
        return {**cell, "premium": None, "loss_ratio": None, "frequency": None, "severity": None}
    enrollees, claims, paid = max(0, m["enrollments"]), max(0, m["claims"]), max(0, m["paid"])
    income = enrollees * premium if premium is not None else None
    return {
        **cell,
        "premium": income,
        "loss_ratio": four(paid, income) if income else None,
        "frequency": four(claims, enrollees) if enrollees else None,
        "severity": round_half_up(paid, claims) if claims else None,
    }


def remainder_distribution(
    p: Platform, requester: Requester, product: str | None, day_from: date, day_to: date, *,
    min_cell: int = 10, epsilon: Fraction | None = None, audit: AuditPort | None = None, region_prefix: str = "",
) -> dict[str, Any]:  # fmt: skip
    """How many settlements (and distinct persons) left the patient each band of ``psn_part_amt``
    (what remained after basic insurance: total − public funds), for a product's enrollees or everyone
    (optionally only persons insured in regions starting with ``region_prefix``)."""
    edges = list(BURDEN_BANDS)
    with p.uow() as uow:
        rows = q.remainder_bands(uow.conn, day_from, day_to, product=product, region_prefix=region_prefix)
        cells = [
            Cell({"product": product or "*", "period": f"{day_from}/{day_to}", "band": str(i)}, rows.get(i, (0, 0))[0],
                 {"settlements": rows.get(i, (0, 0))[1]}, {"settlements": 10})
            for i in range(len(edges))
        ]  # fmt: skip
        released = release(
            uow.conn, now=p.clock.now(), **requester.release_kwargs(),
            dataset=f"remainder:{product or '*'}" + (f":{region_prefix}" if region_prefix else ""), cells=cells,
            min_cell=min_cell, epsilon=epsilon, audit=audit,
        )  # fmt: skip
        uow.commit()
    labels = [f"{lo // 100}-{hi // 100}" for lo, hi in pairwise(edges)] + [f"{edges[-1] // 100}+"]
    return {"bands_yuan": labels, "cells": released}
