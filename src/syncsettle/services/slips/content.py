"""What a slip says: built from a settlement's stored answer (``settlements.output``, see
``services/settlement/settle.py`` ``render``), never recomputed, so a slip shows exactly what the
hospital was told. Every value is a string (amounts are the answer's two-decimal yuan strings), so
the content has one canonical JSON form to sign.

A slip is named ``<setl_id>-M`` (医疗保障基金结算单: national ``setlinfo``/``setldetail``) or
``<setl_id>-C`` (商业健康保险结算单: each commercial leg per product and responsibility, and the
one-stop split). The person's name and number are masked: the slip's content is shown to anyone
holding its QR code.

A commercial slip whose legs did not all settle at the bedside is *provisional* (``status`` 待审核
or 待理赔): the commercial share it shows is only what was paid so far, the cash is an advance the
person paid meanwhile, and each open leg states what it waits for — a leg held for risk review the
amount the findings question (``held``, the 3102 ``vola_amt`` sum, yuan), a pending leg the quick
claim that will settle it. The status is part of the signed content, so a provisional slip can
never pass for a final one.
"""

from __future__ import annotations

import re
from typing import Any

from syncsettle.adapters.clock import national_time
from syncsettle.adapters.observability.masking import mask_name
from syncsettle.domain.codes import INSUTYPES, MED_TYPES
from syncsettle.domain.glossary import ROUTES, TERMS
from syncsettle.domain.slip_ids import COMMERCIAL as COMMERCIAL
from syncsettle.domain.slip_ids import MEDICAL as MEDICAL
from syncsettle.domain.slip_ids import SLIP_STATUSES as SLIP_STATUSES
from syncsettle.domain.slip_ids import slip_kinds as slip_kinds
from syncsettle.money import format_yuan, parse_yuan

KINDS = {MEDICAL: "medical", COMMERCIAL: "commercial"}
TITLES = {MEDICAL: TERMS["slip_medical"], COMMERCIAL: TERMS["slip_commercial"]}
SLIP_ID = re.compile(r"^([A-Z]{2}[0-9A-F]{24})-([MC])$")
SETLINFO_FIELDS = (
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "act_pay_dedc",
    "hifp_pay", "pool_prop_selfpay", "hifmi_pay", "hifob_pay", "cvlserv_pay", "maf_pay", "oth_pay",
    "fund_pay_sumamt", "comm_pay", "psn_part_amt", "acct_pay", "psn_cash_pay", "balc",
)  # fmt: skip
SETLDETAIL_FIELDS = ("fund_pay_type", "fund_pay_type_name", "inscp_scp_amt", "crt_payb_lmt_amt", "fund_payamt",
                     "setl_proc_info")  # fmt: skip
RESPONSIBILITY_FIELDS = ("id", "name", "base", "deductible_applied", "ratio", "payable", "reason")
SUMMARY_FIELDS = ("total", "public_funds", "commercial", "personal_account", "cash")
FINAL, HELD, PENDING = "已结算", "待审核", "待理赔"
"""A slip's ``status``: final; a leg held for risk review; a leg waiting for its quick claim."""


def parse_slip_id(slip_id: str) -> tuple[str, str] | None:
    """``(setl_id, "M" | "C")`` of a well-formed slip id, else ``None``."""
    m = SLIP_ID.match(slip_id.strip())
    return (m[1], m[2]) if m else None


def mask_psn_no(psn_no: str) -> str:
    """Long (national) person numbers keep their first and last four characters."""
    return psn_no[:4] + "*" * (len(psn_no) - 8) + psn_no[-4:] if len(psn_no) > 12 else psn_no


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _header(kind: str, settlement: dict[str, Any], hospital_name: str) -> dict[str, str]:
    info = settlement["output"]["setlinfo"]
    insutype, med_type = settlement["insutype"], settlement["med_type"]
    return {
        "slip_id": f"{settlement['setl_id']}-{kind}",
        "kind": KINDS[kind],
        "title": TITLES[kind],
        "issuer": TERMS["platform"],
        "setl_id": settlement["setl_id"],
        "mdtrt_id": settlement["mdtrt_id"],
        "setl_time": national_time(settlement["setl_time"]),
        "fixmedins_code": settlement["fixmedins_code"],
        "fixmedins_name": hospital_name,
        "psn_no": mask_psn_no(settlement["psn_no"]),
        "psn_name": mask_name(_text(info.get("psn_name")) or "?"),
        "insutype": f"{insutype} {INSUTYPES.get(insutype, '')}".strip(),
        "med_type": f"{med_type} {MED_TYPES.get(med_type, '')}".strip(),
    }


def slip_content(kind: str, settlement: dict[str, Any], hospital_name: str,
                 insurer_names: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """The content of one slip of ``settlement`` (a ``settlements`` row as a dict); insurers are
    named by ``insurer_names`` (id → name), falling back to their id."""
    output = settlement["output"]
    content: dict[str, Any] = _header(kind, settlement, hospital_name)
    if kind == MEDICAL:
        info = output["setlinfo"]
        content["setlinfo"] = {f: _text(info.get(f)) for f in SETLINFO_FIELDS}
        content["setldetail"] = [{f: _text(d.get(f)) for f in SETLDETAIL_FIELDS} for d in output["setldetail"]]
        return content
    content["summary"] = {f: _text(output["summary"].get(f)) for f in SUMMARY_FIELDS}
    held = held_amount(output)
    content["commercial"] = [_leg(leg, held, insurer_names or {}) for leg in output["commercial"]]
    statuses = {leg.get("status") for leg in output["commercial"]}
    content["status"] = HELD if "held" in statuses else PENDING if "pending" in statuses else FINAL
    if content["status"] == HELD:
        content["summary"]["held"] = held
    return content


def held_amount(output: dict[str, Any]) -> str:
    """The amount the bedside risk findings question (sum of the answer's 3102 ``vola_amt``, yuan):
    what a reviewer weighs before the held leg is paid."""
    return format_yuan(sum(parse_yuan(_text(f.get("vola_amt")) or "0") for f in output.get("risk") or []))


def _leg(leg: dict[str, Any], held: str, insurer_names: dict[str, str]) -> dict[str, Any]:
    """One product's part; a leg left pending at the bedside has no responsibilities, only why it is
    pending and the quick claim that will settle it (``pending``); a leg held for review also the
    amount under review (``held``)."""
    out = {
        "product": _text(leg.get("product")),
        "name": _text(leg.get("name")),
        "insurer": insurer_names.get(_text(leg.get("insurer")), _text(leg.get("insurer"))),
        "route": f"{leg.get('route')} {ROUTES.get(_text(leg.get('route')), '')}".strip(),
        "payable": _text(leg.get("payable")),
        "responsibilities": [
            {f: _text(r.get(f)) for f in RESPONSIBILITY_FIELDS} for r in leg.get("responsibilities", [])
        ],
    }
    if leg.get("status") in ("pending", "held"):
        out["pending"] = f"{_text(leg.get('reason'))}（快赔 {_text(leg.get('claim_id'))}）"
    if leg.get("status") == "held":
        out["held"] = held
    return out
