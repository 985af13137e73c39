"""The regulator's API (医保部门): insurer admission and exit, the filing review queue (approve with
route, granularity and window; reject, suspend, resume, force out — always with reasons where the
lifecycle table asks), data-use monitoring in its regions, and privacy budgets (隐私预算: grant,
list, revoke per requester and dataset, :mod:`syncsettle.services.computing.budgets`). The tenant is a region scope
(``370600``, ``370000``, ``*``); a filing or insurer outside it answers 403. The operator may read
(insurers, filings, data use) but decides nothing here."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, Field

from syncsettle.adapters.db.column_limits import max_length
from syncsettle.domain.commercial.lifecycle import FilingAction
from syncsettle.domain.commercial.vocabulary import Granularity, Route
from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.http.auth import platform_of, require
from syncsettle.entrypoints.http.filing_steps import ReasonIn, add_step_routes
from syncsettle.entrypoints.http.params import Before, DbId, PageLimit
from syncsettle.entrypoints.http.views import filing_view, insurer_view
from syncsettle.services.clearing import revolving
from syncsettle.services.commercial import filings
from syncsettle.services.computing import budgets
from syncsettle.services.management import admission, data_use

router = APIRouter(prefix="/api/regulator", tags=["regulator"])
REGULATOR = Depends(require(Role.REGULATOR))
READER = Depends(require(Role.REGULATOR, Role.OPERATOR))
REGULATOR_STEPS = (FilingAction.REJECT, FilingAction.SUSPEND, FilingAction.RESUME, FilingAction.FORCE_EXIT)


class AdmitIn(BaseModel):
    insurer_id: str = Field(min_length=1, max_length=max_length("insurers", "insurer_id"))
    name: str = Field(min_length=1, max_length=max_length("insurers", "name"))
    region: str | None = Field(None, pattern=r"^[0-9]{6}$")  # ASCII: the regex's \d would take "３７０６００"
    reason: str = ""


class BudgetIn(BaseModel):
    requester: str = Field(min_length=1, max_length=80, description="an insurer id, or regulator:<scope>")
    dataset: str = Field(
        min_length=1,
        max_length=80,
        description="product:<id> | remainder:<id or *>[:<region prefix>] | replay:<candidate>",
    )
    epsilon: str = Field(min_length=1, max_length=40, description='total epsilon, e.g. "2" or "1/2" (at most 10)')
    expires_on: date | None = Field(None, description="last business date (Beijing) it may be spent")
    reason: str = Field("", max_length=500)


class RevokeBudgetIn(BaseModel):
    requester: str = Field(min_length=1, max_length=80)
    dataset: str = Field(min_length=1, max_length=80)
    reason: str = Field(min_length=1, max_length=500)


class ApproveIn(BaseModel):
    route: Route | None = None
    granularity: Granularity | None = None
    approved_from: date
    approved_to: date
    reason: str = ""


@router.get("/insurers", summary="Insurers admitted in my regions")
def insurers(request: Request, me: Principal = READER) -> list[dict[str, Any]]:
    return [insurer_view(r) for r in admission.listing(platform_of(request), me)]


@router.post("/insurers", summary="Admit an insurer (准入)")
def admit(body: AdmitIn, request: Request, me: Principal = REGULATOR) -> dict[str, str]:
    admission.admit(platform_of(request), me, body.insurer_id, body.name, body.region, body.reason)
    return {"insurer_id": body.insurer_id, "status": "admitted"}


@router.post("/insurers/{insurer_id}/exit", summary="Make an insurer exit (退出): its live filings exit with it")
def exit_insurer(insurer_id: str, request: Request, body: ReasonIn = Body(...), me: Principal = REGULATOR) -> Any:
    exited = admission.exit_insurer(platform_of(request), me, insurer_id, body.reason)
    return {"insurer_id": insurer_id, "status": "exited", "filings_exited": exited}


@router.get("/filings", summary="Filings in my regions (status=submitted: the review queue)")
def review_queue(request: Request, status: str | None = None, me: Principal = READER) -> list[dict[str, Any]]:
    statuses = (status,) if status else ()
    return [filing_view(r) for r in filings.listing(platform_of(request), me, statuses)]


@router.get("/filings/{filing_id}", summary="One filing with its rule file and lifecycle events")
def filing(filing_id: DbId, request: Request, me: Principal = READER) -> dict[str, Any]:
    return filing_view(filings.get(platform_of(request), me, filing_id), content=True)


@router.post("/filings/{filing_id}/approve", summary="Approve with route, granularity and window")
def approve(filing_id: DbId, body: ApproveIn, request: Request, me: Principal = REGULATOR) -> dict[str, Any]:
    after = filings.take_step(
        platform_of(request), me, filing_id, FilingAction.APPROVE, body.reason,
        route=body.route, granularity=body.granularity, approved_from=body.approved_from,
        approved_to=body.approved_to,
    )  # fmt: skip
    return filing_view(after)


add_step_routes(router, REGULATOR_STEPS, REGULATOR, "regulator")


@router.get("/data-uses", summary="Data-use monitoring: audit entries about persons insured in my regions")
def data_uses(request: Request, limit: PageLimit = 100, before: Before = None, me: Principal = READER) -> list[Any]:
    return data_use.entries(platform_of(request), me, limit=limit, before=before)


@router.get("/revolving-funds", summary="周转金: the revolving funds of cross-region care that touch my regions")
def revolving_funds(request: Request, me: Principal = READER) -> list[dict[str, Any]]:
    """Each fund whose insured or treatment region is in my scope: balance, level, required top-up,
    warning, last month settled and undrawn settlements (yuan strings). Read-only."""
    scope = me.tenant if me.role is Role.REGULATOR else None
    return revolving.status(platform_of(request), scope=scope)


@router.get("/privacy-budgets", summary="Privacy budgets of requesters in my regions: total, spent, remaining")
def privacy_budgets(request: Request, requester: str | None = None, me: Principal = READER) -> list[dict[str, Any]]:
    return budgets.listing(platform_of(request), me, requester)


@router.post("/privacy-budgets", summary="Grant (or reset) a requester's privacy budget on a dataset")
def grant_budget(body: BudgetIn, request: Request, me: Principal = REGULATOR) -> dict[str, Any]:
    return budgets.grant(platform_of(request), me, body.requester, body.dataset, body.epsilon,
                         expires_on=body.expires_on, reason=body.reason)  # fmt: skip


@router.post("/privacy-budgets/revoke", summary="Revoke a privacy budget: nothing more may be spent on it")
def revoke_budget(body: RevokeBudgetIn, request: Request, me: Principal = REGULATOR) -> dict[str, Any]:
    return budgets.revoke(platform_of(request), me, body.requester, body.dataset, body.reason)
