"""``syncsettle demo``: the README's main job.

For now a demonstration of the settlement engine on the embedded rules: a handful of realistic
bills (the reference worked examples and a few everyday visits) priced through the case format,
printed as a table of every payer's share. Later issues grow it into the full platform demo.
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from syncsettle.adapters.case_file import price_case, read_case, render_settlement
from syncsettle.adapters.rulebook import shipped_rulebook


def _person(psn_no: str, insutype: str, psn_type: str, region: str, **extra: Any) -> dict[str, Any]:
    return {"psn_no": psn_no, "insutype": insutype, "psn_type": psn_type, "insured_region": region, **extra}


def _item(sn: int, code: str, cnt: str, pric: str, lv: str | None = None, prop: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"feedetl_sn": str(sn), "med_list_codg": code, "cnt": cnt, "pric": pric}
    if lv:
        item["chrgitm_lv"] = lv
    if prop:
        item["selfpay_prop"] = prop
    return item


def demo_cases() -> list[tuple[str, dict[str, Any]]]:
    """The demonstration bills, as case-format objects."""
    stay = [
        _item(1, "001102000010000", "12", "45.00"),
        _item(2, "331001001", "1", "3200.00"),
        _item(3, "XL01XC-0004", "6", "2600.00"),
        _item(4, "C14-0006", "1", "2600.00"),
        _item(5, "ZA03-0005", "30", "38.00"),
        _item(6, "250101001", "8", "25.00"),
    ]
    return [
        (
            "乌兰察布 居民 三级医院首次住院 50,000（参考算例 4）",
            {
                "date": "2025-06-10",
                "person": _person("UQ0001", "390", "1501", "150900"),
                "policy": "ulanqab-resident-2019",
                "bill": {"med_type": "21", "hospital_level": "3", "treatment_region": "150900",
                         "items": [_item(1, "331001001", "1", "50000.00", "01")]},
            },
        ),
        (
            "烟台 退休职工 住院 + 市民健康保 + 企业补充",
            {
                "date": "2025-06-10",
                "person": _person("YT0002", "310", "1201", "370600", enrolled_years=3),
                "policy": "yantai-employee-2025",
                "products": ["yantai-shiminjiankangbao-2025", "acme-supplementary-2025"],
                "accumulators": {"products": {"yantai-shiminjiankangbao-2025": {
                    "R1": {"deductible_used": "14800.00"}, "R2": {"deductible_used": "15000.00"}}}},
                "bill": {"med_type": "21", "hospital_level": "3", "treatment_region": "370600", "items": stay},
            },
        ),
        (
            "烟台 居民 异地未备案住院（北京）+ 市民健康保",
            {
                "date": "2025-06-10",
                "person": _person("YT0003", "390", "1501", "370600",
                                  cross_region={"filed": False, "kind": "temporary"}),
                "policy": "yantai-resident-2025",
                "products": ["yantai-shiminjiankangbao-2025"],
                "accumulators": {"basic": {"subsidy_base": "12000.00"}},
                "bill": {"med_type": "21", "hospital_level": "3", "treatment_region": "110000",
                         "items": [_item(1, "331001001", "1", "60000.00", "01"), _item(2, "D", "1", "8000.00", "03")]},
            },
        ),
        (
            "烟台 在职职工 普通门诊，个人账户支付",
            {
                "date": "2025-06-10",
                "person": _person("YT0004", "310", "1101", "370600", use_personal_account=True,
                                  account_balance="120.00"),
                "policy": "yantai-employee-2025",
                "accumulators": {"basic": {"deductible_used": "150.00"}},
                "bill": {"med_type": "11", "hospital_level": "2", "treatment_region": "370600",
                         "items": [_item(1, "001101000010000", "1", "30.00"), _item(2, "XJ01CR-0002", "2", "86.50"),
                                   _item(3, "XC10AA-0003", "28", "4.20")]},
            },
        ),
        (
            "烟台 居民 药店购倍利妥（高额药品 R3，免赔额已满）",
            {
                "date": "2025-06-10",
                "person": _person("YT0005", "390", "1501", "370600"),
                "policy": "yantai-resident-2025",
                "products": ["yantai-shiminjiankangbao-2025"],
                "accumulators": {"products": {
                    "yantai-shiminjiankangbao-2025": {"R3": {"deductible_used": "16000.00"}}}},
                "bill": {"med_type": "41", "hospital_level": "3", "treatment_region": "370600",
                         "items": [_item(1, "XL01FD-BLT01", "1", "76920.00")]},
            },
        ),
        (
            "安阳 居民 住院（医保结果已给定，双平台）+ 安阳普惠（参考算例 1）",
            {
                "date": "2022-08-01",
                "person": _person("AY0006", "390", "1501", "410500"),
                "basic_result": {"medfee_sumamt": "852000.00", "fulamt_ownpay_amt": "197000.00",
                                 "inscp_scp_amt": "655000.00", "hifp_pay": "254500.00", "hifmi_pay": "254100.00"},
                "products": ["anyang-puhui-2022"],
                "bill": {"med_type": "21", "hospital_level": "3", "treatment_region": "410500",
                         "items": [_item(1, "A", "1", "197000.00", "03"), _item(2, "B", "1", "655000.00", "01")]},
            },
        ),
    ]  # fmt: skip


def demo(as_json: bool = typer.Option(False, "--json", help="print the priced cases as JSON")) -> None:
    """Price a handful of realistic bills and show every payer's share."""
    book = shipped_rulebook()
    rows = []
    for title, case in demo_cases():
        out = render_settlement(price_case(read_case(case, book)))
        rows.append((title, out))
    if as_json:
        typer.echo(json.dumps([{"title": t, **o} for t, o in rows], ensure_ascii=False, indent=2))
        return
    table = Table(title="一站式结算演示（医保 + 商保 + 自付）", show_lines=True)
    for col in ("就医", "总费用", "医保基金", "商保", "个人账户", "现金"):
        table.add_column(col, justify="left" if col == "就医" else "right")
    for title, out in rows:
        s = out["summary"]
        products = "\n".join(f"{p['product']}: {p['payable']}" for p in out["commercial"] if p["payable"] != "0.00")
        table.add_row(
            title, s["total"], s["public_funds"], s["commercial"] + (f"\n{products}" if products else ""),
            s["personal_account"], s["cash"],
        )  # fmt: skip
    Console(width=140).print(table)
    typer.echo("Price your own bill: syncsettle quote CASE.json  (format: shared/reference/case-format.md)")


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("demo")(demo)
