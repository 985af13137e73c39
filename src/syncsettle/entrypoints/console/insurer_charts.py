"""ECharts options of the insurer's overview (商保总览), from
:class:`~syncsettle.services.commercial.insurer_figures.InsurerFigures` (pure functions; amounts as
two-decimal yuan strings, ratios as four-decimal strings — no float is made on the server)."""

from __future__ import annotations

from typing import Any

from syncsettle.entrypoints.console.charts import _bar
from syncsettle.money import format_yuan
from syncsettle.services.commercial.insurer_figures import InsurerFigures


def enrollments(view: InsurerFigures) -> dict[str, Any]:
    """Enrollments in force per month, one stacked bar per product."""
    series = [
        {"name": name, "type": "bar", "stack": "total",
         "data": [sum(r.enrollments for r in view.rows if r.month == m and r.product_id == pid) for m in view.months]}
        for pid, name in view.products.items()
    ]  # fmt: skip
    option = _bar(view.months, series)
    option["yAxis"]["name"] = "人"
    return option


def claims(view: InsurerFigures) -> dict[str, Any]:
    """Claims per month: legs paid at the bedside and quick claims (快赔), net of reversals."""
    months = view.by_month()
    option = _bar(view.months, [
        {"name": "床旁赔付笔数", "type": "bar", "stack": "claims", "data": [r.bedside_legs for r in months]},
        {"name": "快赔笔数", "type": "bar", "stack": "claims", "data": [r.quick_claims for r in months]},
    ])  # fmt: skip
    option["yAxis"]["name"] = "笔"
    return option


def loss_ratio(view: InsurerFigures) -> dict[str, Any]:
    """Earned premium and paid amount per month (yuan, bars) and the loss ratio (line, second axis)."""
    months = view.by_month()
    option = _bar(view.months, [
        {"name": "已赚保费", "type": "bar", "data": [format_yuan(r.premium) for r in months]},
        {"name": "赔付金额", "type": "bar", "data": [format_yuan(r.paid) for r in months]},
        {"name": "赔付率", "type": "line", "yAxisIndex": 1, "data": [r.loss_ratio for r in months]},
    ])  # fmt: skip
    option["yAxis"] = [option["yAxis"], {"type": "value", "name": "赔付率"}]
    return option
