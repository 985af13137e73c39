"""Filing a product through the real lifecycle — for tests, benchmarks, the demo and the other
centres' fixtures.

:func:`file_product` takes a product rule file (:func:`file_reference_product` the shipped
``syncsettle/config/products/<id>.yaml``, same ids), admits its insurer if needed (as the regulator
of ``region``), then drafts, submits, approves, puts on sale and activates it with the proper
actors, stopping at ``status``. The actors are principals with
credential id ``system:reference``, so their steps are recognisable in ``filing_events`` and the
audit log.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import yaml

from syncsettle.adapters.db.commercial import filings as repo
from syncsettle.adapters.rulebook import SHIPPED
from syncsettle.domain.commercial.lifecycle import FilingAction
from syncsettle.domain.commercial.vocabulary import FilingStatus, Granularity, Route
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.commercial import filings
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management import admission
from syncsettle.services.platform import Platform

A = FilingAction
_PATH: dict[FilingStatus, tuple[FilingAction, ...]] = {
    FilingStatus.DRAFT: (),
    FilingStatus.SUBMITTED: (A.SUBMIT,),
    FilingStatus.REJECTED: (A.SUBMIT, A.REJECT),
    FilingStatus.APPROVED: (A.SUBMIT, A.APPROVE),
    FilingStatus.ON_SALE: (A.SUBMIT, A.APPROVE, A.LAUNCH),
    FilingStatus.ACTIVE: (A.SUBMIT, A.APPROVE, A.LAUNCH, A.ACTIVATE),
    FilingStatus.SUSPENDED: (A.SUBMIT, A.APPROVE, A.LAUNCH, A.ACTIVATE, A.SUSPEND),
    FilingStatus.EXITED: (A.SUBMIT, A.APPROVE, A.LAUNCH, A.ACTIVATE, A.FORCE_EXIT),
}
REFERENCE_PREMIUM = 9_900  # fen: a typical 惠民保 premium (99 yuan), the reference files carry none


def reference_content(product_id: str) -> dict[str, Any]:
    """The shipped product file as JSON-safe data (dates as ISO strings), as a filing stores it."""
    path = SHIPPED / "products" / f"{product_id}.yaml"
    if not path.is_file():
        raise ServiceError(Code.NOT_FOUND, f"没有参考产品 {product_id}", "product_id")
    data: dict[str, Any] = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
    return data


def file_product(
    p: Platform, content: dict[str, Any], *, region: str, route: Route | str | None = None,
    granularity: Granularity | str | None = None, approved_from: date, approved_to: date,
    status: FilingStatus | str = FilingStatus.ACTIVE, premium: int = REFERENCE_PREMIUM,
    underwriting: dict[str, Any] | None = None,
) -> int:  # fmt: skip
    """File the product rule file ``content`` through the lifecycle (admitting its insurer first if
    needed) and take it to ``status``; returns the filing id. The approval checks ``route`` and
    ``granularity`` as any approval does."""
    insurer_id = str(content["insurer"])
    regulator = Principal(Role.REGULATOR, region, f"医保部门 {region}", "system:reference")
    insurer = Principal(Role.INSURER, insurer_id, insurer_id, "system:reference")
    with p.uow(readonly=True) as uow:
        known = repo.insurer(uow.conn, insurer_id)
    if known is None or known["status"] != "admitted":
        admission.admit(p, regulator, insurer_id, REFERENCE_INSURERS.get(insurer_id, insurer_id), region,
                        "参考产品备案")  # fmt: skip
    filing_id = filings.draft(p, insurer, content, region=region, premium=premium, underwriting=underwriting)
    for action in _PATH[FilingStatus(status)]:
        actor = regulator if action in (A.APPROVE, A.REJECT, A.SUSPEND, A.FORCE_EXIT) else insurer
        reason = "参考产品" if action in (A.REJECT, A.SUSPEND, A.FORCE_EXIT) else ""
        filings.take_step(
            p, actor, filing_id, action, reason, route=route, granularity=granularity,
            approved_from=approved_from, approved_to=approved_to,
        )  # fmt: skip
    return filing_id


REFERENCE_INSURERS = {
    "yantai-hmb": "烟台惠民保承保机构",
    "anyang-phb": "安阳普惠保承保机构",
    "hainan-hqb": "海南惠琼保承保机构",
    "acme-group": "ACME 集团企业补充医疗保险机构",
}
"""The names the reference products' insurers are admitted under (people read names, not ids)."""


def file_reference_product(p: Platform, product_id: str, **terms: Any) -> int:
    """File a shipped reference product (``terms`` as :func:`file_product`); returns the filing id."""
    return file_product(p, reference_content(product_id), **terms)
