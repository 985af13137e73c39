"""Who goes to which hospital when, on one simulated day (deterministic for the seed and the day).

- About 2.5 % of the insured visit an outpatient clinic each day (older people more often) and about
  0.25 % are discharged from a stay — four times real life (≈ 0.06 %), so a few days show
  every kind of payer at work.
- People are treated at home, except long-term residents filed elsewhere (mostly treated where they
  live: local care there; back home it is 异地 returned care), those on a filed temporary stay
  (about half of their care is away) and about 3 % of everyone else (unfiled cross-region care).
- Outpatient care is spread over all levels, stays over levels 2 and 3 (level 3 mostly).
- Half of a 门慢门特-certified person's outpatient visits at home are for their disease (``med_type``
  14), and each day every benefit beyond the pooled fund has one visit by one of its holders
  (:func:`_showcase`). People a family account pays for ask for the account (``acct_used_flag`` 1).
- A few percent of visits (:data:`REVERSED_SHARE`, at least two a day) have their settlement
  reversed: half are corrected and settled again, half cancelled.
- Visits are spread evenly from 08:00 to 17:30 China time, in random order.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from syncsettle_tools.simulation import benefits
from syncsettle_tools.simulation.bills import Bill, Bills
from syncsettle_tools.simulation.calendar import china
from syncsettle_tools.simulation.his import Hospital
from syncsettle_tools.simulation.population import OTHER_REGION, Insured
from syncsettle_tools.simulation.visits import Fate, PlannedVisit

OUTPATIENT_RATE = 0.025
INPATIENT_RATE = 0.0025
MINIMUM = (60, 8)  # outpatient visits and stays a day at least, so a small demo still shows every flow
REVERSED_SHARE = 0.03
AWAY_SHARE = {"long_term": 0.85, "temporary": 0.5, "referral": 0.7, None: 0.03}
CERTIFIED_SHARE = 0.5  # of a certified person's outpatient visits at home that are for their 门慢门特 disease
OUTPATIENT_LEVELS = {"1": 40, "2": 35, "3": 25}
INPATIENT_LEVELS = {"2": 35, "3": 65}
OPEN_SECONDS = int(9.5 * 3600)  # 08:00 – 17:30


def _weight(person: Insured, day: date) -> float:
    age = person.age_on(day)
    return 2.5 if age >= 65 else 1.6 if age >= 50 else 0.8 if age < 14 else 1.0


def where(person: Insured, rng: random.Random) -> str:
    """The region of the hospital: at home, or away per the person's cross-region standing."""
    kind = person.cross_region["kind"] if person.cross_region else None
    return OTHER_REGION[person.region] if rng.random() < AWAY_SHARE[kind] else person.region


def _uses_account(person: Insured, rng: random.Random) -> bool:
    """Employees mostly pay from their account; a person a family account pays for always asks for it."""
    return person.family_holder is not None or (person.employee and rng.random() < 0.85)


def _certified(bills: Bills, level: str, disease: str) -> Bill:
    return bills.special(level, disease) if disease in benefits.SPECIAL else bills.chronic(level, disease)


def _showcase(persons: Sequence[Insured], by_place: dict[tuple[str, str], list[Hospital]], bills: Bills,
              rng: random.Random) -> list[tuple[Insured, Hospital, Bill, bool]]:  # fmt: skip
    """One visit a day for each benefit beyond the pooled fund (:data:`benefits.KINDS`), by one of its
    holders, so every benefit settles on every demo day however small the world: 门慢/门特 visits at
    home, a family-account outpatient visit, and inpatient stays of a civil servant, an assistance
    recipient and a referred patient (treated where the referral filing names)."""
    out = []
    for kind in benefits.KINDS:
        holders = [p for p in persons if benefits.has(p, kind)]
        if kind == "assistance":  # one whose assistance pays from the first yuan, when there is one
            holders = [p for p in holders if p.assistance in benefits.NO_DEDUCTIBLE] or holders
        if not holders:
            continue
        person = rng.choice(holders)
        stay = kind in ("civil_servant", "assistance", "referral")
        levels = INPATIENT_LEVELS if stay else OUTPATIENT_LEVELS
        level = rng.choices(list(levels), list(levels.values()))[0]
        region = OTHER_REGION[person.region] if kind == "referral" else person.region
        hospital = rng.choice(by_place[(region, level)])
        if kind in ("chronic", "special"):
            group = benefits.CHRONIC if kind == "chronic" else benefits.SPECIAL
            bill = _certified(bills, level, next(c for c in person.certifications if c in group))
        else:
            bill = bills.inpatient(level) if stay else bills.outpatient(level)
        out.append((person, hospital, bill, _uses_account(person, rng)))
    return out


def plan_day(day: date, persons: Sequence[Insured], hospitals: Sequence[Hospital], seed: int) -> list[PlannedVisit]:
    rng = random.Random(f"{seed}:visits:{day.isoformat()}")
    bills = Bills(rng)
    by_place: dict[tuple[str, str], list[Hospital]] = {}
    for h in hospitals:
        by_place.setdefault((h.region, h.level), []).append(h)
    weights = [_weight(p, day) for p in persons]
    outpatients = rng.choices(persons, weights, k=max(MINIMUM[0], round(len(persons) * OUTPATIENT_RATE)))
    inpatients = rng.choices(persons, weights, k=max(MINIMUM[1], round(len(persons) * INPATIENT_RATE)))
    drafts = []
    for person, stay in [(p, False) for p in outpatients] + [(p, True) for p in inpatients]:
        levels = INPATIENT_LEVELS if stay else OUTPATIENT_LEVELS
        level = rng.choices(list(levels), list(levels.values()))[0]
        hospital = rng.choice(by_place[(where(person, rng), level)])
        bill = bills.inpatient(level) if stay else bills.outpatient(level)
        if not stay and person.certifications and hospital.region == person.region and rng.random() < CERTIFIED_SHARE:
            bill = _certified(bills, level, person.certifications[0])
        drafts.append((person, hospital, bill, _uses_account(person, rng)))
    drafts += _showcase(persons, by_place, bills, rng)
    rng.shuffle(drafts)
    reversed_ = rng.sample(range(len(drafts)), max(2, round(len(drafts) * REVERSED_SHARE)))
    fates: dict[int, Fate] = {i: "corrected" if n % 2 == 0 else "cancelled" for n, i in enumerate(reversed_)}
    step = OPEN_SECONDS / max(1, len(drafts))
    opening = china(day, 8)
    return [PlannedVisit(opening + timedelta(seconds=int(i * step)), person, hospital, bill, account,
                         fates.get(i, "settled"))
            for i, (person, hospital, bill, account) in enumerate(drafts)]  # fmt: skip
