"""Who may ask the computing centre for what: thin wrappers over the actuarial aggregates
(:mod:`actuarial`) and the what-if replay (:mod:`whatif`) for the insurer and regulator APIs.

- An insurer asks about its own products only (filed by it, or, unfiled, whose rule file names it),
  under its own privacy budget (budget owner = its id); a candidate it replays must name it as
  the insurer, and the product it would replace must be its own.
- A regulator asks about a candidate population — the persons insured in its regions (replay and
  remainder distribution; the national scope ``*`` sees everyone) — under the budget
  ``regulator:<its scope>``.
- The minimum cell size is the platform's (:data:`MIN_CELL`); a caller may ask for a larger one,
  never a smaller one. Every release is an audited ``export`` (:func:`release.release`).

A replay runs as a background job owned by the budget owner; only that owner reads it back.
"""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from typing import Any

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.commercial.filings import product_owner
from syncsettle.adapters.db.management.dashboards import region_prefix
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.computing import actuarial, facts, jobs, release, whatif
from syncsettle.services.computing.actuarial import Requester
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform
from syncsettle.services.product_files import parse_content

MIN_CELL = release.MIN_CELL  # distinct persons: the smallest population an aggregate cell may describe


def owner_of(actor: Principal) -> str:
    """Whose privacy budget and jobs: the insurer's id, or ``regulator:<scope>``."""
    if actor.role is Role.INSURER:
        return actor.tenant
    if actor.role is Role.REGULATOR:
        return f"regulator:{actor.tenant}"
    raise ServiceError(Code.FORBIDDEN, "只有商保机构与医保部门可申请精算数据")


def requester(actor: Principal, purpose: str) -> Requester:
    return Requester(actor.name or actor.credential_id, actor.role.value, owner_of(actor), purpose, actor.tenant,
                     actor.credential_id)  # fmt: skip


def min_cell(asked: int | None) -> int:
    return max(MIN_CELL, asked or MIN_CELL)


MAX_EPSILON = Fraction(10)  # ε above 10 is no privacy at all; 1e308 was accepted (and a 500)
# ASCII digits only, short: Fraction() alone takes "٣", "1e999999999" (a billion-digit integer) and more
_EPSILON = re.compile(r"-?(?:[0-9]{1,6}(?:\.[0-9]{1,12})?|[0-9]{1,12}/[0-9]{1,12})\Z")


def epsilon_of(text: str | None) -> Fraction | None:
    """A decimal or fraction string in (0, 10] (``"0.5"``, ``"1/2"``), or none for no noise."""
    if not text:
        return None
    wrong = ServiceError(Code.FIELD, f"epsilon 须为 (0, {MAX_EPSILON}] 之间的小数或分数，不是 {text[:40]!r}", "epsilon")
    if not _EPSILON.match(text.strip()):
        raise wrong
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise wrong from None
    if value <= 0:
        raise ServiceError(Code.FIELD, "epsilon 须大于 0", "epsilon")
    if value > MAX_EPSILON:
        raise ServiceError(Code.FIELD, f"epsilon 须在 (0, {MAX_EPSILON}] 之间", "epsilon")
    return value


def _own_product(p: Platform, actor: Principal, product: str, field: str) -> None:
    """403 unless ``product`` is the insurer's (the insurer that filed it, else the one its rule file
    names); 404 if unknown."""
    if product not in p.rules.products:
        raise ServiceError(Code.NOT_FOUND, f"产品 {product} 不存在", field)
    with p.uow(readonly=True) as uow:
        owner = product_owner(uow.conn, product) or p.rules.products[product].insurer
    if owner != actor.tenant:
        raise ServiceError(Code.FORBIDDEN, f"无权查询其他机构的产品 {product}", field)


def _period(day_from: date, day_to: date) -> None:
    if day_to < day_from:
        raise ServiceError(Code.FIELD, "结束日期不能早于开始日期", "to")


def aggregates(p: Platform, actor: Principal, product: str, day_from: date, day_to: date, by: list[str], *,
               epsilon: str | None = None, cell: int | None = None) -> dict[str, Any]:  # fmt: skip
    """An insurer's actuarial table of one of its products."""
    _own_product(p, actor, product, "product")
    _period(day_from, day_to)
    facts.refresh(p)
    seen: list[release.ReleaseAudit] = []
    out = actuarial.product_aggregates(p, requester(actor, f"actuarial {product}"), product, day_from, day_to, by,
                                       min_cell=min_cell(cell), epsilon=epsilon_of(epsilon),
                                       audit=seen.append)  # fmt: skip
    return out | {"privacy": privacy(seen)}


def privacy(seen: list[release.ReleaseAudit]) -> dict[str, Any] | None:
    """What a release spent: its dataset, the epsilon taken (``"0"``: no noise), what remains of the
    budget (none without noise), and the minimum cell it was held to."""
    if not seen:
        return None
    last = seen[-1]
    return {"dataset": last.dataset, "epsilon_spent": last.epsilon_spent, "epsilon_remaining": last.epsilon_remaining,
            "noisy": last.epsilon_remaining is not None}  # fmt: skip


def remainder(p: Platform, actor: Principal, product: str | None, day_from: date, day_to: date, *,
              epsilon: str | None = None, cell: int | None = None) -> dict[str, Any]:  # fmt: skip
    """What patients still paid after basic insurance: an insurer for one of its products; a regulator
    for a product or for everyone insured in its regions."""
    if actor.role is Role.INSURER:
        if product is None:
            raise ServiceError(Code.FIELD, "商保机构须指定本机构产品", "product")
        _own_product(p, actor, product, "product")
    _period(day_from, day_to)
    facts.refresh(p)
    prefix = region_prefix(actor.tenant) if actor.role is Role.REGULATOR else ""
    seen: list[release.ReleaseAudit] = []
    out = actuarial.remainder_distribution(
        p, requester(actor, f"remainder {product or 'population'}"), product, day_from, day_to,
        min_cell=min_cell(cell), epsilon=epsilon_of(epsilon), region_prefix=prefix, audit=seen.append,
    )  # fmt: skip
    return out | {"privacy": privacy(seen)}


def submit_replay(p: Platform, actor: Principal, candidate: dict[str, Any], premium: int, day_from: date,
                  day_to: date, *, replaces: str | None = None, epsilon: str | None = None,
                  cell: int | None = None) -> dict[str, Any]:  # fmt: skip
    """Start a what-if replay of a candidate rule file (the schema of filed products) as a job."""
    product = parse_content(candidate)
    if actor.role is Role.INSURER:
        if product.insurer != actor.tenant:
            raise ServiceError(
                Code.FORBIDDEN, f"候选产品须为本机构产品（insurer: {actor.tenant}）", "candidate.insurer"
            )
        if replaces is not None:
            _own_product(p, actor, replaces, "replaces")
    elif replaces is not None and replaces not in p.rules.products:
        raise ServiceError(Code.NOT_FOUND, f"产品 {replaces} 不存在", "replaces")
    _period(day_from, day_to)
    if premium < 0:
        raise ServiceError(Code.FIELD, "保费不能为负", "premium")
    eps = epsilon_of(epsilon)
    region = region_prefix(actor.tenant) if actor.role is Role.REGULATOR else ""  # its own insured population
    w = whatif.WhatIf(product, day_from, day_to, premium, replaces, region=region)
    who = requester(actor, f"what-if {product.id}")
    params = {"candidate": product.id, "from": day_from.isoformat(), "to": day_to.isoformat(), "replaces": replaces}
    job_id = jobs.submit(p, "replay", owner_of(actor), params)

    def work(progress: Any) -> dict[str, Any]:
        facts.refresh(p)
        seen: list[release.ReleaseAudit] = []
        out = whatif.run(p, w, who, min_cell=min_cell(cell), epsilon=eps, progress=progress, audit=seen.append)
        return out | {"privacy": privacy(seen)}

    jobs.start(p, job_id, work)
    return {"job_id": job_id, "status": "queued"}


def budgets(p: Platform, actor: Principal) -> list[dict[str, Any]]:
    """The caller's remaining privacy budgets per dataset (its own budget owner only)."""
    with p.uow(readonly=True) as uow:
        return release.budgets(uow.conn, owner_of(actor), business_date(p.clock.now()))


def replays(p: Platform, actor: Principal, limit: int = 20) -> list[dict[str, Any]]:
    """The caller's latest replay jobs (its own budget owner's only), newest first."""
    return jobs.of_owner(p, owner_of(actor), "replay", limit)


def replay_status(p: Platform, actor: Principal, job_id: str) -> dict[str, Any]:
    """A replay job the caller owns: status, progress, and the released aggregates once done."""
    row = jobs.status(p, job_id)
    if row["kind"] != "replay" or row["owner"] != owner_of(actor):
        raise ServiceError(Code.FORBIDDEN, f"无权查看任务 {job_id}", "job_id")
    return {
        "job_id": row["id"], "status": row["status"], "progress": row["progress"], "params": row["params"],
        "result": row["result"], "error": row["error"],
        "created_at": row["created_at"].isoformat(),
        "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
    }  # fmt: skip
