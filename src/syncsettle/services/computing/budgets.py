"""Privacy budgets administered by the regulator (医保部门): grant, list, revoke.

A budget is a total epsilon for one **requester** — an insurer id, or ``regulator:<scope>`` for a
bureau's own analysts — and one **dataset** (what a release is about: ``product:<product id>``,
``remainder:<product id or *>[:<region prefix>]``, ``replay:<candidate id>``), with an optional last
business date (Beijing) on which it may be spent. Every noisy release takes its epsilon from it
(:func:`release.release`); an exact release needs none.

- Only a regulator grants and revokes, and only for requesters in its scope: an insurer admitted in
  one of its regions, or a bureau scope it covers (``370000`` may grant ``regulator:370600``; the
  national ``*`` grants anyone). The operator may read.
- Granting again resets the total and the expiry and lifts a revocation; what was spent stays spent,
  so a total below it is refused.
- Revoking stops any further spending at once; what was spent stays on record.
- Every grant and revocation is a ``decision`` entry of the audit log, and every spend is in the
  release's own ``export`` entry (epsilon spent and remaining), so the data-use trail shows both.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.commercial import filings as insurer_repo
from syncsettle.adapters.db.computing import privacy_budgets as repo
from syncsettle.domain.identity import ALL, Principal, Role, region_covers
from syncsettle.services.computing.access import MAX_EPSILON, epsilon_of
from syncsettle.services.computing.release import MICRO, epsilon_text, view
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management.audit import Action, Use, record
from syncsettle.services.platform import Platform

PURPOSE = "privacy_budget"
REGULATOR_PREFIX = "regulator:"
_DATASET = re.compile(r"^(product|remainder|replay):[A-Za-z0-9*._-]{1,60}(:[0-9]{1,6})?\Z")
_SCOPE = re.compile(r"^(\*|[0-9]{6})\Z")


def _regulator(actor: Principal) -> None:
    if actor.role is not Role.REGULATOR:
        raise ServiceError(Code.FORBIDDEN, "隐私预算只能由医保部门分配或撤销")


def _in_scope(conn: Connection, actor: Principal, requester: str) -> bool:
    """Whether ``requester`` is in the regulator's scope (an operator reads every budget)."""
    if actor.role is Role.OPERATOR or actor.tenant == ALL:
        return True
    if requester.startswith(REGULATOR_PREFIX):
        scope = requester.removeprefix(REGULATOR_PREFIX)
        return scope != ALL and region_covers(actor.tenant, scope)
    row = insurer_repo.insurer(conn, requester)
    return row is not None and bool(row["region"]) and region_covers(actor.tenant, row["region"])


def _check_requester(conn: Connection, actor: Principal, requester: str) -> None:
    if requester.startswith(REGULATOR_PREFIX):
        if not _SCOPE.match(requester.removeprefix(REGULATOR_PREFIX)):
            raise ServiceError(Code.FIELD, "医保部门申请方须写作 regulator:<6 位区划代码或 *>", "requester")
    else:
        row = insurer_repo.insurer(conn, requester)
        if row is None or row["status"] != "admitted":
            raise ServiceError(Code.NOT_FOUND, f"商保机构 {requester} 未准入，不能分配隐私预算", "requester")
    if not _in_scope(conn, actor, requester):
        raise ServiceError(Code.FORBIDDEN, f"{requester} 不在本部门辖区，无权分配或撤销其隐私预算", "requester")


def _check_dataset(dataset: str) -> None:
    if len(dataset) > 80 or not _DATASET.match(dataset):
        raise ServiceError(
            Code.FIELD,
            "数据集须为 product:<产品编号>、remainder:<产品编号或 *>[:<参保地前缀>] 或 replay:<候选产品编号>",
            "dataset",
        )  # fmt: skip


def _who(actor: Principal) -> str:
    return f"{actor.role.value}:{actor.tenant} {actor.name or actor.credential_id}".strip()[:120]


def _audit(conn: Connection, p: Platform, actor: Principal, requester: str, dataset: str, reason: str) -> None:
    record(conn, p.clock.now(), Use(actor, Action.DECISION, PURPOSE, requester, [f"privacy_budget:{dataset}"], [],
                                    granularity="aggregate", outcome="decided", reason=reason))  # fmt: skip


def grant(p: Platform, actor: Principal, requester: str, dataset: str, epsilon: str, *,
          expires_on: date | None = None, reason: str = "") -> dict[str, Any]:  # fmt: skip
    """Grant (or reset) ``requester``'s total epsilon on ``dataset`` (a decimal or fraction string in
    (0, 10]), spendable through ``expires_on`` (inclusive, Beijing business date; none: no expiry)."""
    _regulator(actor)
    requester, dataset = requester.strip(), dataset.strip()
    _check_dataset(dataset)
    total = epsilon_of(epsilon)
    if total is None:
        raise ServiceError(Code.FIELD, f"请填写隐私预算总额 epsilon（(0, {MAX_EPSILON}] 之间）", "epsilon")
    now = p.clock.now()
    today = business_date(now)
    if expires_on is not None and expires_on < today:
        raise ServiceError(Code.FIELD, f"到期日 {expires_on} 早于今天 {today}", "expires_on")
    micro = int(total * MICRO)
    with p.uow() as uow:
        _check_requester(uow.conn, actor, requester)
        existing = repo.row(uow.conn, requester, dataset)
        if existing is not None and existing["spent_micro"] > micro:
            used = epsilon_text(existing["spent_micro"])
            raise ServiceError(Code.FIELD, f"总额 ε={epsilon_text(micro)} 低于已用 ε={used}"
                                           "：已用的隐私预算不能收回", "epsilon")  # fmt: skip
        repo.grant(uow.conn, requester, dataset, micro, expires_on=expires_on, granted_by=_who(actor), granted_at=now)
        _audit(uow.conn, p, actor, requester, dataset,
               f"grant epsilon={epsilon_text(micro)} expires_on={expires_on or '-'}"
               + (f": {reason.strip()}" if reason.strip() else ""))  # fmt: skip
        row = repo.row(uow.conn, requester, dataset)
        uow.commit()
    assert row is not None
    return view(row, today)


def revoke(p: Platform, actor: Principal, requester: str, dataset: str, reason: str) -> dict[str, Any]:
    """Stop ``requester`` spending more on ``dataset`` (a reason is required; what was spent stays)."""
    _regulator(actor)
    if not reason.strip():
        raise ServiceError(Code.FIELD, "撤销隐私预算必须说明理由", "reason")
    now = p.clock.now()
    with p.uow() as uow:
        if not _in_scope(uow.conn, actor, requester):
            raise ServiceError(Code.FORBIDDEN, f"{requester} 不在本部门辖区，无权撤销其隐私预算", "requester")
        if repo.row(uow.conn, requester, dataset) is None:
            raise ServiceError(Code.NOT_FOUND, f"{requester} 在数据集 {dataset} 上没有隐私预算", "dataset")
        if not repo.revoke(uow.conn, requester, dataset, revoked_by=_who(actor), revoked_at=now):
            raise ServiceError(Code.CONFLICT, f"{requester} 在数据集 {dataset} 上的隐私预算已撤销", "dataset")
        _audit(uow.conn, p, actor, requester, dataset, f"revoke: {reason.strip()}")
        row = repo.row(uow.conn, requester, dataset)
        uow.commit()
    assert row is not None
    return view(row, business_date(now))


def listing(p: Platform, actor: Principal, requester: str | None = None) -> list[dict[str, Any]]:
    """The budgets of requesters in the caller's scope (a regulator's; the operator's: all), with
    total, spent, remaining (epsilon strings), status and expiry."""
    if actor.role not in (Role.REGULATOR, Role.OPERATOR):
        raise ServiceError(Code.FORBIDDEN, "只有医保部门与清分结算中心可查看全部隐私预算")
    today = business_date(p.clock.now())
    with p.uow(readonly=True) as uow:
        rows = repo.rows(uow.conn, requester or None)
        return [view(r, today) for r in rows if _in_scope(uow.conn, actor, r["insurer"])]
