"""The reference products on the demo's market: where each is filed, its premium, who buys it, and
the enrollments and consents made through the commercial centre's real flows.

| product | filed for | route (the rule file's) | premium | bought by |
|---|---|---|---|---|
| 烟台市民健康保 2025 | 370600 | embedded | 99.00 | ~45 % of 烟台 households, whole family |
| ACME 企业补充医疗 2025 | 370600 | detail | 150.00 | ~35 % of 烟台 employees and retirees, themselves |
| 安阳普惠健康保 2022 | 150900 | dual_platform (in-process) | 59.00 | ~40 % of 乌兰察布 households |
| 惠琼保 2026 A款 | 150900 | category | 129.00 | ~22 % of 乌兰察布 households |

乌兰察布 has no reference product of its own, so the demo files the Anyang and Hainan reference
products for it (their rules are unchanged; only the filing region is the demo's). The holder pays
the family's premium from their personal account when it holds enough (家庭共济), else in cash.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from syncsettle.adapters.clock import FixedClock, business_date
from syncsettle.domain.commercial.vocabulary import Granularity, Purpose
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.commercial import consents
from syncsettle.services.commercial.enrollment import Member, enroll
from syncsettle.services.platform import Platform
from syncsettle_tools.simulation.calendar import APPROVED_TO, ENROLLMENT_DAY, china, move_to
from syncsettle_tools.simulation.population import ULANQAB, YANTAI, Household
from syncsettle_tools.simulation.progress import Advance

CITY, ACME, ANYANG, HAINAN = ("yantai-shiminjiankangbao-2025", "acme-supplementary-2025", "anyang-puhui-2022",
                              "hainan-huiqiongbao-2026-a")  # fmt: skip
APP = "demo:insured-app"  # the credential id the insured person's app acts under in the audit log


@dataclass(frozen=True, slots=True)
class Offer:
    product_id: str
    region: str
    premium: int  # fen per insured person
    share: float  # of the eligible households (or employees) who buy it
    family: bool  # the whole household, or only an employee or retiree themself


OFFERS = (
    Offer(CITY, YANTAI, 9_900, 0.45, True),
    Offer(ACME, YANTAI, 15_000, 0.35, False),
    Offer(ANYANG, ULANQAB, 5_900, 0.40, True),
    Offer(HAINAN, ULANQAB, 12_900, 0.22, True),
)
REMOTE_GRANULARITY = {ACME: Granularity.DETAIL, ANYANG: Granularity.RESULT, HAINAN: Granularity.CATEGORY}


@dataclass(frozen=True, slots=True)
class Application:
    offer: Offer
    household: Household
    insured: tuple[str, ...]  # psn_no of everyone to enroll, the holder first
    paid_by: str


def insured_actor(psn_no: str, name: str) -> Principal:
    return Principal(Role.INSURED, psn_no, name, APP)


def applications(households: Iterable[Household], rng: random.Random) -> list[Application]:
    """Who buys what, and how they pay (tracking each holder's account as premiums are taken)."""
    balances: dict[str, int] = {}
    out = []
    for household in households:
        for offer in OFFERS:
            if offer.region != household.region:
                continue
            employees = tuple(p for p in household.everyone if p.employee)[:1]
            people = household.everyone if offer.family else employees
            if not people or rng.random() >= offer.share:
                continue
            payer = people[0]
            due = offer.premium * len(people)
            balance = balances.get(payer.psn_no, payer.balance)
            paid_by = "personal_account" if balance >= due else "cash"
            if paid_by == "personal_account":
                balances[payer.psn_no] = balance - due
            out.append(Application(offer, household, tuple(p.psn_no for p in people), paid_by))
    return out


def enroll_all(p: Platform, clock: FixedClock, apps: list[Application], advance: Advance) -> dict[str, list[str]]:
    """Enroll every application through the one-click flow (consents granted in the same click),
    twenty seconds apart from 09:00 on the enrollment day. Returns psn_no → the consent ids granted."""
    granted: dict[str, list[str]] = {}
    move_to(clock, china(ENROLLMENT_DAY, 9))
    for app in apps:
        clock.advance(seconds=20)
        people = {person.psn_no: person for person in app.household.everyone}
        holder = people[app.insured[0]]
        members = [Member(people[psn].certno, people[psn].name) for psn in app.insured[1:]]
        result = enroll(p, insured_actor(holder.psn_no, holder.name), app.offer.product_id, members=members,
                        paid_by=app.paid_by)  # fmt: skip
        for consent in result["consents"]:
            granted.setdefault(consent["psn_no"], []).append(str(consent["id"]))
        advance(1)
    return granted


def consent_choices(p: Platform, clock: FixedClock, apps: list[Application], rng: random.Random,
                    advance: Advance) -> dict[str, int]:  # fmt: skip
    """After enrolling, some holders of a product whose insurer receives data also allow quick claims
    (快赔) explicitly; a few withdraw their settlement consent (their legs will wait for them)."""
    counts = {"quick_claim": 0, "revoked": 0}
    for app in apps:
        granularity = REMOTE_GRANULARITY.get(app.offer.product_id)
        advance(1)
        if granularity is None:
            continue
        holder = app.household.holder
        actor = insured_actor(holder.psn_no, holder.name)
        insurer = p.rules.products[app.offer.product_id].insurer
        roll = rng.random()
        clock.advance(seconds=30)
        if roll < 0.25:
            day = business_date(clock.now())
            consents.grant(p, actor, insurer, Purpose.QUICK_CLAIM, granularity, day, APPROVED_TO)
            counts["quick_claim"] += 1
        elif roll < 0.26:
            for row in consents.mine(p, actor):
                if (
                    row["purpose"] == Purpose.SETTLEMENT.value
                    and row["insurer_id"] == insurer
                    and not row["revoked_at"]
                ):
                    consents.revoke(p, actor, row["id"])
                    counts["revoked"] += 1
    return counts
