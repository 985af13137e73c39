"""Product filing: the lifecycle moves only by the party allowed to take each step, every step is
recorded and audited, the content is the engine's schema, and the approved route and granularity
must give the product's rules the data they need."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from syncsettle.adapters.db.commercial.commercial import filing_in_force
from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.domain.commercial.lifecycle import STEPS, FilingAction
from syncsettle.domain.commercial.vocabulary import FilingStatus
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.commercial import filings
from syncsettle.services.commercial.reference_products import file_reference_product, reference_content
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management import admission
from tests.commercial.actors import ACME, HMB, NATIONAL, OPERATOR, ULANQAB, YANTAI, YEAR_FROM, YEAR_TO, insured
from tests.world import World

A = FilingAction
APPROVAL = {"approved_from": YEAR_FROM, "approved_to": YEAR_TO}


def _admitted_draft(world: World, product_id: str = "yantai-shiminjiankangbao-2025", actor: Principal = HMB) -> int:
    admission.admit(world.platform, YANTAI, actor.tenant, actor.name)
    return filings.draft(world.platform, actor, reference_content(product_id), region="370600", premium=9900)


def _fails(code: Code, fn: Any, *args: Any, **kw: Any) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        fn(*args, **kw)
    assert caught.value.code is code, caught.value
    return caught.value


def test_full_lifecycle_is_recorded_step_by_step_and_audited(world: World) -> None:
    p = world.platform
    fid = _admitted_draft(world)
    filings.take_step(p, HMB, fid, A.SUBMIT)
    filings.take_step(p, HMB, fid, A.WITHDRAW)
    filings.take_step(p, HMB, fid, A.SUBMIT)
    filings.take_step(p, YANTAI, fid, A.APPROVE, **APPROVAL)
    filings.take_step(p, HMB, fid, A.LAUNCH)
    filings.take_step(p, HMB, fid, A.ACTIVATE)
    filings.take_step(p, YANTAI, fid, A.SUSPEND, "理赔投诉集中，暂停核查")
    resumed = filings.take_step(p, YANTAI, fid, A.RESUME)
    assert resumed["status"] == FilingStatus.ACTIVE  # back to where it was suspended from
    filings.take_step(p, YANTAI, fid, A.FORCE_EXIT, "偿付能力不足")
    filing = filings.get(p, HMB, fid)
    trail = [(e["from_status"], e["to_status"], e["actor_role"]) for e in filing["events"]]
    assert trail == [
        (None, "draft", "insurer"), ("draft", "submitted", "insurer"), ("submitted", "draft", "insurer"),
        ("draft", "submitted", "insurer"), ("submitted", "approved", "regulator"), ("approved", "on_sale", "insurer"),
        ("on_sale", "active", "insurer"), ("active", "suspended", "regulator"), ("suspended", "active", "regulator"),
        ("active", "exited", "regulator"),
    ]  # fmt: skip
    assert filing["reason"] == "偿付能力不足" and filing["status"] == "exited"
    with p.uow(readonly=True) as uow:
        decisions = uow.conn.execute(
            select(audit_entries.c.reason).where(audit_entries.c.purpose == "filing").order_by(audit_entries.c.id)
        ).scalars().all()  # fmt: skip
    assert [d.split(" ")[0] for d in decisions] == [
        "draft", "submit", "withdraw", "submit", "approve", "launch", "activate", "suspend", "resume", "force_exit"
    ]  # fmt: skip


@pytest.mark.parametrize("action", [a for a in FilingAction if a is not A.DRAFT])
def test_each_step_only_by_its_party(world: World, action: FilingAction) -> None:
    """For every action: every other role is refused (403) from a status the step starts from."""
    p = world.platform
    step = STEPS[action]
    start = sorted(step.sources)[0]
    fid = file_reference_product(p, "yantai-shiminjiankangbao-2025", region="370600", approved_from=YEAR_FROM,
                                 approved_to=YEAR_TO, status=start)  # fmt: skip
    others = [HMB, YANTAI, OPERATOR, insured("P0001")]
    for actor in others:
        if actor.role is step.actor:
            continue
        _fails(Code.FORBIDDEN, filings.take_step, p, actor, fid, action, "理由", **APPROVAL)
    # the right role of another tenant is refused too
    stranger = ULANQAB if step.actor is Role.REGULATOR else ACME
    _fails(Code.FORBIDDEN, filings.take_step, p, stranger, fid, action, "理由", **APPROVAL)
    owner = YANTAI if step.actor is Role.REGULATOR else HMB
    after = filings.take_step(p, owner, fid, action, "理由", **APPROVAL)
    assert after["status"] == (step.target or FilingStatus.ACTIVE)


def test_a_national_regulator_may_review_any_region(world: World) -> None:
    fid = file_reference_product(world.platform, "yantai-shiminjiankangbao-2025", region="370600",
                                 approved_from=YEAR_FROM, approved_to=YEAR_TO, status="submitted")  # fmt: skip
    assert filings.take_step(world.platform, NATIONAL, fid, A.APPROVE, **APPROVAL)["status"] == "approved"


def test_wrong_status_and_missing_reason_are_refused(world: World) -> None:
    p = world.platform
    fid = _admitted_draft(world)
    _fails(Code.STATE, filings.take_step, p, YANTAI, fid, A.APPROVE, **APPROVAL)  # not submitted yet
    filings.take_step(p, HMB, fid, A.SUBMIT)
    err = _fails(Code.FIELD, filings.take_step, p, YANTAI, fid, A.REJECT, "  ")
    assert err.field == "reason"
    rejected = filings.take_step(p, YANTAI, fid, A.REJECT, "责任免除条款表述不清")
    assert rejected["reason"] == "责任免除条款表述不清"
    _fails(Code.STATE, filings.take_step, p, HMB, fid, A.SUBMIT)  # rejected is final: file a new version
    again = filings.draft(p, HMB, reference_content("yantai-shiminjiankangbao-2025"), region="370600", premium=9900)
    assert filings.get(p, HMB, again)["version"] == 2


def test_content_is_validated_with_the_engines_schema_and_field_path(world: World) -> None:
    admission.admit(world.platform, YANTAI, "yantai-hmb", "烟台市民健康保")
    content = reference_content("yantai-shiminjiankangbao-2025")
    content["versions"][0]["responsibilities"][1]["ratio"]["standard"] = 0.6
    err = _fails(Code.FIELD, filings.draft, world.platform, HMB, content, region="370600", premium=9900)
    assert err.field == "content.versions[0].responsibilities[1].ratio.standard"
    other = reference_content("acme-supplementary-2025")  # insurer acme-group
    _fails(Code.FORBIDDEN, filings.draft, world.platform, HMB, other, region="370600", premium=9900)
    _fails(Code.FORBIDDEN, filings.draft, world.platform, HMB, reference_content("yantai-shiminjiankangbao-2025"),
           region="150900", premium=9900)  # outside the insurer's admitted region  # fmt: skip


@pytest.mark.parametrize(
    ("route", "granularity", "ok"),
    [("embedded", "result", True), ("dual_platform", "result", True), ("detail", "detail", True),
     ("category", "category", False), ("settlement_summary", "settlement_summary", False),
     ("detail", "category", False), ("embedded", "detail", True)],
)  # fmt: skip
def test_drug_list_product_needs_item_lines_or_in_domain_rules(
    world: World, route: str, granularity: str, ok: bool
) -> None:
    fid = file_reference_product(world.platform, "yantai-shiminjiankangbao-2025", region="370600",
                                 approved_from=YEAR_FROM, approved_to=YEAR_TO, status="submitted")  # fmt: skip
    step = (filings.take_step, world.platform, YANTAI, fid, A.APPROVE)
    kw = {"route": route, "granularity": granularity, **APPROVAL}
    if ok:
        assert step[0](*step[1:], **kw)["granularity"] == granularity
    else:
        _fails(Code.FIELD, *step, **kw)


def test_category_route_suits_a_product_without_drug_lists(world: World) -> None:
    fid = file_reference_product(world.platform, "acme-supplementary-2025", region="370600", route="category",
                                 granularity="category", approved_from=YEAR_FROM, approved_to=YEAR_TO)  # fmt: skip
    row = filings.get(world.platform, ACME, fid)
    assert (row["route"], row["granularity"], row["status"]) == ("category", "category", "active")
    _fails(Code.FIELD, file_reference_product, world.platform, "acme-supplementary-2025", region="370600",
           route="settlement_summary", approved_from=YEAR_FROM, approved_to=YEAR_TO)  # covers preselfpay  # fmt: skip


def test_only_the_approved_effective_window_is_in_force(world: World) -> None:
    p = world.platform
    fid = file_reference_product(p, "yantai-shiminjiankangbao-2025", region="370600", approved_from=date(2025, 3, 1),
                                 approved_to=date(2025, 9, 30), status="on_sale")  # fmt: skip
    with p.uow(readonly=True) as uow:
        assert filing_in_force(uow.conn, "yantai-shiminjiankangbao-2025", date(2025, 2, 28)) is None
        found = filing_in_force(uow.conn, "yantai-shiminjiankangbao-2025", date(2025, 6, 10))
        assert found is not None and found["id"] == fid
        assert filing_in_force(uow.conn, "yantai-shiminjiankangbao-2025", date(2025, 10, 1)) is None
    product = filings.product_of(found)
    assert product.id == "yantai-shiminjiankangbao-2025" and filings.product_of(found) is product  # cached by sha256


def test_admission_and_exit_by_the_regulator_of_the_region(world: World) -> None:
    p = world.platform
    _fails(Code.FORBIDDEN, admission.admit, p, HMB, "yantai-hmb", "x")
    _fails(Code.FORBIDDEN, admission.admit, p, ULANQAB, "yantai-hmb", "x", "370600")
    fid = file_reference_product(p, "yantai-shiminjiankangbao-2025", region="370600", approved_from=YEAR_FROM,
                                 approved_to=YEAR_TO)  # fmt: skip
    _fails(Code.DUPLICATE, admission.admit, p, YANTAI, "yantai-hmb", "x")
    _fails(Code.FORBIDDEN, admission.exit_insurer, p, ULANQAB, "yantai-hmb", "违规")
    assert admission.exit_insurer(p, YANTAI, "yantai-hmb", "违规使用数据") == [fid]
    assert filings.get(p, YANTAI, fid)["status"] == "exited"
    with p.uow(readonly=True) as uow:
        assert filing_in_force(uow.conn, "yantai-shiminjiankangbao-2025", date(2025, 6, 10)) is None
    _fails(Code.STATE, filings.draft, p, HMB, reference_content("yantai-shiminjiankangbao-2025"), region="370600",
           premium=9900)  # fmt: skip
    assert [i["insurer_id"] for i in admission.listing(p, YANTAI)] == ["yantai-hmb"]
    assert admission.listing(p, ULANQAB) == []


def test_filings_are_visible_to_their_insurer_and_regulators_only(world: World) -> None:
    p = world.platform
    fid = file_reference_product(p, "yantai-shiminjiankangbao-2025", region="370600", approved_from=YEAR_FROM,
                                 approved_to=YEAR_TO, status="submitted")  # fmt: skip
    assert [f["id"] for f in filings.listing(p, YANTAI, ("submitted",))] == [fid]
    assert filings.listing(p, ULANQAB) == [] and filings.listing(p, ACME) == []
    _fails(Code.FORBIDDEN, filings.get, p, ACME, fid)
    _fails(Code.FORBIDDEN, filings.get, p, insured("P0001"), fid)
    assert filings.get(p, OPERATOR, fid)["id"] == fid
