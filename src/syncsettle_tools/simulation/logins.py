"""Ready-made console logins after the demo: a credential per role, issued through the identity
service (``cr_….secret``; the hospital's is ``<fixmedins_code>.<secret>``, and for ``/fsi/api`` the
secret alone as ``Authorization: Bearer <secret>`` beside the envelope's ``fixmedins_code``), chosen to have something
to show — the busiest level-3 hospital, the person whose settlement had the largest commercial share (with
the addresses of both of its slips), the city product's insurer, 烟台's regulator and the operator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from syncsettle.domain.identity import Role
from syncsettle.services.management import identity
from syncsettle_tools.simulation.days import DayReport
from syncsettle_tools.simulation.products import CITY
from syncsettle_tools.simulation.world import World


def logins(w: World, reports: Sequence[DayReport]) -> dict[str, Any]:
    p = w.platform
    visits: Counter[str] = Counter()
    for report in reports:
        visits.update(report.hospitals)
    hospital = max(w.hospitals, key=lambda h: (h.level == "3", visits[h.code]))  # the busiest level-3 hospital
    insurer = p.rules.products[CITY].insurer
    out: dict[str, Any] = {
        "operator": {"who": "清分结算中心值班", "token": identity.issue(p, Role.OPERATOR, "*", "清分结算中心值班")[1]},
        "regulator": {"who": "烟台市医疗保障局 (370600)",
                      "token": identity.issue(p, Role.REGULATOR, "370600", "烟台市医疗保障局")[1]},
        "insurer": {"who": insurer, "token": identity.issue(p, Role.INSURER, insurer, insurer)[1]},
        # the console takes <fixmedins_code>.<secret>; /fsi/api takes the secret alone (the code is in the envelope)
        "hospital": {"who": f"{hospital.name} ({hospital.code})", "token": hospital.token,
                     "fsi": {"fixmedins_code": hospital.code, "authorization": f"Bearer {hospital.secret}"}},
    }  # fmt: skip
    shown = [r.showcase for r in reports if r.showcase is not None]
    if shown:
        _, psn_no, name, setl_id = max(shown)
        out["insured"] = {"who": f"{name} ({psn_no})", "token": identity.issue(p, Role.INSURED, psn_no, name)[1],
                          "slips": [f"/console/slips/{setl_id}-M", f"/console/slips/{setl_id}-C"]}  # fmt: skip
    return out
