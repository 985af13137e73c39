"""ECharts options of the dashboards, built from the read models (pure functions).

Amounts go to the browser as two-decimal yuan strings (ECharts reads numeric strings as numbers),
so no float is made on the server. Every series name is a glossary word.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from syncsettle.adapters.clock import CHINA
from syncsettle.domain.glossary import PAYER_KINDS, TERMS, fund_name
from syncsettle.money import format_yuan
from syncsettle.services.management.dashboards import Latency, Overview

KIND_ORDER = ("fund", "product", "personal_account", "cash")


LEGEND = {"type": "scroll", "top": 0, "left": 0, "right": 0}
"""One scrolling legend row (paged with arrows when the names do not fit): a legend that wraps onto a
second row would run into the axis name (元) drawn above the plot."""
GRID_TOP = 56  # px: the legend row (about 24) and the axis name above the plot (about 20) both fit


def _bar(categories: list[str], series: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": dict(LEGEND),
        "grid": {"left": 60, "right": 20, "top": GRID_TOP, "bottom": 40, "containLabel": True},
        "xAxis": {"type": "category", "data": categories},
        "yAxis": {"type": "value", "name": "元"},
        "series": series,
    }


def daily(rows: list[dict[str, Any]], label: Callable[[str], str], *, kind: str = "bar",
          order: Sequence[str] = ()) -> dict[str, Any]:  # fmt: skip
    """One series per key of ``{day, key, amount}`` rows (stacked bars, or lines), days on the x axis;
    keys in ``order`` first, then the others alphabetically."""
    days = sorted({row["day"] for row in rows})
    amounts: dict[str, dict[date, int]] = defaultdict(dict)
    for row in rows:
        amounts[str(row["key"])][row["day"]] = int(row["amount"])
    keys = [k for k in order if k in amounts] + sorted(k for k in amounts if k not in order)
    series = [
        {"name": label(key), "type": kind, **({"stack": "total"} if kind == "bar" else {}),
         "data": [format_yuan(amounts[key].get(d, 0)) for d in days]}
        for key in keys
    ]  # fmt: skip
    return _bar([d.isoformat() for d in days], series)


def by_payer_kind(view: Overview) -> dict[str, Any]:
    """Each day's amounts by payer kind: 医保基金, 商保, 个人账户, 现金."""
    return daily(view.daily_kinds, lambda k: PAYER_KINDS.get(k, k), order=KIND_ORDER)


def by_fund(view: Overview) -> dict[str, Any]:
    return daily(view.daily_funds, fund_name)


def by_product(view: Overview) -> dict[str, Any]:
    return daily(view.daily_products, lambda k: view.products.get(k, k))


def by_region(view: Overview) -> dict[str, Any]:
    return daily(view.daily_regions, str, kind="line")


def daily_counts(view: Overview) -> dict[str, Any]:
    days = [row["day"].isoformat() for row in view.daily_counts]
    option = _bar(days, [
        {"name": TERMS["volume"], "type": "line", "data": [int(r["settlements"]) for r in view.daily_counts]},
        {"name": f"{TERMS['reversal']}笔数", "type": "line", "data": [int(r["reversals"]) for r in view.daily_counts]},
    ])  # fmt: skip
    option["yAxis"]["name"] = "笔"
    return option


def latency(view: Latency) -> dict[str, Any]:
    """Percentile lines (ms) per minute, China time on the axis, and the error rate on a second axis."""
    minutes = [m.astimezone(CHINA).strftime("%m-%d %H:%M") for m in view.minutes]

    def ms(values: list[float | None]) -> list[str | None]:
        return [None if v is None else f"{v:.1f}" for v in values]

    return {
        "tooltip": {"trigger": "axis"},
        "legend": dict(LEGEND),
        "grid": {"left": 60, "right": 60, "top": GRID_TOP, "bottom": 40, "containLabel": True},
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


def reserves(positions: list[dict[str, Any]]) -> dict[str, Any]:
    """准备金告警: per prefunded insurer, its reserve, exposure and headroom side by side (yuan
    strings as ``prefunding.positions`` shows them)."""
    figures = (("reserve", "预付备付金"), ("exposure", "在途占用"), ("headroom", "可用额度"))
    return _bar(
        [row["insurer"] for row in positions],
        [{"name": label, "type": "bar", "data": [row[key] for row in positions]} for key, label in figures],
    )
