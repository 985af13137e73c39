"""Every benefit beyond the pooled fund settles over ``/fsi/api`` as the hand-computed golden cases
say, and its reversal gives everything back.

Each 2026 golden case (``tests/golden/cases/y2026_*.json``) is replayed as a hospital would run it:
the person imported with their benefit data (assistance category with its validity, civil-servant
flag, 门慢门特 certifications, 家庭共济 links and the holders' accounts), their year-to-date figures
as the case states them, a hospital of the case's level in its treatment region, then 2201/2401 →
2204/2301 → 2206/2303 → 2207/2304. The answer carries the case's expected figures (the hospital's
``psn_cash_pay`` is after commercial insurance, the case's before it), the same fund detail as the
engine's quote, and the database holds the case's accumulators afterwards. Then 2208/2305: every
accumulator, per-disease figure and account balance — the family members' included — is back, and
the same bill settles again to the same answer.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from syncsettle.adapters.case_file import price_case, read_case, render_settlement
from syncsettle.adapters.db.settlement import benefits as benefit_repo
from syncsettle.adapters.db.settlement import people
from syncsettle.adapters.db.settlement import settlements as repo
from syncsettle.adapters.rulebook import shipped_rulebook
from syncsettle.domain.codes import INPATIENT_MED_TYPES
from syncsettle.domain.settlement.model import BasicAccumulators
from syncsettle.money import format_yuan, parse_yuan
from syncsettle.services import admin, person_benefits
from syncsettle.services.errors import ServiceError
from syncsettle.services.settlement.check import check
from syncsettle.services.settlement.inputs import basic_delta, basic_from_row, disease_delta
from tests.golden.test_golden_cases import _match
from tests.world import World, file_reference_products, grant_consent

CASES = Path(__file__).parents[1] / "golden" / "cases"
BENEFIT_CASES = sorted(CASES.glob("y2026_*.json"))
FUND_FIELDS = ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
               "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "hifmi_pay", "hifob_pay", "cvlserv_pay", "maf_pay",
               "oth_pay", "fund_pay_sumamt", "acct_pay", "acct_mulaid_pay")  # fmt: skip
INSURERS = {"yantai-shiminjiankangbao-2025": "yantai-hmb"}


def _spec(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))
    return spec


def _amount(cnt: str, pric: str) -> str:
    return f"{(Decimal(cnt) * Decimal(pric)).quantize(Decimal('0.01'))}"


class Replay:
    """One golden case set up in the service world, and its visit run through the interface."""

    def __init__(self, world: World, spec: dict[str, Any]) -> None:
        self.world, self.spec = world, spec
        self.case = spec["case"]
        self.person = self.case["person"]
        self.bill = self.case["bill"]
        self.psn_no: str = self.person["psn_no"]
        self.inpatient = self.bill["med_type"] in INPATIENT_MED_TYPES
        self.parsed = read_case(self.case, shipped_rulebook())
        day = date.fromisoformat(self.case["date"])
        world.clock.at = datetime.combine(day, time(2, 0), tzinfo=UTC)  # 10:00 in China: the case's date
        code = f"H{self.bill['treatment_region']}9{self.bill['hospital_level']}"
        if code not in world.secrets:
            world.add_hospital(code, "测试医院", self.bill["hospital_level"], self.bill["treatment_region"])
        self.hospital = code
        self._import()
        self._seed_accumulators()
        self._enroll()

    def _import(self) -> None:
        """The person as a person import carries them: the case's benefit fields as they are."""
        p = self.person
        holders = [
            {"psn_no": f["psn_no"], "psn_name": f"家属{f['psn_no']}", "certno": f"3706021975010{i:05d}", "gend": "2",
             "brdy": "1975-01-01", "insuplc_admdvs": p["insured_region"],
             "insuinfo": [{"insutype": "310", "psn_type": "1101", "balc": f["account_balance"]}]}
            for i, f in enumerate(p.get("family_accounts") or [])
        ]  # fmt: skip
        row: dict[str, Any] = {"insutype": p["insutype"], "psn_type": p["psn_type"], "balc": p["account_balance"]}
        if p.get("cross_region"):
            row["cross_region"] = p["cross_region"]
        item = {"psn_no": self.psn_no, "psn_name": "测试参保人", "certno": "370602198001019999", "gend": "1",
                "brdy": "1980-01-01", "insuplc_admdvs": p["insured_region"], "insuinfo": [row]}  # fmt: skip
        for key in ("assistance_category", "assistance_begndate", "assistance_enddate", "cvlserv_flag",
                    "civil_servant", "certifications", "family_accounts"):  # fmt: skip
            if key in p:
                item[key] = p[key]
        if item.pop("civil_servant", False):
            item["cvlserv_flag"] = "1"
        admin.import_persons(self.world.platform, [*holders, item])

    def _seed_accumulators(self) -> None:
        """The case's year-to-date figures, written as earlier settlements would have left them."""
        acc = self.parsed.basic_accumulators
        year = self.parsed.day.year
        with self.world.platform.uow() as uow:
            repo.lock_basic(uow.conn, self.psn_no, self.person["insutype"], year)
            insutype, zero = self.person["insutype"], BasicAccumulators()
            repo.add_to_basic(uow.conn, self.psn_no, insutype, year, basic_delta(zero, acc))
            benefit_repo.add_to_diseases(uow.conn, self.psn_no, insutype, year, disease_delta(zero, acc))
            for product, cov in self.parsed.coverages:
                repo.add_to_products(uow.conn, self.psn_no, year, [
                    (product.id, rid, a.deductible_used, a.paid) for rid, a in cov.accumulators.responsibilities
                ])  # fmt: skip
            uow.commit()

    def _enroll(self) -> None:
        products = self.case.get("products") or []
        if not products:
            return
        file_reference_products(self.world.platform)
        for pid in products:
            admin.enroll(self.world.platform, self.psn_no, pid, date(2026, 1, 1), date(2026, 12, 31))
            grant_consent(self.world.platform, self.psn_no, INSURERS[pid])

    def visit(self) -> str:
        w, psn, h = self.world, self.psn_no, self.hospital
        diagnoses = self.bill.get("diagnoses") or []
        diseinfo = [{"diag_code": code, "diag_srt_no": str(i)} for i, code in enumerate(diagnoses, 1)]
        lines = [
            {"feedetl_sn": item.get("feedetl_sn") or str(i), "med_list_codg": item["med_list_codg"], "cnt": item["cnt"],
             "pric": item["pric"], "det_item_fee_sumamt": _amount(item["cnt"], item["pric"]),
             **{k: item[k] for k in ("chrgitm_lv", "selfpay_prop", "pric_uplmt_amt") if k in item}}
            for i, item in enumerate(self.bill["items"], 1)
        ]  # fmt: skip
        info: dict[str, Any] = {"psn_no": psn, "insutype": self.person["insutype"], "med_type": self.bill["med_type"]}
        if self.bill.get("dise_codg"):
            info["dise_codg"] = self.bill["dise_codg"]
        if self.inpatient:
            mdtrt_id: str = w.ok("2401", {"mdtrtinfo": info, "diseinfo": diseinfo}, hospital=h)["result"]["mdtrt_id"]
        else:
            mdtrt_id = w.ok("2201", {"data": info, "diseinfo": diseinfo}, hospital=h)["data"]["mdtrt_id"]
        upload = "2301" if self.inpatient else "2204"
        w.ok(upload, {"feedetail": [dict(line, mdtrt_id=mdtrt_id, psn_no=psn) for line in lines]}, hospital=h)
        return mdtrt_id

    def request(self, mdtrt_id: str) -> dict[str, Any]:
        flag = "1" if self.person.get("use_personal_account") else "0"
        return {"data": {"mdtrt_id": mdtrt_id, "psn_no": self.psn_no, "acct_used_flag": flag}}

    def settle(self, mdtrt_id: str) -> dict[str, Any]:
        pre, final = ("2303", "2304") if self.inpatient else ("2206", "2207")
        quote = self.world.ok(pre, self.request(mdtrt_id), hospital=self.hospital)
        settled = self.world.ok(final, self.request(mdtrt_id), hospital=self.hospital)
        assert settled["summary"] == quote["summary"]
        return settled

    def reverse(self, settled: dict[str, Any]) -> dict[str, Any]:
        info = settled["setlinfo"]
        data = {"setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"], "psn_no": self.psn_no}
        return self.world.ok("2305" if self.inpatient else "2208", {"data": data}, hospital=self.hospital)

    def accumulators(self) -> tuple[dict[str, int], dict[str, int]]:
        """The person's basic figures and 门慢 per-disease figures in the database (as deltas from zero)."""
        year = self.parsed.day.year
        with self.world.platform.uow(readonly=True) as uow:
            row = repo.read_basic(uow.conn, self.psn_no, self.person["insutype"], year)
            diseases = benefit_repo.read_diseases(uow.conn, self.psn_no, self.person["insutype"], year)
        acc = basic_from_row(row, diseases)
        return basic_delta(BasicAccumulators(), acc), disease_delta(BasicAccumulators(), acc)

    def balances(self) -> dict[str, str]:
        """Every account of the case: the person's own and each family holder's (yuan)."""
        out = {}
        with self.world.platform.uow(readonly=True) as uow:
            for psn_no, insutype in [(self.psn_no, self.person["insutype"])] + [
                (f["psn_no"], "310") for f in self.person.get("family_accounts") or []
            ]:
                row = people.insurance_row(uow.conn, psn_no, insutype)
                assert row is not None
                out[psn_no] = format_yuan(int(row["balc"]))
        return out


def _expected_live(spec: dict[str, Any], settled: dict[str, Any]) -> dict[str, Any]:
    """The case's expected figures as the hospital's answer states them: its ``psn_cash_pay`` and
    ``psn_part_amt`` are after commercial insurance (the case format's are before it)."""
    expected = json.loads(json.dumps(spec["expected"]))
    setlinfo = expected.get("setlinfo", {})
    commercial = parse_yuan(settled["summary"]["commercial"])
    if "psn_cash_pay" in setlinfo:
        setlinfo["psn_cash_pay"] = format_yuan(parse_yuan(setlinfo["psn_cash_pay"]) - commercial)
    if "psn_part_amt" in setlinfo:
        setlinfo["psn_part_amt"] = format_yuan(parse_yuan(setlinfo["psn_part_amt"]) - commercial)
    summary = expected.get("summary", {})
    if summary.get("family_account") == "0.00":
        summary.pop("family_account")  # the hospital's summary names the family part only when it paid
    expected.pop("accumulators_after", None)  # compared with the database below
    expected.pop("notes", None)
    return expected


def _quote_of(replay: Replay) -> dict[str, Any]:
    return render_settlement(price_case(replay.parsed))


@pytest.mark.parametrize("path", BENEFIT_CASES, ids=[p.stem.removeprefix("y2026_") for p in BENEFIT_CASES])
def test_benefit_settles_over_the_interface_as_the_golden_case_and_reverses(world: World, path: Path) -> None:
    spec = _spec(path.stem)
    replay = Replay(world, spec)
    before, balances = replay.accumulators(), replay.balances()
    mdtrt_id = replay.visit()
    settled = replay.settle(mdtrt_id)

    problems: list[str] = []
    _match(_expected_live(spec, settled), settled, "", problems)
    assert not problems, f"{spec['title']}\n" + "\n".join(problems)
    quote = _quote_of(replay)
    info = settled["setlinfo"]
    assert {k: info[k] for k in FUND_FIELDS} == {k: quote["setlinfo"][k] for k in FUND_FIELDS}
    assert settled["setldetail"] == quote["setldetail"]
    assert info["psn_part_amt"] == format_yuan(
        parse_yuan(info["acct_pay"]) + parse_yuan(info["acct_mulaid_pay"]) + parse_yuan(info["psn_cash_pay"])
    )
    assert parse_yuan(info["medfee_sumamt"]) == sum(
        parse_yuan(info[k]) for k in ("fund_pay_sumamt", "comm_pay", "psn_part_amt", "hosp_part_amt")
    )
    if replay.person.get("cvlserv_flag") in ("1", 1, True):
        assert info["cvlserv_flag"] == "1"
    # the accumulators the database now holds are the engine's after the case
    after_basic, after_diseases = replay.accumulators()
    parsed_after = price_case(replay.parsed).basic_after
    assert after_basic == basic_delta(BasicAccumulators(), parsed_after)
    assert after_diseases == disease_delta(BasicAccumulators(), parsed_after)

    replay.reverse(settled)
    assert replay.accumulators() == before
    assert replay.balances() == balances
    again = replay.settle(mdtrt_id)
    assert again["summary"] == settled["summary"]
    assert again["setldetail"] == settled["setldetail"]


def test_family_accounts_pay_after_the_own_account_and_reversal_gives_every_account_back(world: World) -> None:
    replay = Replay(world, _spec("y2026_employee_family_accounts_pay_after_own"))
    assert replay.balances() == {"Y26-14": "50.00", "Y26-F1": "100.00", "Y26-F2": "500.00", "Y26-F3": "1000.00"}
    settled = replay.settle(replay.visit())
    info = settled["setlinfo"]
    assert (info["acct_pay"], info["acct_mulaid_pay"], info["psn_cash_pay"], info["psn_part_amt"]) == (
        "50.00", "250.00", "0.00", "300.00")  # fmt: skip
    assert info["balc"] == "0.00"  # the person's own account after
    assert settled["summary"]["personal_account"] == "300.00" and settled["summary"]["family_account"] == "250.00"
    # F1 pays its 100.00, F2's link ended on 2026-01-31, F3 pays the remaining 150.00 — in the same transaction
    assert replay.balances() == {"Y26-14": "0.00", "Y26-F1": "0.00", "Y26-F2": "500.00", "Y26-F3": "850.00"}
    assert check(world.platform)["ok"]

    reversal = replay.reverse(settled)
    assert reversal["setlinfo"]["acct_mulaid_pay"] == "-250.00" and reversal["setlinfo"]["acct_pay"] == "-50.00"
    assert replay.balances() == {"Y26-14": "50.00", "Y26-F1": "100.00", "Y26-F2": "500.00", "Y26-F3": "1000.00"}
    report = check(world.platform)
    assert report["ok"], report["problems"]


def test_a_revoked_link_pays_nothing_and_a_link_needs_consent(world: World) -> None:
    replay = Replay(world, _spec("y2026_employee_family_accounts_pay_after_own"))
    links = person_benefits.links(world.platform, "Y26-14")
    f1 = next(link for link in links if link["holder_psn_no"] == "Y26-F1")
    person_benefits.revoke(world.platform, f1["link_id"])
    with pytest.raises(ServiceError):
        person_benefits.revoke(world.platform, f1["link_id"])
    with pytest.raises(ServiceError):
        person_benefits.link(world.platform, "Y26-F1", "Y26-14", consent=False)
    settled = replay.settle(replay.visit())
    # own 50.00, then F3 alone pays the other 250.00
    assert settled["setlinfo"]["acct_mulaid_pay"] == "250.00"
    assert replay.balances() == {"Y26-14": "0.00", "Y26-F1": "100.00", "Y26-F2": "500.00", "Y26-F3": "750.00"}
    # a resident's link to an employee's account: the holder's consent is given again
    again = person_benefits.link(world.platform, "Y26-F1", "Y26-14", consent=True)
    assert again["revoked_at"] is None and again["holder_psn_no"] == "Y26-F1"


def test_family_accounts_pay_only_when_the_account_is_used(world: World) -> None:
    replay = Replay(world, _spec("y2026_employee_family_accounts_pay_after_own"))
    mdtrt_id = replay.visit()
    request = replay.request(mdtrt_id)
    request["data"]["acct_used_flag"] = "0"
    settled = world.ok("2207", request, hospital=replay.hospital)
    assert (settled["setlinfo"]["acct_pay"], settled["setlinfo"]["acct_mulaid_pay"]) == ("0.00", "0.00")
    assert settled["setlinfo"]["psn_cash_pay"] == "300.00" and "family_account" not in settled["summary"]
    assert replay.balances()["Y26-F3"] == "1000.00"


def test_person_query_answers_benefits_in_the_national_names(world: World) -> None:
    Replay(world, _spec("y2026_resident_dibao_inpatient_tilt_and_assistance"))
    info = world.ok("1101", {"data": {"psn_no": "Y26-02"}})
    assert info["idetinfo"] == [{"psn_idet_type": "232", "psn_type_lv": "", "memo": "最低生活保障对象",
                                 "begntime": "2026-01-01 00:00:00", "endtime": "2026-12-31 23:59:59"}]  # fmt: skip
    assert info["insuinfo"][0]["cvlserv_flag"] == "0"

    Replay(world, _spec("y2026_employee_civil_servant_special_outpatient"))
    info = world.ok("1101", {"data": {"psn_no": "Y26-17"}})
    assert info["insuinfo"][0]["cvlserv_flag"] == "1" and info["idetinfo"] == []
    certified = world.ok("5301", {"data": {"psn_no": "Y26-17"}})
    assert certified["feedetail"] == [{"opsp_dise_code": "MT-CAN", "opsp_dise_name": "恶性肿瘤放化疗", "begndate": None,
                                       "enddate": None, "kind": "special", "kind_name": "门特"}]  # fmt: skip


def test_chronic_visit_takes_its_disease_from_dise_codg_and_reversal_restores_the_disease_cap(world: World) -> None:
    """The resident's 门慢 visit names MM-DIA by ``dise_codg`` (no diagnosis): the MM-DIA cap binds and
    MM-HYP's figure is untouched; the reversal gives MM-DIA's 100.00 back."""
    replay = Replay(world, _spec("y2026_resident_chronic_diabetes_shared_deductible_disease_cap"))
    _, diseases = replay.accumulators()
    assert diseases == {"MM-DIA": 140000, "MM-HYP": 150000}
    settled = replay.settle(replay.visit())
    assert settled["setlinfo"]["hifp_pay"] == "100.00"
    assert replay.accumulators()[1] == {"MM-DIA": 150000, "MM-HYP": 150000}
    replay.reverse(settled)
    assert replay.accumulators()[1] == diseases
