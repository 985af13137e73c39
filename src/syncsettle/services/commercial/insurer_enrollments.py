"""An insurer's view of its products' enrollments: contract data always, personal data only under
consent, masked, and every release or refusal audited.

Per enrollment the insurer always gets what the contract is (enrollment id, product, term, status,
premium, refund). The insured person's masked name and certificate number, gender, birth year and
underwriting class come only while the person's ``underwriting`` consent to this insurer is in
force; otherwise they are withheld and the refusal is recorded. A revoked consent therefore takes
effect at the insurer's next look.
"""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.commercial import enrollments as repo
from syncsettle.adapters.db.settlement import people
from syncsettle.domain.commercial.vocabulary import Granularity, Purpose
from syncsettle.domain.identity import Principal, Role
from syncsettle.domain.privacy import mask_certno, mask_name
from syncsettle.money import format_yuan
from syncsettle.services.commercial.consents import Refused, release_gate
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management.audit import Action, Use, record
from syncsettle.services.platform import Platform

PERSONAL_FIELDS = ["psn_name(masked)", "certno(masked)", "gend", "birth_year", "underwriting_class"]


def enrollments(p: Platform, actor: Principal, product_id: str | None = None, *, limit: int | None = None,
                offset: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    """The insurer's enrollments (a page with ``limit``/``offset``: only that page is released and audited)."""
    if actor.role is not Role.INSURER:
        raise ServiceError(Code.FORBIDDEN, "仅限商保机构")
    now = p.clock.now()
    day = business_date(now)
    out = []
    with p.uow() as uow:  # writes the audit entries of what it releases
        conn = uow.conn
        for row in repo.of_insurer(conn, actor.tenant, product_id, limit=limit, offset=offset):
            item: dict[str, Any] = {
                "enrollment_id": row["id"], "product_id": row["product_id"], "filing_id": row["filing_id"],
                "begndate": row["begndate"].isoformat(), "enddate": row["enddate"].isoformat(),
                "status": row["status"], "premium": format_yuan(int(row["premium"])),
                "refund": format_yuan(int(row["refund"])), "paid_by": row["paid_by"],
            }  # fmt: skip
            ref = [f"enrollment:{row['id']}"]
            consent = release_gate(conn, now, actor, row["psn_no"], actor.tenant, Purpose.UNDERWRITING,
                                   Granularity.RESULT, day, ref, PERSONAL_FIELDS)  # fmt: skip
            if isinstance(consent, Refused):
                item["insured"] = None
                item["withheld"] = "未获参保人授权（underwriting）"
            else:
                person = p.pii.open(people.person(conn, row["psn_no"]) or {})
                item["insured"] = {"psn_name": mask_name(person["psn_name"]), "certno": mask_certno(person["certno"]),
                                   "gend": person["gend"], "birth_year": person["brdy"].year,
                                   "underwriting_class": row["underwriting_class"]}  # fmt: skip
                record(conn, now, Use(actor, Action.RELEASE, Purpose.UNDERWRITING.value, actor.tenant, ref,
                                      PERSONAL_FIELDS, psn_no=row["psn_no"], consent_id=consent["id"],
                                      granularity=Granularity.RESULT.value))  # fmt: skip
            out.append(item)
        uow.commit()
    return out
