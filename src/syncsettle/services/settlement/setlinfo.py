"""The live ``setlinfo`` of a (pre-)settlement: the interface's full field list, as a HIS reads it.

**The commercial share** (the contract of docs/his-compatibility.md, "商保 in the hospital's answer"):
- the basic insurance's own figures stay its own: ``fund_pay_sumamt``, the fund fields
  (``hifp_pay``, ``hifmi_pay``, ``cvlserv_pay``, ``maf_pay``, …) and every ``setldetail`` row are
  what the medical-insurance bureau pays and clears, never touched by a commercial leg;
- ``psn_cash_pay`` is the cash the patient still owes **after every payer** (the one-stop
  ``summary.cash``), so a HIS that knows nothing of commercial insurance collects exactly that;
- ``acct_pay`` is the person's own personal account, ``acct_mulaid_pay`` what family members'
  accounts paid (家庭共济), and ``psn_part_amt`` = ``acct_pay`` + ``acct_mulaid_pay`` +
  ``psn_cash_pay`` (the interface's sum, with the family accounts that pay for the patient);
- the commercial share is explicit: ``comm_pay`` (paid now by every commercial leg together), and
  ``medfee_sumamt`` = ``fund_pay_sumamt`` + ``comm_pay`` + ``psn_part_amt`` + ``hosp_part_amt``.
  Each product's share is in the answer's ``commercial[]``, and both slips show the same figures.
This is how deployed one-stop settlements (一站式/一单制结算) report it: the insurer's direct-pay
share comes back beside the medical-insurance result and the cash is what remains.

The case-file renderer (:func:`syncsettle.adapters.case_file.render_setlinfo`, used by ``quote`` and
the golden cases) keeps the case format's definition, where ``psn_cash_pay`` is before commercial.

Amounts are yuan strings with two decimals; times ``yyyy-MM-dd HH:mm:ss`` in Beijing time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from syncsettle.adapters.case_file import render_setlinfo
from syncsettle.adapters.clock import business_date, national_time
from syncsettle.domain.codes import INPATIENT_MED_TYPES
from syncsettle.domain.settlement.waterfall import Settlement
from syncsettle.money import format_yuan, parse_yuan

# every amount field of setlinfo (negated by a reversal)
AMOUNTS = (
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "act_pay_dedc",
    "hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "hifdm_pay", "maf_pay", "oth_pay",
    "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "hosp_part_amt", "acct_mulaid_pay", "comm_pay",
)  # fmt: skip
DETAIL_AMOUNTS = ("inscp_scp_amt", "fund_payamt")  # crt_payb_lmt_amt is a limit, not a payment: kept


def age_on(brdy: date, day: date) -> int:
    """Whole years on ``day``."""
    return day.year - brdy.year - ((day.month, day.day) < (brdy.month, brdy.day))


def render_live(
    s: Settlement, *, visit: dict[str, Any], person_row: dict[str, Any], psn_type: str, insutype: str,
    insured_region: str, balance_before: int, when: datetime, msgid: str, setl_id: str | None,
    civil_servant: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """The hospital's ``setlinfo`` (the pre-settlement's has no ``setl_id``)."""
    leg = s.basic
    y = format_yuan
    med_type = visit["med_type"]
    brdy = person_row["brdy"]
    info: dict[str, Any] = {
        "mdtrt_id": visit["mdtrt_id"],
        "psn_no": visit["psn_no"],
        "psn_name": person_row["psn_name"],
        "psn_cert_type": person_row.get("psn_cert_type") or "01",
        "certno": person_row["certno"],
        "gend": person_row["gend"],
        "naty": person_row.get("naty") or "",
        "brdy": brdy.isoformat(),
        "age": f"{age_on(brdy, business_date(when))}.0",
        "insutype": insutype,
        "psn_type": psn_type,
        "cvlserv_flag": "1" if civil_servant or leg.cvlserv_pay else "0",
        "setl_time": national_time(when),
        "mdtrt_cert_type": visit.get("mdtrt_cert_type") or "02",
        "med_type": med_type,
        # the basic leg's own figures, as the case format renders them; the patient's part follows below
        **render_setlinfo(s),
        "hifes_pay": y(0),  # no enterprise supplementary fund in the shipped policies
        "hifdm_pay": y(0),  # 伤残人员医疗保障基金: none in the shipped policies
        "psn_part_amt": y(s.acct_pay + s.acct_mulaid_pay + s.cash),
        "acct_pay": y(s.acct_pay),
        "psn_cash_pay": y(s.cash),
        "hosp_part_amt": y(0),
        "balc": y(balance_before - s.acct_pay),
        "acct_mulaid_pay": y(s.acct_mulaid_pay),
        "comm_pay": y(s.commercial),
        "medins_setl_id": msgid,
        "clr_optins": insured_region,
        "clr_way": "01",
        "clr_type": "21" if med_type in INPATIENT_MED_TYPES else "11",
    }
    if setl_id is not None:
        info = {"setl_id": setl_id, **info}
    return info


def adds_up(info: dict[str, Any]) -> bool:
    """The interface's sums: the split of the total, and who paid it."""
    v = {k: parse_yuan(info[k], allow_negative=True) for k in AMOUNTS if k in info}
    parts = v["fulamt_ownpay_amt"] + v["overlmt_selfpay"] + v["preselfpay_amt"] + v["inscp_scp_amt"]
    payers = v["fund_pay_sumamt"] + v["comm_pay"] + v["psn_part_amt"] + v["hosp_part_amt"]
    patient = v["acct_pay"] + v.get("acct_mulaid_pay", 0) + v["psn_cash_pay"]
    return parts == v["medfee_sumamt"] == payers and v["psn_part_amt"] == patient


def negated(info: dict[str, Any], rev_id: str, when: datetime, msgid: str) -> dict[str, Any]:
    """A reversal's ``setlinfo`` (2208/2305): the original's, every amount negated, its own id and time."""
    out = {k: (format_yuan(-parse_yuan(v, allow_negative=True)) if k in AMOUNTS else v) for k, v in info.items()}
    out.update(setl_id=rev_id, init_setl_id=info.get("setl_id"), setl_time=national_time(when), medins_setl_id=msgid)
    if "balc" in info and "acct_pay" in info:  # the account after the reversal: the payment given back
        out["balc"] = format_yuan(parse_yuan(info["balc"]) + parse_yuan(info["acct_pay"], allow_negative=True))
    return out


def negated_details(details: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: (format_yuan(-parse_yuan(v, allow_negative=True)) if k in DETAIL_AMOUNTS else v) for k, v in d.items()}
        for d in details
    ]
