"""The commercial legs of a settlement (or of a quick claim), by each product's filed route.

Products take their turn in filing priority order. Before anything leaves the medical-insurance
domain a leg must pass two gates: its filing must not be suspended, and the person's consent to
that insurer for the purpose, at the filing's granularity, must be in force on the visit day — a
missing or revoked consent is an audited refusal. Then, by route:

- ``embedded``: the rules run here; only the result leaves, as a notice to the insurer (outbox,
  sealed when the relay sends it);
- ``dual_platform``: the minimum necessary goes over the channel to the commercial platform, which
  adjudicates and answers;
- ``detail`` / ``category`` / ``settlement_summary``: the projection at the filing's granularity goes
  to the insurer side, which adjudicates from it.

Every payload that leaves is audited (``release``, its field names) in the caller's transaction.
A leg that cannot settle — gate closed, channel down or past the time budget, answer refused —
becomes a :class:`Pending` leg; the others settle. The whole settlement shares one time budget.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.channel.transport import ChannelDown, ChannelError
from syncsettle.adapters.db.commercial import claims as repo
from syncsettle.adapters.db.settlement import settlements as settlements_repo
from syncsettle.domain.commercial import projections
from syncsettle.domain.commercial.pending import PendingReason
from syncsettle.domain.commercial.view import VisitView, view_of
from syncsettle.domain.commercial.vocabulary import FilingStatus, Granularity, Purpose, Route
from syncsettle.domain.identity import Principal
from syncsettle.domain.rules.product import Product
from syncsettle.domain.settlement.commercial import ProductResult
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.domain.settlement.model import Coverage
from syncsettle.domain.settlement.waterfall import Waterfall
from syncsettle.services.commercial import messages, prefund
from syncsettle.services.commercial.consents import Refused, release_gate
from syncsettle.services.commercial.wiring import channel_of
from syncsettle.services.management.audit import Action, Use, record
from syncsettle.services.platform import Platform


@dataclass(frozen=True)
class Leg:
    """One product the person is enrolled in, with the filing in force on the visit day."""

    filing: dict[str, Any]
    product: Product
    coverage: Coverage

    @property
    def route(self) -> Route:
        return Route(self.filing["route"])

    @property
    def granularity(self) -> Granularity:
        return Granularity(self.filing["granularity"])

    @property
    def insurer(self) -> str:
        return str(self.filing["insurer_id"])


@dataclass(frozen=True)
class Pending:
    leg: Leg
    reason: PendingReason
    detail: str = ""


@dataclass(frozen=True)
class Occasion:
    """Who releases whose data, when, and for which purposes (consents accepted, preferred first)."""

    setl_id: str
    psn_no: str
    day: date
    now: datetime
    actor: Principal
    purposes: tuple[Purpose, ...] = (Purpose.SETTLEMENT,)
    claim_id: str | None = None


class Budget:
    """How long the commercial side may take, in total, to answer one settlement's remote legs; the
    clock starts at the first request (the medical side's own work is not the commercial side's)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline: float | None = None

    def left(self) -> float:
        if self.deadline is None:
            self.deadline = time.monotonic() + self.seconds
        return self.deadline - time.monotonic()


def in_order(legs: Sequence[Leg]) -> list[Leg]:
    return [leg for _, leg in sorted(enumerate(legs), key=lambda item: (item[1].product.priority, item[0]))]


def admit(conn: Connection, leg: Leg, occ: Occasion, *, audit: bool = True) -> dict[str, Any] | Pending:
    """The consent under which this leg may release data, or why it may not (a refusal is audited)."""
    if leg.filing["status"] == FilingStatus.SUSPENDED:
        return Pending(leg, PendingReason.PRODUCT_SUSPENDED)
    record_ids = [occ.setl_id] + ([occ.claim_id] if occ.claim_id else [])
    found = release_gate(conn, occ.now, occ.actor, occ.psn_no, leg.insurer, occ.purposes, leg.granularity, occ.day,
                         record_ids, sorted(projections.FIELDS[leg.granularity]), audit=audit)  # fmt: skip
    return Pending(leg, PendingReason(found.code)) if isinstance(found, Refused) else found


def settle_legs(p: Platform, conn: Connection, w: Waterfall, legs: Sequence[Leg], occ: Occasion,
                held: Collection[str] = ()) -> list[Pending]:  # fmt: skip
    """Settle each leg into ``w`` (embedded: adjudicated here; others: adjudicated remotely and
    taken); returns the legs that could not settle. A product in ``held`` (risk findings above its
    threshold) is held for review before anything leaves; a leg its insurer's prefunding cannot
    cover is given back to the waterfall (the products after it see the burden as if it never ran)."""
    budget = Budget(p.commercial.budget_s)
    pending: list[Pending] = []
    for leg in in_order(legs):
        if leg.product.id in held:
            pending.append(Pending(leg, PendingReason.RISK_REVIEW))
            continue
        consent = admit(conn, leg, occ)
        if isinstance(consent, Pending):
            pending.append(consent)
            continue
        mark = w.checkpoint()
        if leg.route is Route.EMBEDDED or leg.product.version_on(w.day) is None:
            result = w.adjudicate(leg.product, leg.coverage)
        else:
            claimed = ask(p, conn, leg, view_of(w, occ.setl_id), occ, consent, budget)
            if isinstance(claimed, Pending):
                pending.append(claimed)
                continue
            try:
                result = w.take(leg.product, leg.coverage, claimed)
            except InvalidInput as exc:
                pending.append(Pending(leg, PendingReason.CHANNEL_REFUSED, str(exc)))
                continue
        if not prefund.reserve(conn, leg.insurer, result.payable, occ.setl_id, occ.now):
            w.rewind(mark)
            pending.append(Pending(leg, PendingReason.PREFUND_EXHAUSTED))
        elif leg.route is Route.EMBEDDED:
            notify(conn, leg, occ, consent, result)
    return pending


def quote_legs(conn: Connection, w: Waterfall, legs: Sequence[Leg], occ: Occasion,
               held: Collection[str] = ()) -> list[Pending]:  # fmt: skip
    """A quote: every leg that may release is adjudicated here; nothing leaves, nothing is audited
    (nor reserved: prefunding is checked when the leg settles)."""
    pending: list[Pending] = []
    for leg in in_order(legs):
        if leg.product.id in held:
            pending.append(Pending(leg, PendingReason.RISK_REVIEW))
            continue
        consent = admit(conn, leg, occ, audit=False)
        if isinstance(consent, Pending):
            pending.append(consent)
        else:
            w.adjudicate(leg.product, leg.coverage)
    return pending


def notify(conn: Connection, leg: Leg, occ: Occasion, consent: dict[str, Any], result: ProductResult) -> None:
    """Send an ``embedded`` product's result to its insurer: the result only, via the outbox."""
    data = projections.result(occ.setl_id, occ.psn_no, occ.day, result)
    message = messages.notice(consent["purpose"], occ.claim_id, leg.filing, data)
    settlements_repo.emit(
        conn, {"topic": repo.NOTICE_TOPIC, "key": occ.claim_id or occ.setl_id, "payload": message,
               "created_at": occ.now}
    )  # fmt: skip
    _audit(conn, occ, leg, Action.RELEASE, consent, projections.field_names(data), granularity=Granularity.RESULT)


def ask(p: Platform, conn: Connection, leg: Leg, view: VisitView, occ: Occasion, consent: dict[str, Any],
        budget: Budget) -> ProductResult | Pending:  # fmt: skip
    """Send the leg's projection and return the adjudication (not yet taken), or why not."""
    version = leg.product.version_on(view.setl_date)
    assert version is not None
    if leg.route is Route.DUAL_PLATFORM:
        shape, data = messages.MINIMUM, projections.minimum_necessary(view, version)
    elif leg.granularity in projections.PROJECTIONS:
        shape, data = leg.granularity.value, projections.PROJECTIONS[leg.granularity](view, version)
    else:
        return Pending(
            leg, PendingReason.CHANNEL_REFUSED, f"a {leg.route.value} route needs data, filed {leg.granularity.value}"
        )
    message = messages.request(consent["purpose"], occ.claim_id, leg.filing, shape, leg.coverage, data)
    failure: ChannelError | None = None
    try:
        reply = channel_of(p).call("adjudicate", message, budget.left())
    except ChannelError as exc:
        failure = exc
    delivered = not isinstance(failure, ChannelDown)  # a timeout or refusal may have arrived: it left
    _audit(conn, occ, leg, Action.RELEASE, consent, projections.field_names(data), granularity=shape,
           outcome="released" if delivered else "undelivered", sent=delivered,
           reason=f"{leg.route.value}" + (f": {failure.reason}" if failure else ""))  # fmt: skip
    if failure is not None:
        return Pending(leg, PendingReason(failure.reason), failure.detail)
    try:
        return messages.read_adjudicated(leg.product, reply)
    except InvalidInput as exc:
        return Pending(leg, PendingReason.CHANNEL_REFUSED, str(exc))


def _audit(conn: Connection, occ: Occasion, leg: Leg, action: Action, consent: dict[str, Any] | None,
           fields: Sequence[str], *, granularity: str | None = None, outcome: str = "released",
           reason: str = "", sent: bool = False) -> None:  # fmt: skip
    record(
        conn,
        occ.now,
        Use(
            actor=occ.actor,
            action=action,
            purpose=consent["purpose"] if consent else occ.purposes[0].value,
            recipient=leg.insurer,
            record_ids=[occ.setl_id] + ([occ.claim_id] if occ.claim_id else []),
            fields=fields,
            psn_no=occ.psn_no,
            consent_id=consent["id"] if consent else None,
            granularity=granularity or leg.granularity.value,
            outcome=outcome,
            reason=reason or leg.route.value,
        ),
        sent=sent,
    )
