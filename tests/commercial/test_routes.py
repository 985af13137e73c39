"""Each route, by the payloads that actually leave the medical-insurance domain (recorded at the
channel boundary and opened): no field beyond the approved granularity ever leaves, ``embedded``
sends results only, ``dual_platform`` exactly the minimum its product's rules read; every payload
is audited with its field names; nothing identifies the person beyond ``psn_no``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from syncsettle.adapters.db.commercial import filings as filings_repo
from syncsettle.adapters.db.core.schema import persons, settlements
from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.adapters.db.settlement import settlements as settlements_repo
from syncsettle.domain.commercial.projections import FIELDS, NESTED, field_names, minimum_fields
from syncsettle.domain.commercial.vocabulary import Granularity
from syncsettle.services.commercial.filings import product_of
from syncsettle.services.commercial.messages import COVERAGE_KEYS, FILING_KEYS, NOTICE_KEYS, REQUEST_KEYS
from syncsettle.services.commercial.reference_products import file_product, reference_content
from syncsettle.services.commercial.retry import retry_due
from syncsettle.services.errors import ServiceError
from syncsettle.services.management import audit_seal, audit_verify
from syncsettle.services.settlement.check import check
from tests.commercial.products import SUMMARY_CONTENT, SUMMARY_ID
from tests.commercial.wire import Sent, tap
from tests.world import World, enroll_all, grant_consent, line

PRODUCTS = ("yantai-shiminjiankangbao-2025", "acme-supplementary-2025")
INSURERS = ("yantai-hmb", "acme-group")
BIG_BILL = [
    line("1", "XL01FD-BLT01", "2", "12345.67", "24691.34"),  # 倍利妥: yantai high-cost list, 丙类
    line("2", "XL01FF-KRD01", "4", "4321.09", "17284.36"),  # 可瑞达: yantai special list, 乙类
    line("3", "001102000010000", "10", "50.00", "500.00"),  # bed: above the 40.00 cap
    line("4", "ZA03-0005", "3", "38.00", "114.00"),  # 丙类
    line("5", "XJ01CR-0002", "2", "86.50", "173.00"),  # 乙类
    line("6", "250101001", "2", "25.00", "50.00"),
]
SMALL_BILL = [line("1", "001101000010000", "1", "30.00", "30.00"), line("2", "XJ01CR-0002", "2", "86.50", "173.00")]


WINDOW = {"region": "370600", "approved_from": date(2025, 1, 1), "approved_to": date(2026, 12, 31)}
DIRECT = {"detail": PRODUCTS, "category": (PRODUCTS[1],), "settlement_summary": (SUMMARY_ID,)}
"""Per direct route, the products whose rules its granularity can adjudicate (the others are never approved on it)."""


def _content(product_id: str) -> dict[str, Any]:
    return SUMMARY_CONTENT if product_id == SUMMARY_ID else reference_content(product_id)


def file_on_route(world: World, route: str, products: tuple[str, ...]) -> list[str]:
    """File ``products`` on ``route`` through the lifecycle; returns their insurers."""
    insurers: dict[str, None] = {}
    for product_id in products:
        content = _content(product_id)
        file_product(world.platform, content, route=route, **WINDOW)
        insurers[content["insurer"]] = None
    return list(insurers)


def settle_both_visits(world: World, route: str, products: tuple[str, ...] = PRODUCTS) -> list[dict[str, Any]]:
    """File ``products`` on ``route``, P0002 consents and enrolls; an inpatient stay and an outpatient
    visit settle. Returns the two answers."""
    for insurer in file_on_route(world, route, products):
        grant_consent(world.platform, "P0002", insurer, granularity="detail")
    enroll_all(world.platform, ["P0002"], products)
    inpatient = world.inpatient_visit("P0002", BIG_BILL, insutype="310")
    outpatient = world.outpatient_visit("P0002", SMALL_BILL, insutype="310")
    return [world.ok("2304", {"data": {"mdtrt_id": inpatient, "psn_no": "P0002"}}),
            world.ok("2207", {"data": {"mdtrt_id": outpatient, "psn_no": "P0002", "acct_used_flag": "1"}})]  # fmt: skip


def _check_nested(data: dict[str, Any]) -> None:
    for key, allowed in NESTED.items():
        for item in data.get(key, []):
            if isinstance(item, dict):
                assert set(item) <= allowed, (key, set(item) - allowed)


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)] + list(value)
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _never_identifies_the_person(world: World, sent: list[Sent]) -> None:
    with world.platform.uow(readonly=True) as uow:
        stored = uow.conn.execute(select(persons).where(persons.c.psn_no == "P0002")).mappings().one()
    opened = world.platform.pii.open(dict(stored))
    name, certno = opened["psn_name"], opened["certno"]
    for item in sent:
        text = item.raw.decode()
        assert name not in text and certno not in text  # the wire is encrypted …
        assert not {name, certno} & set(_strings(item.message))  # … and the plaintext carries neither


def _released_fields(world: World) -> list[list[str]]:
    with world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(audit_entries).where(audit_entries.c.action == "release")
                                .order_by(audit_entries.c.id)).mappings().all()  # fmt: skip
    assert all(r["outcome"] == "released" and r["consent_id"] and r["psn_no"] == "P0002" for r in rows)
    return [list(r["fields"]) for r in rows]


@pytest.mark.parametrize("route", list(DIRECT))
def test_direct_routes_send_nothing_beyond_the_approved_granularity(world: World, route: str) -> None:
    for refused in sorted(set(PRODUCTS) - set(DIRECT[route])):  # its rules need more than the route gives
        with pytest.raises(ServiceError) as caught:
            file_product(world.platform, reference_content(refused), route=route, **WINDOW)
        assert caught.value.field == "route"
    wire = tap(world.platform)
    answers = settle_both_visits(world, route, DIRECT[route])
    wire.flush()
    assert len(wire.sent) == 2 * len(DIRECT[route])  # each product × two visits, one projection each; no notices
    for item in wire.sent:
        assert item.kind == "adjudicate" and set(item.message) == REQUEST_KEYS
        assert set(item.message["filing"]) == set(FILING_KEYS) and set(item.message["coverage"]) == COVERAGE_KEYS
        data = item.message["data"]
        assert item.message["shape"] == route
        assert set(data) <= FIELDS[Granularity(route)], set(data) - FIELDS[Granularity(route)]
        _check_nested(data)
        if route != "detail":
            assert "lines" not in data and "diagnoses" not in data and "drug_rows" not in data
    assert _released_fields(world) == [field_names(s.message["data"]) for s in wire.sent]
    _never_identifies_the_person(world, wire.sent)
    entries = [entry for answer in answers for entry in answer["commercial"]]
    assert {(e["route"], e["status"]) for e in entries} == {(route, "settled")}  # approved, so adjudicable
    assert any(e["payable"] != "0.00" for e in entries)
    assert check(world.platform)["ok"]


def test_embedded_sends_results_only(world: World) -> None:
    wire = tap(world.platform)
    answers = settle_both_visits(world, "embedded")
    assert wire.sent == []  # nothing leaves during the settlement itself …
    wire.flush()  # … the results go to the insurers as notices
    assert len(wire.sent) == 4
    for item in wire.sent:
        assert item.kind == "result" and set(item.message) == NOTICE_KEYS
        assert set(item.message["data"]) == FIELDS[Granularity.RESULT]
        _check_nested(item.message["data"])
    payables = [e["payable"] for a in answers for e in a["commercial"]]
    assert sorted(payables) == sorted(s.message["data"]["payable"] for s in wire.sent)
    assert _released_fields(world) == [field_names(s.message["data"]) for s in wire.sent]
    _never_identifies_the_person(world, wire.sent)
    wire.sent.clear()
    wire.flush()
    assert wire.sent == []  # each notice is sent once


def test_dual_platform_sends_exactly_the_minimum_its_rules_read(world: World, tmp_path: Path) -> None:
    wire = tap(world.platform)
    dual = settle_both_visits(world, "dual_platform")
    wire.flush()
    assert len(wire.sent) == 4 and {s.kind for s in wire.sent} == {"adjudicate"}
    filings = {s.message["filing"]["product_id"]: s.message["filing"] for s in wire.sent}
    for item in wire.sent:
        version = product_of(_filing(world, item.message["filing"]["id"])).versions[0]
        assert set(item.message["data"]) == minimum_fields(version)
        _check_nested(item.message["data"])
    acme = [s.message["data"] for s in wire.sent if s.message["filing"]["product_id"] == PRODUCTS[1]]
    assert all(set(d) == {"setl_id", "psn_no", "setl_date", "med_type", "inscp_selfpay_amt", "preselfpay_amt"}
               for d in acme)  # fmt: skip
    assert len(filings) == 2
    _never_identifies_the_person(world, wire.sent)
    # the commercial platform adjudicated exactly as the medical-insurance domain does (embedded route)
    embedded = World(f"sqlite:///{tmp_path / 'embedded.db'}")
    try:
        same = settle_both_visits(embedded, "embedded")
    finally:
        embedded.platform.engine.dispose()
    assert [a["commercial"] for a in dual] == [[{**e, "route": "dual_platform"} for e in a["commercial"]] for a in same]
    assert [a["summary"] for a in dual] == [a["summary"] for a in same]
    assert {e["status"] for a in dual for e in a["commercial"]} == {"settled"}
    assert any(e["payable"] != "0.00" for a in dual for e in a["commercial"])


def _filing(world: World, filing_id: int) -> dict[str, Any]:
    with world.platform.uow(readonly=True) as uow:
        found = filings_repo.filing(uow.conn, filing_id)
    assert found is not None
    return found


def test_a_quote_prices_every_route_here_and_releases_nothing(world: World) -> None:
    file_product(world.platform, reference_content(PRODUCTS[0]), route="detail", **WINDOW)
    file_product(world.platform, reference_content(PRODUCTS[1]), route="dual_platform", **WINDOW)
    for insurer in INSURERS:
        grant_consent(world.platform, "P0002", insurer)
    enroll_all(world.platform, ["P0002"], PRODUCTS)
    wire = tap(world.platform)
    mdtrt_id = world.inpatient_visit("P0002", BIG_BILL, insutype="310")
    quote = world.ok("2303", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})
    assert wire.sent == [] and _released_fields(world) == []
    settled = world.ok("2304", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})
    assert len(wire.sent) == 2
    assert quote["commercial"] == settled["commercial"] and quote["summary"] == settled["summary"]


@pytest.mark.parametrize("route", ["embedded", "dual_platform", *DIRECT])
def test_quick_claims_send_nothing_beyond_the_approved_granularity(world: World, route: str) -> None:
    products = DIRECT.get(route, PRODUCTS)
    insurers = file_on_route(world, route, products)
    enroll_all(world.platform, ["P0002"], products)
    mdtrt_id = world.inpatient_visit("P0002", BIG_BILL, insutype="310")
    answer = world.ok("2304", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})
    assert {e["reason_code"] for e in answer["commercial"]} == {"consent_missing"}  # every leg waits as a claim
    claim_ids = {e["claim_id"] for e in answer["commercial"]}
    wire = tap(world.platform)
    quick = {insurer: grant_consent(world.platform, "P0002", insurer, purpose="quick_claim") for insurer in insurers}
    assert retry_due(world.platform, everything=True)["settled"] == len(products)
    wire.flush()
    assert len(wire.sent) == len(products)  # one payload per claim: a projection, or the embedded result
    for item in wire.sent:
        data, filing = item.message["data"], item.message["filing"]
        assert item.message["claim_id"] in claim_ids and item.message["purpose"] == "quick_claim"
        if route == "embedded":
            assert item.kind == "result" and set(data) == FIELDS[Granularity.RESULT]
        elif route == "dual_platform":
            assert set(data) == minimum_fields(product_of(_filing(world, filing["id"])).versions[0])
        else:
            assert item.message["shape"] == route and set(data) <= FIELDS[Granularity(route)]
        _check_nested(data)
    assert _released_fields(world) == [field_names(s.message["data"]) for s in wire.sent]
    with world.platform.uow(readonly=True) as uow:
        stmt = select(audit_entries).where(audit_entries.c.action == "release").order_by(audit_entries.c.id)
        released = uow.conn.execute(stmt).mappings().all()
    setl_id = answer["setlinfo"]["setl_id"]
    assert sorted(r["record_ids"][1] for r in released) == sorted(claim_ids)  # each claim's release, audited
    assert all(r["record_ids"][0] == setl_id and r["consent_id"] in quick.values() for r in released)
    _never_identifies_the_person(world, wire.sent)
    assert check(world.platform)["ok"]


def test_a_release_stays_on_the_record_when_its_settlement_rolls_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_product(world.platform, reference_content(PRODUCTS[1]), route="dual_platform", **WINDOW)
    grant_consent(world.platform, "P0002", INSURERS[1], granularity="result")
    enroll_all(world.platform, ["P0002"], [PRODUCTS[1]])
    mdtrt_id = world.outpatient_visit("P0002", SMALL_BILL, insutype="310")
    wire = tap(world.platform)

    def disk_full(*args: Any, **kw: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(settlements_repo, "add_settlement", disk_full)  # fails after the leg was adjudicated remotely
    with pytest.raises(RuntimeError):
        world.call("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})
    [sent] = wire.sent
    with world.platform.uow(readonly=True) as uow:
        assert uow.conn.execute(select(settlements)).first() is None  # the settlement rolled back …
        [release] = uow.conn.execute(select(audit_entries).where(audit_entries.c.action == "release")).mappings()
    # … but the data had left: its release is on the record, sealed and verifiable like any other
    assert release["record_ids"] == [sent.message["data"]["setl_id"]] and release["outcome"] == "released"
    assert release["fields"] == field_names(sent.message["data"]) and "rolled back" in release["reason"]
    assert audit_seal.seal(world.platform) >= 1 and audit_verify.verify(world.platform)["valid"]
