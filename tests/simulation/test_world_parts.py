"""The demo's synthetic world, piece by piece: people (identity numbers, schemes, accounts, filings
elsewhere), bills (catalogue items, prices, drug-list drugs), a day's schedule, and the hospital's
own books that it reconciles with."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from syncsettle.adapters.clock import CHINA
from syncsettle.adapters.rulebook import shipped_rulebook
from syncsettle_tools.simulation import bills
from syncsettle_tools.simulation.calendar import FIRST_DAY
from syncsettle_tools.simulation.his import Books, Hospital
from syncsettle_tools.simulation.places import hospital_list
from syncsettle_tools.simulation.population import OTHER_REGION, ULANQAB, YANTAI, Population, check_character
from syncsettle_tools.simulation.schedule import MINIMUM, OPEN_SECONDS, plan_day

HOSPITALS = [Hospital(code, name, level, region, "s") for code, name, level, region in hospital_list()]


def people(n: int = 3000, seed: int = 5) -> list:  # type: ignore[type-arg]
    return [p for h in Population(random.Random(seed), FIRST_DAY).households(n) for p in h.everyone]


def test_identity_numbers_carry_region_birth_date_sex_and_a_valid_check_character() -> None:
    for person in people(500):
        certno = person.certno
        assert len(certno) == 18 and certno[:4] == person.region[:4]
        assert certno[6:14] == person.brdy.strftime("%Y%m%d")
        assert int(certno[16]) % 2 == (1 if person.gend == "1" else 0)
        assert certno[17] == check_character(certno[:17])
    assert check_character("11010519491231002") == "X"  # the GB 11643 example


def test_the_mix_of_schemes_accounts_and_cross_region_filings() -> None:
    everyone = people()
    assert len(everyone) == 3000 and len({p.psn_no for p in everyone}) == 3000
    by_region = Counter(p.region for p in everyone)
    assert 0.6 < by_region[YANTAI] / 3000 < 0.8
    kinds = Counter((p.region, p.insutype, p.psn_type) for p in everyone)
    assert kinds[(YANTAI, "310", "1101")] and kinds[(YANTAI, "310", "1201")] and kinds[(YANTAI, "390", "1501")]
    assert {p.insutype for p in everyone if p.region == ULANQAB} == {"390"}  # the reference policy is residents'
    assert all(p.balance > 0 for p in everyone if p.employee)
    assert all(p.balance == 0 for p in everyone if not p.employee)
    assert all(p.insutype == "390" and p.psn_type in ("1401", "1403") for p in everyone if p.age_on(FIRST_DAY) < 18)
    assert all(p.age_on(FIRST_DAY) >= 60 for p in everyone if p.psn_type == "1201")
    filed = [p for p in everyone if p.cross_region]
    assert 0.01 < len(filed) / 3000 < 0.08
    assert all(p.cross_region["filed_region"] == OTHER_REGION[p.region] for p in filed)  # type: ignore[index]
    assert {p.cross_region["kind"] for p in filed} == {"long_term", "temporary"}  # type: ignore[index]


def test_the_same_seed_gives_the_same_people() -> None:
    assert people(200, seed=9) == people(200, seed=9)
    assert people(200, seed=9) != people(200, seed=10)


def test_bills_use_items_of_both_catalogues_and_realistic_prices() -> None:
    book = shipped_rulebook()
    for region in (YANTAI, ULANQAB):
        assert bills.missing_codes(book.catalogue_for(region)) == set()
    draw = bills.Bills(random.Random(3))
    outpatient = [draw.outpatient(level) for level in "123" for _ in range(400)]
    stays = [draw.inpatient(level) for level in "23" for _ in range(300)]
    for bill in outpatient + stays:
        assert bill.lines and all(line.count > 0 and line.price % 10 == 0 for line in bill.lines)
        assert bill.total == sum(line.count * line.price for line in bill.lines)
        assert bill.diagnoses
    assert {b.med_type for b in outpatient} == {"11", "13"}
    assert {b.med_type for b in stays} <= {"21", "24", "28"} and all(b.inpatient for b in stays)
    listed = [b for b in outpatient + stays if any(line.code in bills.LIST_DRUGS for line in b.lines)]
    assert 0 < len(listed) < len(outpatient + stays) * 0.1  # drug-list drugs now and then
    consult = {level: draw.price(2_000, level, 0) for level in "123"}
    assert consult == {"1": 1_600, "2": 2_000, "3": 2_500}  # level-1 80 %, level-3 125 % of the level-2 price


def test_a_day_schedule_is_deterministic_and_fits_the_opening_hours() -> None:
    everyone = people(4000)
    day = date(2026, 6, 2)
    plan = plan_day(day, everyone, HOSPITALS, seed=7)
    assert plan == plan_day(day, everyone, HOSPITALS, seed=7)
    assert plan != plan_day(day + timedelta(days=1), everyone, HOSPITALS, seed=7)
    assert len([v for v in plan if not v.bill.inpatient]) >= max(MINIMUM[0], 100)
    times = [v.at.astimezone(CHINA) for v in plan]
    assert times == sorted(times) and times[0].hour == 8 and (times[-1] - times[0]).seconds < OPEN_SECONDS
    assert all(t.date() == day for t in times)
    fates = Counter(v.fate for v in plan)
    assert fates["corrected"] >= 1 and fates["cancelled"] >= 1 and fates["settled"] > 0.9 * len(plan)
    assert all(v.hospital.level in ("2", "3") for v in plan if v.bill.inpatient)
    assert all(not v.use_account for v in plan if not v.person.employee)
    away = [v for v in plan if v.hospital.region != v.person.region]
    assert away and len(away) < len(plan) / 4


def test_the_hospital_books_reversals_against_their_settlement() -> None:
    books = Books()
    h = HOSPITALS[0]
    day = FIRST_DAY
    answer = {"setlinfo": {"setl_id": "ST1", "mdtrt_id": "MD1", "psn_no": "P1", "insutype": "390", "clr_type": "11",
                           "medfee_sumamt": "100.00", "fund_pay_sumamt": "65.00", "acct_pay": "0.00"}}  # fmt: skip
    first = books.settled(h, day, answer)
    books.reversed(h, day, first, {"setlinfo": {"setl_id": "RV1", "medfee_sumamt": "-100.00",
                                                "fund_pay_sumamt": "-65.00", "acct_pay": "0.00"}})  # fmt: skip
    scopes = books.scopes(h.code, day)
    assert list(scopes) == [("390", "11")]
    assert [e.detail() for e in scopes[("390", "11")]] == [
        {"setl_id": "ST1", "mdtrt_id": "MD1", "psn_no": "P1", "refd_setl_flag": "0", "medfee_sumamt": "100.00",
         "fund_pay_sumamt": "65.00", "acct_pay": "0.00"},
        {"setl_id": "RV1", "mdtrt_id": "MD1", "psn_no": "P1", "refd_setl_flag": "1", "medfee_sumamt": "-100.00",
         "fund_pay_sumamt": "-65.00", "acct_pay": "0.00", "init_setl_id": "ST1"},
    ]  # fmt: skip
    assert books.scopes(h.code, day + timedelta(days=1)) == {}
