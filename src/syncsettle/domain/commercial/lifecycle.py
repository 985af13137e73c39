"""The filing lifecycle (备案): which step moves a filing from which status to which, and who may take it (pure).

| action | from | to | who | reason |
|---|---|---|---|---|
| ``draft`` | — | draft | the insurer (admitted) | |
| ``revise`` | draft | draft | the insurer | |
| ``submit`` | draft | submitted | the insurer | |
| ``withdraw`` | submitted | draft | the insurer | |
| ``approve`` | submitted | approved | regulator of the filing's region | route, granularity, window |
| ``reject`` | submitted | rejected | regulator of the filing's region | required |
| ``launch`` | approved | on_sale | the insurer | |
| ``activate`` | on_sale | active | the insurer | |
| ``suspend`` | on_sale, active | suspended | regulator of the filing's region | required |
| ``resume`` | suspended | the status it was suspended from | regulator of the filing's region | |
| ``exit`` | approved, on_sale, active | exited | the insurer (leaves the market) | required |
| ``force_exit`` | approved, on_sale, active, suspended | exited | regulator of the filing's region | required |

"The insurer" is the filing's own insurer; "regulator of the region" is a regulator whose scope
covers the filing's region (a national regulator covers all). ``rejected`` and ``exited`` are
final: a changed product is filed again as a new version. The operator takes no step.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from syncsettle.domain.commercial.projections import computable
from syncsettle.domain.commercial.vocabulary import ROUTE_GRANULARITY, FilingStatus, Granularity, Route
from syncsettle.domain.identity import Role
from syncsettle.domain.rules.product import Product

S = FilingStatus


class FilingAction(StrEnum):
    DRAFT = "draft"
    REVISE = "revise"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REJECT = "reject"
    LAUNCH = "launch"
    ACTIVATE = "activate"
    SUSPEND = "suspend"
    RESUME = "resume"
    EXIT = "exit"
    FORCE_EXIT = "force_exit"


@dataclass(frozen=True, slots=True)
class Step:
    sources: frozenset[FilingStatus]
    target: FilingStatus | None  # None: back to the status the filing was suspended from
    actor: Role
    reason_required: bool = False


A = FilingAction
STEPS: dict[FilingAction, Step] = {
    A.REVISE: Step(frozenset({S.DRAFT}), S.DRAFT, Role.INSURER),
    A.SUBMIT: Step(frozenset({S.DRAFT}), S.SUBMITTED, Role.INSURER),
    A.WITHDRAW: Step(frozenset({S.SUBMITTED}), S.DRAFT, Role.INSURER),
    A.APPROVE: Step(frozenset({S.SUBMITTED}), S.APPROVED, Role.REGULATOR),
    A.REJECT: Step(frozenset({S.SUBMITTED}), S.REJECTED, Role.REGULATOR, reason_required=True),
    A.LAUNCH: Step(frozenset({S.APPROVED}), S.ON_SALE, Role.INSURER),
    A.ACTIVATE: Step(frozenset({S.ON_SALE}), S.ACTIVE, Role.INSURER),
    A.SUSPEND: Step(frozenset({S.ON_SALE, S.ACTIVE}), S.SUSPENDED, Role.REGULATOR, reason_required=True),
    A.RESUME: Step(frozenset({S.SUSPENDED}), None, Role.REGULATOR),
    A.EXIT: Step(frozenset({S.APPROVED, S.ON_SALE, S.ACTIVE}), S.EXITED, Role.INSURER, reason_required=True),
    A.FORCE_EXIT: Step(
        frozenset({S.APPROVED, S.ON_SALE, S.ACTIVE, S.SUSPENDED}), S.EXITED, Role.REGULATOR, reason_required=True
    ),
}
ENROLLING_STATUSES = frozenset({S.ON_SALE, S.ACTIVE})
"""A product takes new enrollments only while on sale or active (never suspended)."""


class LifecycleError(ValueError):
    """A step that is not allowed: wrong status, wrong party or a missing reason. ``field`` names what."""

    def __init__(self, message: str, field: str, *, forbidden: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.forbidden = forbidden


def check_step(action: FilingAction, status: FilingStatus, role: Role, reason: str) -> Step:
    """The step ``action`` takes from ``status`` when ``role`` asks, or :class:`LifecycleError`."""
    step = STEPS.get(action)
    if step is None:
        raise LifecycleError(f"未知的备案操作 {action.value}", "action")
    if role is not step.actor:
        raise LifecycleError(f"{action.value} 只能由 {step.actor.value} 操作", "action", forbidden=True)
    if status not in step.sources:
        allowed = "、".join(sorted(s.value for s in step.sources))
        raise LifecycleError(f"备案状态为 {status.value}，{action.value} 只能在 {allowed} 状态下进行", "status")
    if step.reason_required and not reason.strip():
        raise LifecycleError(f"{action.value} 必须说明理由", "reason")
    return step


def route_problem(product: Product, route: Route, granularity: Granularity) -> tuple[str, str] | None:
    """Why ``product`` cannot be approved on ``route`` at ``granularity`` (field, message), or ``None``.

    The granularity must give at least what the route sends (:data:`ROUTE_GRANULARITY`). Unless the
    rules run inside the medical-insurance domain (``embedded``), whoever runs them gets only a
    projection — the minimum necessary on ``dual_platform``, the approved granularity on the direct
    routes — so every version of the product must be adjudicable exactly from that projection
    (:func:`~syncsettle.domain.commercial.projections.computable`, the same test the projection
    equivalence proof uses). A filing that could not be adjudicated at its granularity is never
    approved.
    """
    if not granularity.covers(ROUTE_GRANULARITY[route]):
        return "granularity", f"{route.value} 路线至少需要 {ROUTE_GRANULARITY[route].value} 粒度"
    if route is Route.EMBEDDED:
        return None  # the rules run where the data is; only the result leaves
    shape = "minimum" if route is Route.DUAL_PLATFORM else granularity
    for version in product.versions:
        why = computable(version, shape)
        if why is not None:
            given = "最小必要数据" if route is Route.DUAL_PLATFORM else f"{granularity.value} 粒度的数据"
            return "route", (
                f"产品第 {version.version} 版规则无法仅凭{given}理算（{why}）；"
                "请改走 embedded，或批准更细的粒度（药品目录/除外诊断需要 detail）"
            )
    return None
