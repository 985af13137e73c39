"""Creating the demo's world through the platform's own services, on a migrated, empty database:

1. hospitals, each with its credential (``admin.add_hospital``);
2. the insured persons, imported in batches of :data:`PERSON_BATCH` — one transaction per batch
   (``admin.import_persons``, names and certificate numbers sealed on the way in), with their
   benefits beyond the pooled fund (:mod:`syncsettle_tools.simulation.benefits`: assistance categories,
   civil servants, 门慢门特 certifications, 家庭共济 links, referral filings);
3. the insurers admitted and the reference products filed, approved, put on sale and activated by
   their insurers and the regulators (``file_reference_product``), plus one new version left
   submitted for a regulator to review in the console;
4. each insurer's prefunding configured and topped up (``services/clearing/prefunding``), the
   enterprise plan's insurer only thinly (its reserve runs out on the first day);
5. enrollments through the one-click flow with their consents, then a few more consents granted
   and withdrawn (:mod:`syncsettle_tools.simulation.products`).

Everything is deterministic for the seed (the random streams of people, purchases and consents are
separate, so a change in one does not reshuffle the others).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from syncsettle.adapters.clock import FixedClock
from syncsettle.adapters.db.settlement import people
from syncsettle.domain.commercial.vocabulary import FilingStatus
from syncsettle.services import admin
from syncsettle.services.clearing import prefunding, revolving
from syncsettle.services.commercial.reference_products import file_reference_product
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform
from syncsettle_tools.simulation import benefits, bills, calendar, products
from syncsettle_tools.simulation.his import Hospital
from syncsettle_tools.simulation.places import hospital_list
from syncsettle_tools.simulation.population import OTHER_REGION, YANTAI, Household, Insured, Population
from syncsettle_tools.simulation.progress import Progress

PERSON_BATCH = 500
PREFUND_CAP = 10_000_000  # fen: each insurer may owe 100,000 yuan beyond its reserve
PREFUND_TOP_UP = 300_000_000  # fen: 3,000,000 yuan put in before the year starts
# The enterprise plan's insurer starts the year thinly prefunded and without a net-debit cap: 0.20
# yuan per insured person of the world (at least 200 yuan) — less than a day of its legs, so its
# reserve runs out on the first day, its legs wait (``prefund_exhausted``), the operator and the
# insurer are alerted, and it tops up at closing time (:func:`incidents.top_up_when_alerted`).
THIN_PREFUND_PER_PERSON = 20  # fen
THIN_PREFUND_MIN = 20_000  # fen


@dataclass
class World:
    platform: Platform
    clock: FixedClock
    seed: int
    hospitals: list[Hospital]
    households: list[Household]
    filings: dict[str, int]
    applications: list[products.Application]
    consents: dict[str, int] = field(default_factory=dict)
    enrolled: dict[str, set[str]] = field(default_factory=dict)  # psn_no → product ids

    @property
    def persons(self) -> list[Insured]:
        return [person for household in self.households for person in household.everyone]

    def rng(self, purpose: str) -> random.Random:
        """An independent random stream for one purpose (``f"{seed}:{purpose}"``)."""
        return random.Random(f"{self.seed}:{purpose}")


def is_empty(p: Platform) -> bool:
    """Whether the database holds no persons yet (the demo builds its world only on an empty one)."""
    with p.uow(readonly=True) as uow:
        return not people.any_person(uow.conn)


def _check_catalogues(p: Platform) -> None:
    for region in ("370600", "150900"):
        missing = bills.missing_codes(p.rules.catalogue_for(region))
        if missing:
            raise ServiceError(Code.RULES, f"目录 {region} 缺少演示账单使用的项目：{', '.join(sorted(missing))}")


def add_hospitals(p: Platform) -> list[Hospital]:
    return [Hospital(code, name, level, region, admin.add_hospital(p, code, name, level, region))
            for code, name, level, region in hospital_list()]  # fmt: skip


def import_people(p: Platform, households: list[Household], progress: Progress) -> None:
    people = [person.as_import() for household in households for person in household.everyone]
    advance = progress.phase("参保人导入 persons", len(people))
    for start in range(0, len(people), PERSON_BATCH):
        batch = people[start : start + PERSON_BATCH]
        admin.import_persons(p, batch)
        advance(len(batch))


def file_products(p: Platform, clock: FixedClock) -> dict[str, int]:
    """Admit the insurers and file every offered product for the demo year; leave a price revision
    of the city product submitted (the regulator's review queue)."""
    calendar.move_to(clock, calendar.china(calendar.FILING_DAY, 9))
    begin, end = calendar.APPROVED_FROM, calendar.APPROVED_TO
    filings = {}
    for offer in products.OFFERS:
        clock.advance(minutes=10)
        filings[offer.product_id] = file_reference_product(
            p, offer.product_id, region=offer.region, premium=offer.premium, approved_from=begin, approved_to=end
        )
    clock.advance(days=20)
    file_reference_product(p, products.CITY, region=YANTAI, premium=10_900, status=FilingStatus.SUBMITTED,
                           approved_from=begin, approved_to=end)  # fmt: skip
    return filings


def thin_prefunding(persons: int) -> int:
    """The thinly prefunded insurer's first reserve, fen (see :data:`THIN_PREFUND_PER_PERSON`)."""
    return max(THIN_PREFUND_MIN, THIN_PREFUND_PER_PERSON * persons)


def fund_insurers(p: Platform, clock: FixedClock, persons: int) -> None:
    """Every insurer prefunded before the year starts; the enterprise plan's insurer only thinly."""
    calendar.move_to(clock, calendar.china(date(calendar.DEMO_YEAR - 1, 12, 28), 10))
    thin = p.rules.products[products.ACME].insurer
    for insurer in sorted({p.rules.products[o.product_id].insurer for o in products.OFFERS}):
        prefunding.configure(p, insurer, 0 if insurer == thin else PREFUND_CAP)
        prefunding.top_up(p, insurer, thin_prefunding(persons) if insurer == thin else PREFUND_TOP_UP)


def advance_revolving_funds(p: Platform, clock: FixedClock) -> None:
    """周转金: each region advances a revolving fund to the other before the year starts (the minimum
    level: no cross-region history yet); the days draw on it and each month's clearing tops it up."""
    calendar.move_to(clock, calendar.china(date(calendar.DEMO_YEAR - 1, 12, 28), 10, 30))
    for insured in sorted(OTHER_REGION):
        revolving.advance(p, insured, OTHER_REGION[insured], None, f"{insured} 医保中心（演示）")


def build(p: Platform, clock: FixedClock, *, persons: int, seed: int, progress: Progress) -> World:
    """Create the world on ``p`` (migrated and empty), moving ``clock`` through the filing season
    (December 2025) and the enrollment week (January 2026)."""
    _check_catalogues(p)
    calendar.move_to(clock, calendar.china(calendar.SETUP_DAY, 9))
    advance = progress.phase("医院与凭证 hospitals", None)
    hospitals = add_hospitals(p)
    advance(len(hospitals))
    households = Population(random.Random(f"{seed}:people"), calendar.FIRST_DAY).households(persons)
    households = benefits.assign(households, random.Random(f"{seed}:benefits"), calendar.FIRST_DAY)
    import_people(p, households, progress)
    advance = progress.phase("产品备案 filings", None)
    filings = file_products(p, clock)
    fund_insurers(p, clock, persons)
    advance_revolving_funds(p, clock)
    advance(len(filings))
    world = World(p, clock, seed, hospitals, households, filings, [])
    world.applications = products.applications(households, world.rng("purchases"))
    advance = progress.phase("一键投保 enrollments", len(world.applications))
    granted = products.enroll_all(p, clock, world.applications, advance)
    for app in world.applications:
        for psn_no in app.insured:
            world.enrolled.setdefault(psn_no, set()).add(app.offer.product_id)
    advance = progress.phase("数据授权 consents", len(world.applications))
    chosen = products.consent_choices(p, clock, world.applications, world.rng("consents"), advance)
    world.consents = {"granted_with_enrollment": sum(len(ids) for ids in granted.values()), **chosen}
    return world
