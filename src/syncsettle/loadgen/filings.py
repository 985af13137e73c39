"""Product filings and consents by direct inserts, for benchmarks and tests (until the filing
lifecycle and the consent flow land, which will be the way to create them)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import yaml

from syncsettle.adapters.db.schema_commercial import consents, insurers, product_filings
from syncsettle.adapters.rulebook import SHIPPED
from syncsettle.domain.commercial.vocabulary import ROUTE_GRANULARITY, Route
from syncsettle.services.platform import Platform


def shipped_products() -> dict[str, dict[str, Any]]:
    """The shipped product rule files as JSON data (dates as strings), by product id."""
    docs = {}
    for path in sorted((SHIPPED / "products").glob("*.yaml")):
        data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        docs[data["id"]] = data
    return docs


def file_products(
    platform: Platform, docs: Mapping[str, dict[str, Any]], routes: Mapping[str, str] | None = None, *,
    status: str = "active", granularities: Mapping[str, str] | None = None,
) -> dict[str, int]:  # fmt: skip
    """Insert insurers and filings for ``docs`` (product id → rule data): approved from the first
    version's date to the end of 2026, ``status``, the rule file's route unless ``routes`` says
    otherwise, the granularity that route needs unless ``granularities`` says otherwise. Returns
    product id → filing id."""
    now = platform.clock.now()
    filed: dict[str, int] = {}
    with platform.uow() as uow:
        for product_id, data in docs.items():
            route = (routes or {}).get(product_id, data["route"])
            granularity = (granularities or {}).get(product_id, ROUTE_GRANULARITY[Route(route)].value)
            insurer = data["insurer"]
            if uow.conn.execute(insurers.select().where(insurers.c.insurer_id == insurer)).first() is None:
                uow.conn.execute(insurers.insert(), {"insurer_id": insurer, "name": insurer, "status": "admitted",
                                                     "admitted_at": now, "created_at": now})  # fmt: skip
            digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
            filed[product_id] = uow.conn.execute(
                product_filings.insert().returning(product_filings.c.id),
                {"product_id": product_id, "version": 1, "insurer_id": insurer, "region": "370600", "status": status,
                 "route": route, "granularity": granularity, "content": data, "sha256": digest,
                 "approved_from": date.fromisoformat(str(data["versions"][0]["effective_from"])),
                 "approved_to": date(2026, 12, 31), "reason": "", "created_at": now, "updated_at": now},
            ).scalar_one()  # fmt: skip
        uow.commit()
    return filed


def grant_consent(platform: Platform, psn_no: str, insurer: str, granularity: str = "detail",
                  purpose: str = "settlement") -> str:  # fmt: skip
    """A consent from 2025-01-01 to 2026-12-31, unsigned (the consent flow signs real ones)."""
    consent_id = f"CS{psn_no}{insurer}{purpose}{granularity}"[:40]
    with platform.uow() as uow:
        uow.conn.execute(consents.insert(), {
            "id": consent_id, "psn_no": psn_no, "insurer_id": insurer, "purpose": purpose, "granularity": granularity,
            "begndate": date(2025, 1, 1), "enddate": date(2026, 12, 31), "granted_at": platform.clock.now(),
            "revoked_at": None, "receipt": {}, "signature": ""})  # fmt: skip
        uow.commit()
    return consent_id
