"""The audit log takes an entry inside the caller's transaction; the settlement path reads filings
and consents through two functions whose answers depend on status, window, revocation and granularity."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from syncsettle.adapters.db.commercial.commercial import consent_in_force, consent_revoked, filing_in_force
from syncsettle.adapters.db.commercial.schema_commercial import consents, insurers, product_filings
from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.domain.commercial.vocabulary import Granularity
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.management.audit import Action, Use, record
from tests.world import World

AT = datetime(2025, 6, 10, 2, 0, tzinfo=UTC)


def test_audit_entry_commits_with_its_transaction_or_not_at_all(world: World) -> None:
    use = Use(Principal(Role.INSURER, "yantai-hmb", "", "cr_1"), Action.RELEASE, "settlement", "yantai-hmb",
              ["ST1"], ["payable", "setl_id"], psn_no="P0001", granularity="result")  # fmt: skip
    with world.platform.uow() as uow:
        record(uow.conn, AT, use)  # rolled back: never committed
    with world.platform.uow() as uow:
        record(uow.conn, AT, use)
        uow.commit()
    with world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(audit_entries)).mappings().all()
    assert len(rows) == 1
    assert rows[0]["fields"] == ["payable", "setl_id"] and rows[0]["position"] is None


def _seed(world: World) -> None:
    with world.platform.uow() as uow:
        c = uow.conn
        c.execute(insurers.insert(), {"insurer_id": "yantai-hmb", "name": "x", "status": "admitted", "created_at": AT})
        base = {"product_id": "yantai-shiminjiankangbao-2025", "insurer_id": "yantai-hmb", "region": "370600",
                "route": "embedded", "granularity": "result", "content": {}, "sha256": "0" * 64, "reason": "",
                "created_at": AT, "updated_at": AT}  # fmt: skip
        c.execute(product_filings.insert(), [
            {**base, "version": 1, "status": "active", "approved_from": date(2025, 1, 1),
             "approved_to": date(2025, 12, 31)},
            {**base, "version": 2, "status": "submitted", "approved_from": None, "approved_to": None},
        ])  # fmt: skip
        consent = {"psn_no": "P0001", "insurer_id": "yantai-hmb", "purpose": "settlement", "begndate": date(2025, 1, 1),
                   "enddate": date(2025, 12, 31), "granted_at": AT, "receipt": {}, "signature": ""}  # fmt: skip
        c.execute(consents.insert(), [
            {**consent, "id": "CS1", "granularity": "category", "revoked_at": None},
            {**consent, "id": "CS2", "granularity": "detail", "revoked_at": AT},
        ])  # fmt: skip
        uow.commit()


def test_filing_and_consent_reads(world: World) -> None:
    _seed(world)
    with world.platform.uow(readonly=True) as uow:
        c = uow.conn
        filing = filing_in_force(c, "yantai-shiminjiankangbao-2025", date(2025, 6, 10))
        assert filing is not None and filing["version"] == 1
        assert filing_in_force(c, "yantai-shiminjiankangbao-2025", date(2026, 1, 1)) is None
        assert filing_in_force(c, "anyang-puhui-2022", date(2025, 6, 10)) is None
        day = date(2025, 6, 10)
        found = consent_in_force(c, "P0001", "yantai-hmb", "settlement", Granularity.RESULT, day)
        assert found is not None and found["id"] == "CS1"
        assert consent_in_force(c, "P0001", "yantai-hmb", "settlement", Granularity.DETAIL, day) is None  # revoked
        assert consent_in_force(c, "P0001", "yantai-hmb", "analytics", Granularity.RESULT, day) is None
        assert consent_in_force(c, "P0001", "yantai-hmb", "settlement", Granularity.RESULT, date(2026, 1, 2)) is None
        assert consent_revoked(c, "P0001", "yantai-hmb", ["quick_claim", "settlement"], day)  # CS2
        assert not consent_revoked(c, "P0001", "yantai-hmb", ["analytics"], day)
