"""The console world of :mod:`tests.console.seed`, seen from the insured person P0001's side: the
ids of their consents (the settlement consent the commercial leg runs on) and a family member,
P0002, whom P0001 enrolled and pays for (with a credential
of their own, ``tokens["family"]``) — for the pages 我的授权, 谁用了我的数据 and 我的保单."""

from __future__ import annotations

from dataclasses import dataclass

from syncsettle.domain.identity import Role
from syncsettle.services.commercial import consents, enrollment
from syncsettle.services.commercial.enrollment import Member
from syncsettle.services.management import identity
from tests.commercial.actors import insured
from tests.console.seed import Seeded, seed
from tests.world import World, line

PERSON = "P0001"
INSURER = "yantai-hmb"
FAMILY_PRODUCT = "acme-supplementary-2025"  # P0001 holds yantai-hmb's product already


@dataclass
class SeededInsured:
    seeded: Seeded
    settlement_consent: str  # P0001's settlement consent to yantai-hmb (the commercial leg's)
    family_enrollment: int  # P0002's enrollment, held and paid by P0001


def settlement_consent(world: World) -> str:
    mine = consents.mine(world.platform, insured(PERSON))
    return next(str(c["id"]) for c in mine if c["insurer_id"] == INSURER and c["purpose"] == "settlement")


def seed_insured(world: World) -> SeededInsured:
    seeded = seed(world)
    result = enrollment.enroll(world.platform, insured(PERSON), FAMILY_PRODUCT, members=[Member("370602198001010002",
                               "测试P0002")], paid_by="cash", agree=True)  # fmt: skip
    family = next(int(e["id"]) for e in result["enrollments"] if e["psn_no"] == "P0002")
    seeded.tokens["family"] = identity.issue(world.platform, Role.INSURED, "P0002", "测试P0002")[1]
    return SeededInsured(seeded, settlement_consent(world), family)


def settle_again(world: World) -> dict[str, object]:
    """A new inpatient stay of P0001 settled through the hospital interface (the hospital's answer): ten
    days in a ward bed (a daily item, so the same-day repeat rule does not hold the legs for review)."""
    stay = world.inpatient_visit(PERSON, [line("1", "001102000010000", "10", "40.00", "400.00")])
    return world.ok("2304", {"data": {"mdtrt_id": stay, "psn_no": PERSON}})
