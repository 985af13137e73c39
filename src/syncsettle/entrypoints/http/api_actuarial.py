"""Actuarial aggregates and what-if replays over HTTP (精算支持、产品测算): thin wrappers over the
computing centre (:mod:`syncsettle.services.computing.access`). Only aggregates leave, with the
minimum cell size, optional noise under the caller's privacy budget, and an audited ``export``.

- insurer: ``GET /api/insurer/actuarial/aggregates``, ``GET /api/insurer/actuarial/remainder`` (its own
  products), ``POST /api/insurer/replays`` (a candidate rule file + premium → a job),
  ``GET /api/insurer/replays/{job_id}`` (poll it);
- regulator: ``GET /api/regulator/actuarial/remainder`` (a product, or everyone insured in its
  regions), ``POST /api/regulator/replays`` (a candidate over every person in the history),
  ``GET /api/regulator/replays/{job_id}``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from syncsettle.domain.identity import Principal, Role
from syncsettle.domain.rules.fields import Amount
from syncsettle.entrypoints.http.auth import platform_of, require
from syncsettle.entrypoints.http.params import INT4_MAX
from syncsettle.services.computing import access

router = APIRouter(prefix="/api", tags=["actuarial"])
INSURER = Depends(require(Role.INSURER))
REGULATOR = Depends(require(Role.REGULATOR))
FROM = Query(..., alias="from", description="first settlement date")
TO = Query(..., alias="to", description="last settlement date")
EPSILON = Query(None, description='differential-privacy epsilon to spend, e.g. "0.5" (none: no noise)')
CELL = Query(None, ge=1, le=INT4_MAX, description="a minimum cell size above the platform's (never below it)")


class ReplayIn(BaseModel):
    candidate: dict[str, Any] = Field(description="candidate product rule file (kind: product), as JSON")
    premium: Amount = Field(description='yuan per covered person for the period, e.g. "129.00"')
    day_from: date = Field(alias="from")
    day_to: date = Field(alias="to")
    replaces: str | None = None
    epsilon: str | None = None
    min_cell: int | None = Field(None, ge=1, le=INT4_MAX)


@router.get("/insurer/actuarial/aggregates", summary="Actuarial table of one of my products (aggregates only)")
def aggregates(request: Request, product: str, day_from: date = FROM, day_to: date = TO,
               by: str = Query("age_band,sex", description="comma-separated dimensions"),
               epsilon: str | None = EPSILON, min_cell: int | None = CELL,
               me: Principal = INSURER) -> dict[str, Any]:  # fmt: skip
    dims = [d for d in by.split(",") if d]
    return access.aggregates(platform_of(request), me, product, day_from, day_to, dims, epsilon=epsilon, cell=min_cell)


@router.get("/insurer/actuarial/remainder", summary="What my product's enrollees still paid after basic insurance")
def insurer_remainder(request: Request, product: str, day_from: date = FROM, day_to: date = TO,
                      epsilon: str | None = EPSILON, min_cell: int | None = CELL,
                      me: Principal = INSURER) -> dict[str, Any]:  # fmt: skip
    return access.remainder(platform_of(request), me, product, day_from, day_to, epsilon=epsilon, cell=min_cell)


@router.get("/regulator/actuarial/remainder", summary="What patients still paid: a product or my regions' insured")
def regulator_remainder(request: Request, day_from: date = FROM, day_to: date = TO, product: str | None = None,
                        epsilon: str | None = EPSILON, min_cell: int | None = CELL,
                        me: Principal = REGULATOR) -> dict[str, Any]:  # fmt: skip
    return access.remainder(platform_of(request), me, product, day_from, day_to, epsilon=epsilon, cell=min_cell)


@router.get("/insurer/actuarial/budgets", summary="My privacy budgets: total, spent, remaining per dataset")
def insurer_budgets(request: Request, me: Principal = INSURER) -> list[dict[str, Any]]:
    return access.budgets(platform_of(request), me)


@router.get("/regulator/actuarial/budgets", summary="My bureau's own privacy budgets (regulator:<scope>)")
def regulator_budgets(request: Request, me: Principal = REGULATOR) -> list[dict[str, Any]]:
    return access.budgets(platform_of(request), me)


def _replay_routes(prefix: str, who: Any) -> None:
    @router.post(f"{prefix}/replays", summary="Replay history under a candidate product (a background job)")
    async def submit(body: ReplayIn, request: Request, me: Principal = who) -> dict[str, Any]:
        return await run_in_threadpool(
            access.submit_replay, platform_of(request), me, body.candidate, body.premium, body.day_from, body.day_to,
            replaces=body.replaces, epsilon=body.epsilon, cell=body.min_cell,
        )  # fmt: skip

    @router.get(f"{prefix}/replays/{{job_id}}", summary="A replay job of mine: progress, then the aggregates")
    def poll(job_id: str, request: Request, me: Principal = who) -> dict[str, Any]:
        return access.replay_status(platform_of(request), me, job_id)


_replay_routes("/insurer", INSURER)
_replay_routes("/regulator", REGULATOR)
