"""Each reference risk rule on a bill that fires it and on one that does not."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from syncsettle.adapters.rulebook import shipped_rulebook
from syncsettle.domain.risk.screen import Finding, HospitalStats, holds_leg, hospital_findings, screen
from syncsettle.domain.rules.risk import HospitalShareRule, RiskVersion
from syncsettle.domain.rules.risk_facts import RiskLine, RiskPerson, RiskVisit

DAY = date(2025, 6, 10)
MAN = RiskPerson("P1", "1", date(1980, 3, 1), "390")
WOMAN = RiskPerson("P2", "2", date(1985, 3, 1), "390")
CHILD = RiskPerson("P3", "1", date(2020, 3, 1), "390")


def version() -> RiskVersion:
    found = shipped_rulebook().risk["reference-risk"].version_on(DAY)
    assert found is not None
    return found


def ln(sn: str, code: str, amount: int, *, day: date = DAY, cnt: int = 1, pric: int | None = None,
       type_: str = "09") -> RiskLine:  # fmt: skip
    price = pric if pric is not None else amount * 10_000 // cnt
    return RiskLine(sn, code, amount, day, cnt * 10_000, price, "", type_)


def visit(*lines: RiskLine, mdtrt_id: str = "M1", hospital: str = "H1", med_type: str = "11",
          adm: date = DAY, dscg: date | None = None, diagnoses: tuple[str, ...] = ("J06.9",)) -> RiskVisit:  # fmt: skip
    return RiskVisit(mdtrt_id, hospital, "3", "370600", med_type, adm, dscg, diagnoses, tuple(lines))


def fired(rule_id: str, person: RiskPerson, v: RiskVisit, history: tuple[RiskVisit, ...] = (),
          stage: str = "during") -> list[Finding]:  # fmt: skip
    found = screen(version(), stage, person, v, history, DAY)  # type: ignore[arg-type]
    return [f for f in found if f.rule_id == rule_id]


def test_duplicate_lines_same_item_same_day() -> None:
    dup = visit(ln("1", "250101001", 2500), ln("2", "250101001", 2500))
    [f] = fired("DUP-001", MAN, dup)
    assert (f.vola_amt, f.lines, f.sev_deg) == (2500, (("2", 2500),), "1")
    assert "同一天收费 2 次" in f.vola_cont
    earlier_today = visit(ln("9", "250101001", 2500), mdtrt_id="M0")
    assert fired("DUP-001", MAN, visit(ln("1", "250101001", 2500)), (earlier_today,))[0].vola_amt == 2500
    assert not fired("DUP-001", MAN, visit(ln("1", "250101001", 2500), ln("2", "210300001", 15000)))
    bed = visit(ln("1", "001102000010000", 4000, type_="01"), ln("2", "001102000010000", 4000, type_="01"))
    assert not fired("DUP-001", MAN, bed)  # bed days repeat by nature: exempt by the rule's params
    yesterday = visit(ln("9", "250101001", 2500, day=date(2025, 6, 9)), mdtrt_id="M0", adm=date(2025, 6, 9))
    assert not fired("DUP-001", MAN, visit(ln("1", "250101001", 2500)), (yesterday,))


def test_frequency_limit_over_thirty_days() -> None:
    ct = [visit(ln("1", "210300001", 15000, day=date(2025, 6, d)), mdtrt_id=f"M0{d}", adm=date(2025, 6, d))
          for d in (1, 5)]  # fmt: skip
    [f] = fired("FREQ-001", MAN, visit(ln("1", "210300001", 15000)), tuple(ct))
    assert (f.vola_amt, f.sev_deg) == (15000, "2") and "30 天内 3 次" in f.vola_cont
    old = [replace(v, adm_day=date(2025, 4, 1), lines=(ln("1", "210300001", 15000, day=date(2025, 4, 1)),)) for v in ct]
    assert not fired("FREQ-001", MAN, visit(ln("1", "210300001", 15000)), tuple(old))


def test_item_inconsistent_with_sex() -> None:
    psa = visit(ln("1", "250310010", 8000))
    [f] = fired("SEX-001", WOMAN, psa)
    assert f.vola_amt == 8000 and "前列腺特异性抗原" in f.vola_cont
    assert not fired("SEX-001", MAN, psa)
    assert fired("SEX-001", MAN, visit(ln("1", "XG03-0001", 3000)))  # a prefix entry: XG03-*


def test_item_inconsistent_with_age() -> None:
    statin = visit(ln("1", "XC10AA-0003", 1050, cnt=30, pric=350_000))
    [f] = fired("AGE-001", CHILD, statin)
    assert f.vola_amt == 1050 and "5 岁" in f.vola_cont
    assert not fired("AGE-001", MAN, statin)


def test_price_above_cap() -> None:
    ct = visit(ln("1", "210300001", 40000, cnt=2, pric=200_000_000))  # 200.00 × 2 against the 180.00 cap
    [f] = fired("PRICE-001", MAN, ct)
    assert f.vola_amt == 4000 and "超过限价 180.00" in f.vola_cont
    assert not fired("PRICE-001", MAN, visit(ln("1", "210300001", 36000, cnt=2, pric=180_000_000)))


def test_quantity_above_cap() -> None:
    amox = visit(ln("1", "XJ01CR-0002", 86500, cnt=10, pric=86_500_000))  # 10 boxes, cap 6
    [f] = fired("QTY-001", MAN, amox)
    assert f.vola_amt == 34600  # 4 of the 10 boxes
    assert not fired("QTY-001", MAN, visit(ln("1", "XJ01CR-0002", 51900, cnt=6, pric=86_500_000)))


def test_item_inconsistent_with_diagnosis() -> None:
    drug = ln("1", "XL01FD-BLT01", 769200)
    [f] = fired("DIAG-001", WOMAN, visit(drug, diagnoses=("J18.9",)))
    assert f.vola_amt == 769200 and "C50" in f.vola_cont
    assert not fired("DIAG-001", WOMAN, visit(drug, diagnoses=("C50.9", "J18.9")))


def test_readmission_within_fifteen_days_same_hospital_same_diagnosis() -> None:
    first = visit(ln("1", "331001001", 500000, day=date(2025, 5, 20)), mdtrt_id="M0", med_type="21",
                  adm=date(2025, 5, 20), dscg=date(2025, 6, 1), diagnoses=("K35.8",))  # fmt: skip
    again = visit(ln("1", "250101001", 2500), med_type="21", diagnoses=("K35.2",))
    [f] = fired("READM-001", MAN, again, (first,))
    assert (f.vola_amt, f.key) == (2500, "M0") and "9 天后" in f.vola_cont
    assert not fired("READM-001", MAN, replace(again, hospital="H2"), (first,))
    assert not fired("READM-001", MAN, replace(again, adm_day=date(2025, 6, 20)), (first,))


def test_length_of_stay_outlier() -> None:
    long = visit(ln("1", "001102000010000", 160000, type_="01"), med_type="21", adm=date(2025, 5, 1), dscg=DAY)
    [f] = fired("LOS-001", MAN, long)  # 40 days, 10 beyond 30: a quarter of the bill
    assert f.vola_amt == 40000 and "住院 40 天" in f.vola_cont
    assert not fired("LOS-001", MAN, replace(long, adm_day=date(2025, 5, 20)))


def test_same_person_at_several_hospitals_the_same_day() -> None:
    elsewhere = visit(ln("9", "250101001", 2500), mdtrt_id="M9", hospital="H2")
    here = visit(ln("1", "001101000010000", 3000))
    [f] = fired("MULTI-001", MAN, here, (elsewhere,))
    assert f.vola_amt == 3000 and "H1、H2" in f.vola_cont
    assert not fired("MULTI-001", MAN, here, (replace(elsewhere, hospital="H1"),))


def test_hospital_share_of_high_cost_lines_against_peers() -> None:
    rule = next(r for r in version().rules if isinstance(r, HospitalShareRule))
    peers = [HospitalStats(f"H{i}", "3", 100, 10, 1_000_000, 200_000) for i in range(4)]
    odd = HospitalStats("HX", "3", 100, 60, 1_000_000, 800_000)
    [f] = hospital_findings(rule, [*peers, odd])
    # mean share (4 × 0.10 + 0.60) / 5 = 0.20; expected 0.20 × 10,000.00 = 2,000.00; excess 6,000.00
    assert (f.hospital, f.vola_amt, f.mdtrt_id) == ("HX", 600_000, None)
    assert not hospital_findings(rule, [*peers, HospitalStats("HY", "3", 100, 12, 1_000_000, 240_000)])
    assert not hospital_findings(rule, [peers[0], odd])  # fewer than three hospitals of the level: no verdict


def test_stages_select_rules_and_findings_are_stable() -> None:
    dup = visit(ln("1", "250101001", 2500), ln("2", "250101001", 2500))
    a, b = fired("DUP-001", MAN, dup, stage="pre"), fired("DUP-001", MAN, dup, stage="post")
    assert a == b and a[0].jr_id == b[0].jr_id


@pytest.mark.parametrize(("amount", "held"), [(49999, False), (50000, True)])
def test_hold_threshold_is_data(amount: int, held: bool) -> None:
    f = Finding("DUP-001", "重复收费", "1", "", "", amount, "", "P1", "M1", "H1", (), "")
    assert holds_leg([f], "yantai-shiminjiankangbao-2025", version().holds) is held
    assert not holds_leg([replace(f, sev_deg="2", vola_amt=10**6)], "any", version().holds)
