"""Who in the demo's world holds a benefit beyond the pooled fund (pure, deterministic for a stream).

Only 烟台 (370600) people: the 2026 Yantai policies carry these benefits, the 乌兰察布 reference
policy does not.

- 医疗救助: about 3 % of the people hold an assistance category for the demo year (特困 1, 低保 3,
  防返贫 2 in 6);
- 公务员医疗补助: about 8 % of in-service employees;
- 门慢: about 6 % of the adults aged 40 and over (高血压 MM-HYP, 糖尿病 MM-DIA, some both);
  门特: about 1 % of them (尿毒症透析 MT-URE, 恶性肿瘤放化疗 MT-CAN);
- 家庭共济: half of the households whose holder is an employee link every other member to the
  holder's personal account;
- about 1 % of the others hold a referral filing (转诊备案) to 乌兰察布 (跨省) for their inpatient care.

Each benefit has at least one holder (the demo shows every one of them, however small the world),
assistance at least one 特困 or 低保 recipient (their assistance pays from the first yuan).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

from syncsettle_tools.simulation.population import OTHER_REGION, YANTAI, Household, Insured

ASSISTANCE = {"tekun": 1, "dibao": 3, "fanpin": 2}
CHRONIC = ("MM-HYP", "MM-DIA")
SPECIAL = ("MT-URE", "MT-CAN")
NO_DEDUCTIBLE = ("tekun", "dibao")  # categories whose assistance pays from the first yuan (fanpin: after 5,000)
KINDS = ("assistance", "civil_servant", "chronic", "special", "family", "referral")


def has(person: Insured, kind: str) -> bool:
    """Whether ``person`` holds the benefit ``kind`` (one of :data:`KINDS`)."""
    if kind == "assistance":
        return person.assistance is not None
    if kind == "civil_servant":
        return person.civil_servant
    if kind == "chronic":
        return any(code in CHRONIC for code in person.certifications)
    if kind == "special":
        return any(code in SPECIAL for code in person.certifications)
    if kind == "family":
        return person.family_holder is not None
    return bool(person.cross_region and person.cross_region.get("kind") == "referral")


def _in_service(p: Insured) -> bool:
    return p.insutype == "310" and p.psn_type == "1101"


def assign(households: list[Household], rng: random.Random, day: object) -> list[Household]:
    """The households with benefits drawn for their 烟台 members (``day``: the ages' reference date)."""
    out = []
    for household in households:
        if household.region != YANTAI:
            out.append(household)
            continue
        people = [_person(p, rng, day) for p in household.everyone]
        holder = people[0]
        if holder.insutype == "310" and len(people) > 1 and rng.random() < 0.5:
            people = [holder, *(replace(m, family_holder=holder.psn_no) for m in people[1:])]
        out.append(Household(people[0], tuple(people[1:])))
    return _at_least_one_each(out, rng)


def _person(p: Insured, rng: random.Random, day: object) -> Insured:
    changes: dict[str, object] = {}
    if rng.random() < 0.03:
        changes["assistance"] = rng.choices(list(ASSISTANCE), list(ASSISTANCE.values()))[0]
    if _in_service(p) and rng.random() < 0.08:
        changes["civil_servant"] = True
    if p.age_on(day) >= 40:  # type: ignore[arg-type]
        roll = rng.random()
        if roll < 0.01:
            changes["certifications"] = (rng.choice(SPECIAL),)
        elif roll < 0.07:
            changes["certifications"] = CHRONIC if rng.random() < 0.1 else (rng.choice(CHRONIC),)
    if p.cross_region is None and rng.random() < 0.01:
        changes["cross_region"] = {"filed": True, "kind": "referral", "filed_region": OTHER_REGION[p.region]}
    return replace(p, **changes) if changes else p  # type: ignore[arg-type]


def _at_least_one_each(households: list[Household], rng: random.Random) -> list[Household]:
    """Give each benefit nobody drew to one eligible 烟台 person (deterministically)."""
    grants: dict[str, Callable[[Insured], Insured]] = {
        "assistance": lambda p: replace(p, assistance="dibao"),
        "civil_servant": lambda p: replace(p, civil_servant=True),
        "chronic": lambda p: replace(p, certifications=(*p.certifications, "MM-HYP")),
        "special": lambda p: replace(p, certifications=(*p.certifications, "MT-CAN")),
        "referral": lambda p: replace(
            p, cross_region={"filed": True, "kind": "referral", "filed_region": OTHER_REGION[p.region]}
        ),
    }
    eligible: dict[str, Callable[[Insured], bool]] = {
        "assistance": lambda p: p.assistance is None,
        "civil_servant": _in_service,
        "chronic": lambda p: not p.certifications,
        "special": lambda p: not p.certifications,
        "referral": lambda p: p.cross_region is None,
    }
    for kind in KINDS:
        everyone = [p for h in households if h.region == YANTAI for p in h.everyone]
        if any(has(p, kind) and (kind != "assistance" or p.assistance in NO_DEDUCTIBLE) for p in everyone):
            continue
        if kind == "family":
            linkable = [i for i, h in enumerate(households)
                        if h.region == YANTAI and h.holder.insutype == "310" and h.members]  # fmt: skip
            if linkable:
                i = rng.choice(linkable)
                h = households[i]
                households[i] = Household(h.holder, tuple(replace(m, family_holder=h.holder.psn_no) for m in h.members))
            continue
        candidates = [p.psn_no for p in everyone if eligible[kind](p)]
        if not candidates:
            continue
        households = _changed(households, rng.choice(candidates), grants[kind])
    return households


def _changed(households: list[Household], psn_no: str, change: Callable[[Insured], Insured]) -> list[Household]:
    out = []
    for h in households:
        people = [change(p) if p.psn_no == psn_no else p for p in h.everyone]
        out.append(Household(people[0], tuple(people[1:])))
    return out
