"""ECharts options of the dashboards, built from the read models (pure functions).

Amounts go to the browser as two-decimal yuan strings (ECharts reads numeric strings as numbers),
so no float is made on the server. Every series name is a glossary word.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from syncsettle.adapters.clock import CHINA
from syncsettle.domain.glossary import PAYER_KINDS, TERMS, fund_name
from syncsettle.money import format_yuan
from syncsettle.services.management.dashboards import Latency, Overview

KIND_ORDER = ("fund", "product", "personal_account", "cash")


def _bar(categories: list[str], series: list[dict[str, Any]], *, horizontal: bool = False) -> dict[str, Any]:
    category_axis = {"type": "category", "data": categories}
    value_axis = {"type": "value", "name": "元"}
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 40, "containLabel": True},
        "xAxis": value_axis if horizontal else category_axis,
        "yAxis": category_axis if horizontal else value_axis,
        "series": series,
    }


def daily_by_payer(view: Overview) -> dict[str, Any]:
    """Stacked bars: each day's amounts by payer kind (医保基金, 商保, 个人账户, 现金)."""
    days = sorted({row["day"] for row in view.daily})
    amounts: dict[str, dict[date, int]] = defaultdict(dict)
    for row in view.daily:
        amounts[row["payer_kind"]][row["day"]] = int(row["amount"])
    series = [
        {"name": PAYER_KINDS[kind], "type": "bar", "stack": "total",
         "data": [format_yuan(amounts[kind].get(d, 0)) for d in days]}
        for kind in KIND_ORDER if kind in amounts
    ]  # fmt: skip
    return _bar([d.isoformat() for d in days], series)


def daily_counts(view: Overview) -> dict[str, Any]:
    days = [row["day"].isoformat() for row in view.daily_counts]
    option = _bar(days, [
        {"name": TERMS["volume"], "type": "line", "data": [int(r["settlements"]) for r in view.daily_counts]},
        {"name": f"{TERMS['reversal']}笔数", "type": "line", "data": [int(r["reversals"]) for r in view.daily_counts]},
    ])  # fmt: skip
    option["yAxis"]["name"] = "笔"
    return option


def by_fund(view: Overview) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [{
            "name": TERMS["medical_fund"], "type": "pie", "radius": ["35%", "65%"],
            "data": [{"name": fund_name(r["payer"]), "value": format_yuan(int(r["amount"]))} for r in view.funds],
        }],
    }  # fmt: skip


def by_product(view: Overview) -> dict[str, Any]:
    names = [f"{r['name']}（{r['insurer']}）" for r in view.products]
    return _bar(names, [{"name": f"{TERMS['commercial']}赔付", "type": "bar",
                         "data": [format_yuan(int(r["amount"])) for r in view.products]}], horizontal=True)  # fmt: skip


def by_region(view: Overview) -> dict[str, Any]:
    regions = [str(r["region"]) for r in view.regions]
    option = _bar(regions, [
        {"name": TERMS["total"], "type": "bar", "data": [format_yuan(int(r["amount"])) for r in view.regions]},
    ])  # fmt: skip
    return option


def latency(view: Latency) -> dict[str, Any]:
    """Percentile lines (ms) per minute, China time on the axis, and the error rate on a second axis."""
    minutes = [m.astimezone(CHINA).strftime("%m-%d %H:%M") for m in view.minutes]

    def ms(values: list[float | None]) -> list[str | None]:
        return [None if v is None else f"{v:.1f}" for v in values]

    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 60, "right": 60, "top": 40, "bottom": 40, "containLabel": True},
        "xAxis": {"type": "category", "data": minutes},
        "yAxis": [{"type": "value", "name": "毫秒"}, {"type": "value", "name": TERMS["error_rate"], "max": 1}],
        "series": [
            {"name": "P50", "type": "line", "data": ms(view.p50)},
            {"name": "P95", "type": "line", "data": ms(view.p95)},
            {"name": "P99", "type": "line", "data": ms(view.p99)},
            {"name": TERMS["error_rate"], "type": "bar", "yAxisIndex": 1,
             "data": [f"{r:.4f}" for r in view.error_rate]},
        ],
    }  # fmt: skip
