"""How a slip reads, as sections of label/value pairs, tables and explanation lines — the one
layout both the HTML page and the PDF draw, so the two can never say different things."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from syncsettle.domain.glossary import FIELDS, TERMS
from syncsettle.domain.glossary import field as label

RATIO_FIELDS = frozenset({"pool_prop_selfpay", "ratio"})


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    pairs: list[tuple[str, str]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _visit(content: dict[str, Any]) -> Section:
    keys = ("setl_id", "mdtrt_id", "fixmedins_name", "psn_name", "psn_no", "insutype", "med_type", "setl_time")
    return Section("就诊信息", pairs=[(label(k), content[k]) for k in keys])


def _amount(name: str, value: str) -> str:
    return value if name in RATIO_FIELDS else f"{value} 元"


def _medical(content: dict[str, Any]) -> list[Section]:
    info: dict[str, str] = content["setlinfo"]
    funds = content["setldetail"]
    return [
        Section("费用结算", pairs=[(label(k), _amount(k, v)) for k, v in info.items()]),
        Section(
            "基金支付明细",
            headers=[
                FIELDS["fund_pay_type"],
                FIELDS["inscp_scp_amt"],
                FIELDS["crt_payb_lmt_amt"],
                FIELDS["fund_payamt"],
            ],
            rows=[
                [d["fund_pay_type_name"], d["inscp_scp_amt"], d["crt_payb_lmt_amt"], d["fund_payamt"]] for d in funds
            ],
        ),
        Section(FIELDS["setl_proc_info"], lines=[f"{d['fund_pay_type_name']}：{d['setl_proc_info']}" for d in funds]),
    ]


def _status(content: dict[str, Any]) -> list[Section]:
    """A provisional slip says so before any amount (the status is signed with the content)."""
    status = content.get("status", "已结算")
    if status == "已结算":
        return []
    why = ("商保部分因风险复核暂缓，审核通过后按理赔结果赔付" if status == "待审核"
           else "商保部分未能实时结算，已转快赔，按理赔结果赔付")  # fmt: skip
    return [Section(f"结算单状态：{status}（暂定结算单，非最终结算）", lines=[f"{why}；本单所列现金为个人先行支付。"])]


def _commercial(content: dict[str, Any]) -> list[Section]:
    s = content["summary"]
    status = content.get("status", "已结算")
    pairs = [
        (TERMS["total"], f"{s['total']} 元"),
        (f"{TERMS['medical_fund']}支付", f"{s['public_funds']} 元"),
        (f"{TERMS['commercial']}赔付", f"{s['commercial']} 元"),
        (f"{TERMS['personal_account']}支付", f"{s['personal_account']} 元"),
        (f"{TERMS['cash']}支付", f"{s['cash']} 元" + ("（个人先行支付）" if status != "已结算" else "")),
    ]
    if "held" in s:
        pairs.insert(3, (f"{TERMS['commercial']}待审核", f"{s['held']} 元"))
    sections = [*_status(content), Section("一站式结算", pairs=pairs)]
    for leg in content["commercial"]:
        resp = leg["responsibilities"]
        if "held" in leg:
            outcome = f"待审核 {leg['held']} 元"
        elif "pending" in leg:
            outcome = "待理赔"
        else:
            outcome = f"赔付 {leg['payable']} 元"
        sections.append(
            Section(
                f"{leg['name']}（{TERMS['insurer']} {leg['insurer']}，{leg['route']}）{outcome}",
                headers=[
                    TERMS["responsibility"],
                    FIELDS["base"],
                    FIELDS["deductible_applied"],
                    FIELDS["ratio"],
                    FIELDS["payable"],
                ],
                rows=[[r["name"], r["base"], r["deductible_applied"], r["ratio"], r["payable"]] for r in resp],
                lines=[f"{r['name']}：{r['reason']}" for r in resp]
                + ([f"未实时结算：{leg['pending']}"] if "pending" in leg else []),
            )
        )
    return sections


def sections(content: dict[str, Any]) -> list[Section]:
    body = _medical(content) if content["kind"] == "medical" else _commercial(content)
    return [_visit(content), *body]
