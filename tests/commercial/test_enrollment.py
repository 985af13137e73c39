"""One-click enrollment: data prefilled from the medical-insurance domain, premium from the personal
account booked in both ledgers without mixing them (or cash), family members, underwriting inside
the domain with only the class released, consecutive-year and claim facts, cancellation with a
pro-rata refund."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from syncsettle.adapters.db.commercial.schema_commercial import consents
from syncsettle.adapters.db.core.schema import enrollments, journals, postings
from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.domain.commercial.enrollment_terms import waiting_until
from syncsettle.domain.commercial.lifecycle import FilingAction
from syncsettle.services.commercial import enrollment, filings, policies
from syncsettle.services.commercial.enrollment import Member
from syncsettle.services.commercial.reference_products import file_product, file_reference_product, reference_content
from syncsettle.services.commercial.retry import retry_due
from syncsettle.services.commercial.wiring import channel_of
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.settlement.check import check
from tests.commercial.actors import YANTAI, insured
from tests.commercial.test_claims import Down
from tests.commercial.test_routes import SMALL_BILL
from tests.world import World, line

ACME = "acme-supplementary-2025"
TWO_YEARS = {"region": "370600", "approved_from": date(2025, 1, 1), "approved_to": date(2026, 12, 31)}


def _file(world: World, **kw: Any) -> int:
    return file_reference_product(world.platform, ACME, **{**TWO_YEARS, **kw})


def _fails(code: Code, fn: Any, *args: Any, **kw: Any) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        fn(*args, **kw)
    assert caught.value.code is code, caught.value
    return caught.value


def _balance(world: World, psn_no: str) -> str:
    return str(world.ok("1101", {"data": {"psn_no": psn_no}})["insuinfo"][0]["balc"])


def _audit(world: World, **where: str) -> list[dict[str, Any]]:
    with world.platform.uow(readonly=True) as uow:
        stmt = select(audit_entries).order_by(audit_entries.c.id)
        for column, value in where.items():
            stmt = stmt.where(audit_entries.c[column] == value)
        return [dict(r) for r in uow.conn.execute(stmt).mappings()]


def _rows(world: World, table: Any) -> list[dict[str, Any]]:
    with world.platform.uow(readonly=True) as uow:
        return [dict(r) for r in uow.conn.execute(select(table)).mappings()]


def test_prefilled_form_shows_the_persons_own_data_and_the_terms(world: World) -> None:
    _file(world)
    form = policies.enrollment_form(world.platform, insured("P0002"), ACME)
    assert form["person"]["psn_name"] == "测试P0002" and form["person"]["certno"] == "370602********0002"
    assert form["accounts"] == [{"insutype": "310", "balc": "500.00"}]
    assert form["product"]["premium"] == "99.00" and form["product"]["enddate"] == "2025-12-31"
    assert {c["purpose"] for c in form["consents"]} == {"underwriting", "settlement"}


def test_one_click_pays_from_the_personal_account_in_two_ledgers(world: World) -> None:
    _file(world)
    result = enrollment.enroll(world.platform, insured("P0002"), ACME)
    (row,) = result["enrollments"]
    assert (row["underwriting_class"], row["premium"], row["paid_by"]) == ("standard", 9900, "personal_account")
    assert (row["begndate"], row["enddate"]) == (date(2025, 6, 10), date(2025, 12, 31))
    assert {c["purpose"] for c in result["consents"]} == {"underwriting", "settlement"}
    assert _balance(world, "P0002") == "401.00"
    booked = {j["id"]: j["ledger"] for j in _rows(world, journals)}
    ref = f"EN{row['id']}:premium"
    assert booked == {f"{ref}:med": "medical", f"{ref}:com": "commercial"}
    by_journal: dict[str, dict[str, int]] = {}
    for posting in _rows(world, postings):
        by_journal.setdefault(posting["journal_id"], {})[posting["account"]] = posting["amount"]
    assert by_journal[f"{ref}:med"] == {"med:acct:P0002": -9900, "med:premium:acme-group": 9900}
    assert by_journal[f"{ref}:com"] == {"com:premium:acme-group:receivable": 9900,
                                        "com:insurer:acme-group:premium": -9900}  # fmt: skip
    assert check(world.platform)["ok"]
    # the insurer received the class and nothing else; the diagnoses were read inside the domain
    released = _audit(world, action="release", psn_no="P0002")
    assert [(e["recipient"], e["fields"]) for e in released] == [("acme-group", ["underwriting_class"])]
    (read,) = _audit(world, action="read", psn_no="P0002")
    assert read["recipient"] == "medical-insurance:underwriting" and read["consent_id"] == released[0]["consent_id"]


def test_short_balance_is_refused_and_nothing_is_written(world: World) -> None:
    _file(world, premium=60_000)
    _fails(Code.BALANCE, enrollment.enroll, world.platform, insured("P0002"), ACME)
    assert _rows(world, enrollments) == [] and _rows(world, consents) == [] and _rows(world, journals) == []
    assert _balance(world, "P0002") == "500.00"
    cash = enrollment.enroll(world.platform, insured("P0002"), ACME, paid_by="cash")
    assert cash["enrollments"][0]["paid_by"] == "cash" and _rows(world, journals) == []


def test_family_members_named_by_certificate_number_and_name(world: World) -> None:
    _file(world)
    p = world.platform
    _fails(Code.NOT_FOUND, enrollment.enroll, p, insured("P0002"), ACME,
           members=[Member("370602198001010003", "张三")])  # fmt: skip
    result = enrollment.enroll(
        p, insured("P0002"), ACME, members=[Member("３７０６０２１９８００１０１０００３", "测试P0003")]
    )
    assert [(r["psn_no"], r["holder_psn_no"]) for r in result["enrollments"]] == [("P0002", "P0002"),
                                                                                  ("P0003", "P0002")]  # fmt: skip
    assert _balance(world, "P0002") == "302.00"  # 家庭共济: both premiums from the holder's account
    assert {c["psn_no"] for c in result["consents"]} == {"P0002", "P0003"}
    assert {c["receipt"]["granted_by"] for c in result["consents"]} == {"insured:P0002"}
    assert [r["enrollment_id"] for r in policies.my_policies(p, insured("P0003"))] == [result["enrollments"][1]["id"]]
    assert len(policies.my_policies(p, insured("P0002"))) == 2
    _fails(Code.DUPLICATE, enrollment.enroll, p, insured("P0003"), ACME)


def test_underwriting_reads_history_inside_the_domain_and_only_the_class_leaves(world: World) -> None:
    mdtrt_id = world.inpatient_visit("P0001", [line("1", "331001001", "1", "3000.00", "3000.00")])  # I63.9
    world.ok("2304", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0001"}})
    _file(world)
    (row,) = enrollment.enroll(world.platform, insured("P0001"), ACME, paid_by="cash")["enrollments"]
    assert row["underwriting_class"] == "pre_existing" and row["pre_existing"] is True
    release = _audit(world, action="release", psn_no="P0001")[-1]
    assert release["fields"] == ["underwriting_class"] and "I63" not in str(release)


def test_declined_by_the_filings_rule_is_not_enrolled_but_stays_on_the_record(world: World) -> None:
    mdtrt_id = world.inpatient_visit("P0001", [line("1", "331001001", "1", "3000.00", "3000.00")])
    world.ok("2304", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0001"}})
    rule = {"kind": "underwriting", "id": "strict", "lookback_years": 2, "declined": ["I6"]}
    _file(world, underwriting=rule)
    _fails(Code.DECLINED, enrollment.enroll, world.platform, insured("P0001"), ACME, paid_by="cash")
    assert _rows(world, enrollments) == []
    assert [e["action"] for e in _audit(world, psn_no="P0001", purpose="underwriting")][-2:] == ["read", "release"]
    (row,) = enrollment.enroll(world.platform, insured("P0002"), ACME)["enrollments"]  # no such history
    assert row["underwriting_class"] == "standard"


def test_without_agreeing_and_without_consent_the_enrollment_is_refused_and_audited(world: World) -> None:
    _file(world)
    _fails(Code.CONSENT, enrollment.enroll, world.platform, insured("P0002"), ACME, agree=False)
    (refusal,) = _audit(world, outcome="refused")
    assert (refusal["psn_no"], refusal["recipient"], refusal["purpose"]) == ("P0002", "acme-group", "underwriting")
    assert _rows(world, enrollments) == []


def test_suspended_product_takes_no_enrollment(world: World) -> None:
    fid = _file(world)
    filings.take_step(world.platform, YANTAI, fid, FilingAction.SUSPEND, "核查")
    _fails(Code.STATE, enrollment.enroll, world.platform, insured("P0002"), ACME)


def test_consecutive_years_and_claim_history_come_from_earlier_years(world: World) -> None:
    p = world.platform
    _file(world)
    enrollment.enroll(p, insured("P0003"), ACME, paid_by="cash")  # claims in 2025
    enrollment.enroll(p, insured("P0002"), ACME)  # no claim in 2025
    mdtrt_id = world.outpatient_visit("P0003", [line("1", "XJ01CR-0002", "2", "86.50", "173.00")], insutype="310")
    settled = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0003"}})
    assert settled["summary"]["commercial"] != "0.00"
    world.clock.at = datetime(2026, 1, 15, 2, 0, tzinfo=UTC)
    (claimed,) = enrollment.enroll(p, insured("P0003"), ACME, paid_by="cash")["enrollments"]
    (clean,) = enrollment.enroll(p, insured("P0002"), ACME)["enrollments"]
    assert (claimed["enrolled_years"], claimed["claim_free_years"], claimed["claimed_last_year"]) == (2, 0, True)
    assert (clean["enrolled_years"], clean["claim_free_years"], clean["claimed_last_year"]) == (2, 1, False)
    assert (clean["begndate"], clean["enddate"]) == (date(2026, 1, 15), date(2026, 12, 31))


def test_a_quick_claim_payout_is_a_claim_for_the_history_and_the_refund(world: World) -> None:
    p = world.platform
    _file(world, route="dual_platform")
    (mine,) = enrollment.enroll(p, insured("P0002"), ACME, paid_by="cash")["enrollments"]
    enrollment.enroll(p, insured("P0003"), ACME, paid_by="cash")
    channel = channel_of(p)
    working, channel.transport = channel.transport, Down()
    for psn_no in ("P0002", "P0003"):  # the commercial side is down: each leg waits as a quick claim
        mdtrt_id = world.outpatient_visit(psn_no, SMALL_BILL, insutype="310")
        assert world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no}})["summary"]["commercial"] == "0.00"
    channel.transport = working
    assert retry_due(p, everything=True)["settled"] == 2  # paid later, in the commercial ledger
    world.clock.at = datetime(2025, 9, 1, 2, 0, tzinfo=UTC)
    assert policies.cancel(p, insured("P0002"), mine["id"])["refund"] == "0.00"  # the product paid a claim
    world.clock.at = datetime(2026, 1, 15, 2, 0, tzinfo=UTC)
    (renewed,) = enrollment.enroll(p, insured("P0003"), ACME, paid_by="cash")["enrollments"]
    assert (renewed["enrolled_years"], renewed["claim_free_years"], renewed["claimed_last_year"]) == (2, 0, True)
    assert check(p)["ok"]


def test_cancellation_refunds_pro_rata_to_the_account_unless_a_claim_was_paid(world: World) -> None:
    p = world.platform
    _file(world)
    (mine,) = enrollment.enroll(p, insured("P0002"), ACME)["enrollments"]
    (claimer,) = enrollment.enroll(p, insured("P0003"), ACME, paid_by="cash")["enrollments"]
    mdtrt_id = world.outpatient_visit("P0003", [line("1", "XJ01CR-0002", "2", "86.50", "173.00")], insutype="310")
    world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0003"}})
    world.clock.at = datetime(2025, 9, 1, 2, 0, tzinfo=UTC)
    _fails(Code.FORBIDDEN, policies.cancel, p, insured("P0001"), mine["id"])
    cancelled = policies.cancel(p, insured("P0002"), mine["id"])
    # covered 2025-06-10..2025-12-31 = 205 days; 1 Sept to 31 Dec uncovered = 122 days: 99.00 × 122 / 205
    assert cancelled["refund"] == "58.92" and cancelled["status"] == "cancelled"
    assert cancelled["enddate"] == "2025-08-31"
    assert _balance(world, "P0002") == "459.92"
    assert policies.cancel(p, insured("P0003"), claimer["id"])["refund"] == "0.00"
    _fails(Code.STATE, policies.cancel, p, insured("P0002"), mine["id"])
    assert check(p)["ok"]
    with p.uow(readonly=True) as uow:
        assert uow.conn.execute(select(enrollments.c.status)).scalars().all() == ["cancelled", "cancelled"]


def _visit_on(world: World, psn_no: str, day: date) -> dict[str, Any]:
    """An outpatient visit on ``day`` (the clock moved there), settled; the answer's one commercial entry."""
    world.clock.at = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)
    reg = world.ok("2201", {"data": {"psn_no": psn_no, "insutype": "310", "begntime": f"{day} 10:00:00"}})
    mdtrt_id = reg["data"]["mdtrt_id"]
    lines = [dict(item, mdtrt_id=mdtrt_id, psn_no=psn_no) for item in SMALL_BILL]
    world.ok("2204", {"feedetail": lines})
    (entry,) = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no}})["commercial"]
    return dict(entry)


def _reasons(entry: dict[str, Any]) -> set[str]:
    return {r["reason_code"] for r in entry["responsibilities"]}


@pytest.mark.parametrize("route", ["embedded", "dual_platform"])
def test_waiting_period_applies_to_a_new_enrollment_only(world: World, route: str) -> None:
    assert waiting_until(date(2025, 6, 10), 30, renewal=False) == date(2025, 7, 9)
    assert waiting_until(date(2026, 1, 1), 30, renewal=True) is None
    assert waiting_until(date(2025, 6, 10), 0, renewal=False) is None
    p = world.platform
    content = {**reference_content(ACME), "id": "acme-waiting-2025"}
    content["versions"] = [{**content["versions"][0], "waiting_period_days": 30}]
    file_product(p, content, route=route, **TWO_YEARS)
    (first,) = enrollment.enroll(p, insured("P0002"), "acme-waiting-2025", paid_by="cash")["enrollments"]
    assert first["waiting_until"] == date(2025, 7, 9)
    waiting = _visit_on(world, "P0002", date(2025, 6, 10))
    assert waiting["payable"] == "0.00" and _reasons(waiting) == {"waiting_period"}
    world.clock.at = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    (renewal,) = enrollment.enroll(p, insured("P0002"), "acme-waiting-2025", paid_by="cash")["enrollments"]
    (newcomer,) = enrollment.enroll(p, insured("P0003"), "acme-waiting-2025", paid_by="cash")["enrollments"]
    assert (renewal["enrolled_years"], renewal["waiting_until"]) == (2, None)
    assert (newcomer["enrolled_years"], newcomer["waiting_until"]) == (1, date(2026, 2, 3))
    # cover continues for the renewal from its first day; the new enrollment waits its 30 days
    continued = _visit_on(world, "P0002", date(2026, 1, 5))
    assert continued["status"] == "settled" and continued["payable"] == "162.40"  # (185.70 + 17.30) × 80%
    new = _visit_on(world, "P0003", date(2026, 1, 5))
    assert new["payable"] == "0.00" and _reasons(new) == {"waiting_period"}
    later = _visit_on(world, "P0003", date(2026, 2, 4))  # the day after waiting_until: covered
    assert later["payable"] != "0.00" and "waiting_period" not in _reasons(later)
    assert check(p)["ok"]


def test_simultaneous_clicks_enroll_once_and_cancel_once(world: World) -> None:
    import threading

    _file(world)
    p = world.platform
    outcomes: list[str] = []

    def twice(fn: Any, *args: Any) -> None:
        def one() -> None:
            try:
                fn(p, *args)
                outcomes.append("ok")
            except ServiceError as exc:
                outcomes.append(exc.code.value)

        threads = [threading.Thread(target=one) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    twice(enrollment.enroll, insured("P0002"), ACME)
    assert sorted(outcomes) == sorted(["ok", Code.DUPLICATE.value]) and _balance(world, "P0002") == "401.00"
    (row,) = _rows(world, enrollments)
    outcomes.clear()
    twice(policies.cancel, insured("P0002"), row["id"])
    assert sorted(outcomes) == sorted(["ok", Code.STATE.value])
    assert _balance(world, "P0002") == "500.00" and check(p)["ok"]  # refunded once: cancelled on its first day
