"""Operational alerts and prefunding positions over HTTP, and their gauges on ``/metrics``.

- ``GET /api/operator/alerts``: every alert (the clearing centre on duty);
- ``GET /api/insurer/alerts``: the caller's own alerts (its prefunding exhausted, …);
- ``GET /api/insurer/prefunding``: the caller's reserve, exposure, cap and headroom.

Gauges (read at every scrape): ``syncsettle_prefund_fen{insurer, figure}`` — reserve, exposure,
net_debit_cap and headroom per prefunded insurer, in fen — and ``syncsettle_alerts_open{kind}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from syncsettle.adapters.observability import gauges
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.http.auth import platform_of, require
from syncsettle.services.clearing import prefunding
from syncsettle.services.commercial import prefund
from syncsettle.services.errors import Code, ServiceError

router = APIRouter(prefix="/api", tags=["alerts"])

gauges.register(
    "syncsettle_prefund_fen", "Insurer prefunding per insurer: reserve, exposure, net-debit cap and headroom (fen)",
    prefund.reserve_levels, labels=("insurer", "figure"),
)  # fmt: skip
gauges.register("syncsettle_alerts_open", "Open operational alerts by kind", prefund.open_alerts, labels=("kind",))


@router.get("/operator/alerts", summary="All alerts, newest first (open_only: only those still open)")
def operator_alerts(request: Request, open_only: bool = False,
                    me: Principal = Depends(require(Role.OPERATOR))) -> dict[str, Any]:  # fmt: skip
    return {"alerts": prefund.alerts_of(platform_of(request), open_only=open_only)}


@router.get("/insurer/alerts", summary="My alerts (e.g. my prefunded reserve is exhausted)")
def insurer_alerts(request: Request, open_only: bool = False,
                   me: Principal = Depends(require(Role.INSURER))) -> dict[str, Any]:  # fmt: skip
    return {"alerts": prefund.alerts_of(platform_of(request), me.tenant, open_only=open_only)}


@router.get("/insurer/prefunding", summary="My prefunding position: reserve, exposure, net-debit cap, headroom")
def my_prefunding(request: Request, me: Principal = Depends(require(Role.INSURER))) -> dict[str, Any]:
    try:
        return {**prefunding.position(platform_of(request), me.tenant), "prefunded": True}
    except ServiceError as exc:
        if exc.code is not Code.NOT_FOUND:
            raise
        return {"insurer": me.tenant, "prefunded": False}
