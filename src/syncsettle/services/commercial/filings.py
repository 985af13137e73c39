"""Product filing (备案): an insurer files a product version as a rule file; the regulator of the
filing's region approves it with a route, a data granularity and a window, or rejects it; the
insurer puts it on sale and activates it; the regulator may suspend, resume or force it out.

Who may take which step from which status is the table of :mod:`syncsettle.domain.commercial.lifecycle`.
Every step is one transaction that moves the filing, records a ``filing_events`` row and an audit
``decision`` entry. The settlement path reads the filing in force (``adapters/db/commercial/commercial.py:
filing_in_force``) and its product through :func:`product_of`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from datetime import date
from typing import Any

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.commercial import filings as repo
from syncsettle.adapters.rulebook import RuleFileError
from syncsettle.adapters.underwriting_rules import parse_underwriting_rule
from syncsettle.domain.commercial.enrollment_terms import line_of
from syncsettle.domain.commercial.lifecycle import (
    ENROLLING_STATUSES,
    FilingAction,
    LifecycleError,
    check_step,
    route_problem,
)
from syncsettle.domain.commercial.vocabulary import ROUTE_GRANULARITY, FilingStatus, Granularity, Route
from syncsettle.domain.identity import Principal, Role, region_covers
from syncsettle.domain.rules.product import Product
from syncsettle.domain.trust.canonical import canonical_json
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management.admission import admitted
from syncsettle.services.management.audit import Action, Use, record
from syncsettle.services.platform import Platform
from syncsettle.services.product_files import parse_content

_PRODUCTS: dict[str, Product] = {}  # sha256 of the content → its product (content never changes under a hash)
_PRODUCTS_LOCK = threading.Lock()


def content_sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def product_of(filing_row: Mapping[str, Any]) -> Product:
    """The product a filing approved, parsed with the engine's schema once per content (by sha256).
    The settlement path, the quick claims and the commercial platform all read rules through here."""
    digest = str(filing_row["sha256"])
    product = _PRODUCTS.get(digest)
    if product is None:
        parsed = parse_content(filing_row["content"])
        with _PRODUCTS_LOCK:
            if len(_PRODUCTS) > 512:
                _PRODUCTS.clear()
            product = _PRODUCTS.setdefault(digest, parsed)
    return product


def _check_underwriting(rule: Any) -> None:
    if rule is not None:
        try:
            parse_underwriting_rule(rule, "underwriting")
        except RuleFileError as exc:
            raise ServiceError(Code.FIELD, exc.reason, f"underwriting.{exc.field}") from None


def _check_premium(premium: int) -> None:
    if premium <= 0:
        raise ServiceError(Code.FIELD, "保费必须大于 0", "premium")


def _step_error(exc: LifecycleError) -> ServiceError:
    if exc.forbidden:
        return ServiceError(Code.FORBIDDEN, str(exc))
    return ServiceError(Code.STATE if exc.field == "status" else Code.FIELD, str(exc), exc.field)


def _audit(uow_conn: Any, at: Any, actor: Principal, row: dict[str, Any], action: FilingAction, reason: str) -> None:
    record(
        uow_conn, at,
        Use(actor, Action.DECISION, "filing", row["insurer_id"], [f"filing:{row['id']}"], [],
            reason=f"{action.value} {row['product_id']} v{row['version']}: {reason}".strip()),
    )  # fmt: skip


def draft(
    p: Platform, actor: Principal, content: dict[str, Any], *, region: str, premium: int,
    underwriting: dict[str, Any] | None = None, line: str | None = None,
) -> int:  # fmt: skip
    """An insurer drafts a new version of a product (its own, in its admitted region); returns the filing id."""
    if actor.role is not Role.INSURER:
        raise ServiceError(Code.FORBIDDEN, "只有商保机构可以起草备案")
    product = parse_content(content)
    if product.insurer != actor.tenant:
        raise ServiceError(Code.FORBIDDEN, f"产品 {product.id} 属于 {product.insurer}，不能由 {actor.tenant} 备案")
    _check_premium(premium)
    _check_underwriting(underwriting)
    if len(region) != 6 or not region.isdigit():
        raise ServiceError(Code.FIELD, "备案区域必须是 6 位区划代码", "region")
    now = p.clock.now()
    with p.uow() as uow:
        insurer = admitted(uow.conn, actor.tenant)
        if not region_covers(insurer["region"] or "", region):
            raise ServiceError(Code.FORBIDDEN, f"{actor.tenant} 的准入区域 {insurer['region']} 不含 {region}")
        owner = repo.product_owner(uow.conn, product.id)
        if owner is not None and owner != actor.tenant:
            raise ServiceError(Code.FORBIDDEN, f"产品编号 {product.id} 已由 {owner} 备案")
        row = {
            "product_id": product.id, "version": repo.next_version(uow.conn, product.id), "insurer_id": actor.tenant,
            "region": region, "status": FilingStatus.DRAFT.value, "route": product.route,
            "granularity": ROUTE_GRANULARITY[Route(product.route)].value, "content": content,
            "sha256": content_sha256(content), "approved_from": None, "approved_to": None, "reason": "",
            "created_at": now, "updated_at": now, "premium": premium, "line": line or line_of(product.id),
            "underwriting": underwriting,
        }  # fmt: skip
        filing_id = row["id"] = repo.add_filing(uow.conn, row)
        repo.add_event(
            uow.conn,
            {"filing_id": row["id"], "at": now, "actor_role": actor.role.value, "actor_tenant": actor.tenant,
             "from_status": None, "to_status": FilingStatus.DRAFT.value, "reason": ""},
        )  # fmt: skip
        _audit(uow.conn, now, actor, row, FilingAction.DRAFT, "")
        uow.commit()
    return filing_id


def _owned(actor: Principal, row: dict[str, Any], step_actor: Role) -> None:
    tenant = row["insurer_id"] if step_actor is Role.INSURER else row["region"]
    if not actor.owns(tenant):
        raise ServiceError(Code.FORBIDDEN, f"无权操作备案 {row['id']}（{row['insurer_id']} / {row['region']}）")


def _restored_status(events: list[dict[str, Any]]) -> FilingStatus:
    last = next(e for e in reversed(events) if e["to_status"] == FilingStatus.SUSPENDED.value)
    return FilingStatus(last["from_status"])


def _approval(row: dict[str, Any], approval: dict[str, Any]) -> dict[str, Any]:
    """Columns an approval sets, after checking the route, granularity and window against the rules."""
    product = product_of(row)
    try:
        route = Route(approval.get("route") or row["route"])
        granularity = Granularity(approval.get("granularity") or ROUTE_GRANULARITY[route].value)
    except ValueError as exc:
        raise ServiceError(Code.FIELD, str(exc), "route" if "Route" in str(exc) else "granularity") from None
    begin, end = approval.get("approved_from"), approval.get("approved_to")
    if not isinstance(begin, date) or not isinstance(end, date):
        raise ServiceError(Code.FIELD, "批准须给出生效期间 approved_from/approved_to", "approved_from")
    if end < begin:
        raise ServiceError(Code.FIELD, "approved_to 早于 approved_from", "approved_to")
    if product.version_on(begin) is None:
        raise ServiceError(Code.FIELD, f"产品在 {begin} 没有有效版本", "approved_from")
    problem = route_problem(product, route, granularity)
    if problem is not None:
        raise ServiceError(Code.FIELD, problem[1], problem[0])
    return {"route": route.value, "granularity": granularity.value, "approved_from": begin, "approved_to": end}


def take_step(
    p: Platform, actor: Principal, filing_id: int, action: FilingAction, reason: str = "", **details: Any
) -> dict[str, Any]:
    """Take one lifecycle step; returns the filing after it. ``details`` carries an approval's
    ``route``/``granularity``/``approved_from``/``approved_to`` and a revision's
    ``content``/``premium``/``underwriting``."""
    now = p.clock.now()
    with p.uow() as uow:
        row = repo.filing(uow.conn, filing_id, lock=True)
        if row is None:
            raise ServiceError(Code.NOT_FOUND, f"备案 {filing_id} 不存在", "filing_id")
        try:
            step = check_step(action, FilingStatus(row["status"]), actor.role, reason)
        except LifecycleError as exc:
            raise _step_error(exc) from None
        _owned(actor, row, step.actor)
        admitted(uow.conn, row["insurer_id"])
        values: dict[str, Any] = {}
        if action is FilingAction.APPROVE:
            values = _approval(row, details)
        elif action is FilingAction.REVISE:
            values = _revision(row, details)
        if action in (FilingAction.REJECT, FilingAction.SUSPEND, FilingAction.EXIT, FilingAction.FORCE_EXIT):
            values["reason"] = reason
        target = step.target or _restored_status(repo.events(uow.conn, filing_id))
        repo.move(uow.conn, row, target.value, (actor.role.value, actor.tenant), reason, now, **values)
        _audit(uow.conn, now, actor, row, action, reason)
        uow.commit()
        after = {**row, **values, "status": target.value, "updated_at": now}
    return after


def _revision(row: dict[str, Any], details: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if details.get("content") is not None:
        product = parse_content(details["content"])
        if product.id != row["product_id"] or product.insurer != row["insurer_id"]:
            raise ServiceError(Code.FIELD, "修改不能改变产品编号或商保机构", "content.id")
        values.update(content=details["content"], sha256=content_sha256(details["content"]), route=product.route,
                      granularity=ROUTE_GRANULARITY[Route(product.route)].value)  # fmt: skip
    if details.get("premium") is not None:
        _check_premium(details["premium"])
        values["premium"] = details["premium"]
    if "underwriting" in details:
        _check_underwriting(details["underwriting"])
        values["underwriting"] = details["underwriting"]
    return values


def visible(actor: Principal, row: dict[str, Any]) -> bool:
    """Whether ``actor`` may see a filing: its insurer, a regulator of its region, the operator."""
    if actor.role is Role.INSURER:
        return bool(actor.tenant == row["insurer_id"])
    return actor.role in (Role.REGULATOR, Role.OPERATOR) and actor.owns(row["region"])


def get(p: Platform, actor: Principal, filing_id: int) -> dict[str, Any]:
    """One filing with its events, for its insurer, a regulator of its region or the operator."""
    with p.uow(readonly=True) as uow:
        row = repo.filing(uow.conn, filing_id)
        if row is None:
            raise ServiceError(Code.NOT_FOUND, f"备案 {filing_id} 不存在", "filing_id")
        if not visible(actor, row):
            raise ServiceError(Code.FORBIDDEN, f"无权查看备案 {filing_id}")
        return {**row, "events": repo.events(uow.conn, filing_id)}


def listing(p: Platform, actor: Principal, statuses: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Filings ``actor`` may see, optionally only in ``statuses`` (a regulator's review queue is ``submitted``)."""
    insurer = actor.tenant if actor.role is Role.INSURER else None
    with p.uow(readonly=True) as uow:
        rows = repo.filings(uow.conn, insurer_id=insurer, statuses=statuses)
    return [r for r in rows if visible(actor, r)]


def open_for_enrollment(p: Platform) -> list[dict[str, Any]]:
    """The filings one may enroll in today: on sale or active, and approved for today."""
    day = business_date(p.clock.now())
    with p.uow(readonly=True) as uow:
        rows = repo.filings(uow.conn, statuses=tuple(s.value for s in ENROLLING_STATUSES))
    return [r for r in rows if r["approved_from"] <= day <= r["approved_to"]]


def insurer_names(p: Platform) -> dict[str, str]:
    """Insurer id → the name it was admitted under."""
    with p.uow(readonly=True) as uow:
        return {r["insurer_id"]: r["name"] for r in repo.all_insurers(uow.conn)}


def filing_row(p: Platform, filing_id: int) -> dict[str, Any] | None:
    """One filing as stored, for a trusted caller (the command line), or None."""
    with p.uow(readonly=True) as uow:
        return repo.filing(uow.conn, filing_id)
