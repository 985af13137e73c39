"""One simulated day: the visits of the day through the hospital interface (with the bad day's
incidents in between), quick claims, then after midnight the day's clearing windows closed,
cleared and confirmed, the audit log sealed and signed, and every hospital's books reconciled
with the platform over 3201/3202.

Times are China time on the simulated clock: visits 08:00–17:30, the platform's retry of pending
legs and the relay of result notices at 17:45, the windows at 00:10, reconciliation at 07:30.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from syncsettle.adapters.clock import CHINA
from syncsettle.domain.commercial.pending import PendingReason
from syncsettle.domain.identity import Role
from syncsettle.money import format_yuan, parse_yuan
from syncsettle.services.clearing import clear, confirm, revolving, windows
from syncsettle.services.commercial import retry
from syncsettle.services.management import audit_seal, identity
from syncsettle_tools.simulation.calendar import china, move_to
from syncsettle_tools.simulation.his import AMOUNTS, Books, InterfaceError
from syncsettle_tools.simulation.incidents import ChannelSwitch, Event, bad_day, top_up_when_alerted
from syncsettle_tools.simulation.population import OTHER_REGION, ULANQAB, YANTAI
from syncsettle_tools.simulation.progress import Advance, Progress
from syncsettle_tools.simulation.schedule import OPEN_SECONDS, plan_day
from syncsettle_tools.simulation.visits import Visits
from syncsettle_tools.simulation.world import World

SELF_CLAIM_SHARE = 0.5  # of the people with a pending leg the platform would retry, who claim it themselves
WAITING = ("pending", "held")  # a leg the bedside could not settle: waiting for a retry, a claim or a review
RETRIED = (PendingReason.CHANNEL_DOWN.value, PendingReason.PRODUCT_SUSPENDED.value)
REGIONS = (YANTAI, ULANQAB)


@dataclass
class DayReport:
    day: date
    visits: int = 0
    refused: list[str] = field(default_factory=list)  # interface refusals (a correct demo has none)
    pending: Counter[str] = field(default_factory=Counter)  # pending legs at the bedside (every settlement), by reason
    legs: Counter[str] = field(default_factory=Counter)  # commercial legs in the answers, by product
    hospitals: Counter[str] = field(default_factory=Counter)  # visits settled, by hospital
    showcase: tuple[int, str, str, str] | None = None  # (commercial fen, psn_no, name, setl_id) of the richest answer
    claimed_by_people: int = 0
    retried: dict[str, int] = field(default_factory=dict)
    notices: int = 0
    windows: list[dict[str, Any]] = field(default_factory=list)
    reconciliation: dict[str, int] = field(
        default_factory=lambda: {"scopes": 0, "totals_differ": 0, "matched": 0, "mismatched": 0}
    )
    incidents: list[str] = field(default_factory=list)


class Day:
    def __init__(self, world: World, client: httpx.AsyncClient, visits: Visits, switch: ChannelSwitch,
                 progress: Progress) -> None:  # fmt: skip
        self.world = world
        self.client = client
        self.visits = visits
        self.switch = switch
        self.progress = progress
        self.waiting: dict[str, str] = {}  # psn_no → name, of people with a pending leg the platform retries

    @property
    def books(self) -> Books:
        return self.visits.books

    async def run(self, day: date, *, bad: bool) -> DayReport:
        w, report = self.world, DayReport(day)
        plan = plan_day(day, w.persons, w.hospitals, w.seed)
        self.visits.pace = max(0.5, min(20.0, OPEN_SECONDS / max(1, len(plan)) / 20))
        self.waiting = {}
        events = bad_day(w, day, self.switch, lambda: self._people_claim(day, report)) if bad else []
        events.append(top_up_when_alerted(w, day))
        advance = self.progress.phase(f"{day} 就诊结算 visits", len(plan))
        for visit in plan:
            await self._events_until(events, visit.at, report)
            move_to(w.clock, visit.at)
            try:
                outcome = await self.visits.run(visit)
            except InterfaceError as exc:
                report.refused.append(str(exc))
            else:
                report.visits += 1
                report.hospitals[visit.hospital.code] += 1
                final = outcome.settled[-1]  # a reversed first settlement cancelled its legs
                self._note(report, visit.person.name, final)
                for entry in final["commercial"]:
                    report.legs[entry["product"]] += 1
                    if entry["status"] == "pending" and entry["reason_code"] in RETRIED:
                        self.waiting[visit.person.psn_no] = visit.person.name
                for answer in outcome.settled:  # a pending leg of a reversed settlement was pending too
                    report.pending.update(e["reason_code"] for e in answer["commercial"] if e["status"] in WAITING)
            advance(1)
        await self._events_until(events, china(day + timedelta(days=1)), report)
        self._platform_retry(day, report)
        advance = self.progress.phase(f"{day} 清分与对账 clearing", len(REGIONS) + len(w.hospitals))
        self._close(day, report, advance)
        await self._reconcile(day, report, advance)
        return report

    @staticmethod
    def _note(report: DayReport, name: str, answer: dict[str, Any]) -> None:
        """Keep the answer with the largest commercial share (its slips are the console's showcase)."""
        commercial = parse_yuan(answer["summary"]["commercial"])
        if commercial and (report.showcase is None or commercial > report.showcase[0]):
            info = answer["setlinfo"]
            report.showcase = (commercial, info["psn_no"], name, info["setl_id"])

    async def _events_until(self, events: list[Event], at: Any, report: DayReport) -> None:
        while events and events[0].at <= at:
            event = events.pop(0)
            move_to(self.world.clock, event.at)
            said = await event.action()
            if said != "":
                report.incidents.append(f"{event.at.astimezone(CHINA):%H:%M} {said or event.label}")

    async def _people_claim(self, day: date, report: DayReport) -> None:
        """Some people with a leg the platform would retry claim it themselves, with their own credential."""
        rng = random.Random(f"{self.world.seed}:claims:{day.isoformat()}")
        for psn_no, name in sorted(self.waiting.items()):
            if rng.random() >= SELF_CLAIM_SHARE:
                continue
            _, token = identity.issue(self.world.platform, Role.INSURED, psn_no, name)
            headers = {"Authorization": f"Bearer {token}"}
            mine = (await self.client.get("/api/insured/claims", headers=headers)).json()["claims"]
            for claim in mine:
                if claim["status"] == "pending" and claim["reason_code"] in RETRIED:
                    self.world.clock.advance(seconds=30)
                    answer = await self.client.post(f"/api/insured/claims/{claim['claim_id']}", headers=headers)
                    report.claimed_by_people += answer.json()["claim"]["status"] == "settled"

    def _platform_retry(self, day: date, report: DayReport) -> None:
        """After closing time the platform retries every pending leg and relays the result notices."""
        p = self.world.platform
        move_to(self.world.clock, china(day, 17, 45))
        report.retried = retry.retry_due(p, limit=100_000, everything=True)
        report.notices = report.retried.pop("notices")
        while (sent := retry.relay(p, limit=500)) > 0:
            report.notices += sent

    def _close(self, day: date, report: DayReport, advance: Advance) -> None:
        """Close, clear and confirm the day's window of each insured region; seal and sign the audit log."""
        p = self.world.platform
        move_to(self.world.clock, china(day + timedelta(days=1), 0, 10))
        for region in REGIONS:
            window_id = windows.close(p, region, day)["window_id"]
            cleared = clear.run(p, window_id)
            self.world.clock.advance(minutes=5)
            done = confirm.confirm(p, window_id, "出纳（演示）", f"BK{day:%Y%m%d}{region}")
            report.windows.append({"window_id": window_id, "status": done["status"], "items": cleared["items"],
                                   "instructions": cleared["instructions"], "paid": cleared["total_paid"],
                                   "refunded": cleared["total_refunded"]})  # fmt: skip
            advance(1)
        revolving.draw(p, day, actor="清算（演示）")  # the treatment regions paid the day's cross-region care
        if (day + timedelta(days=1)).day == 1:  # the month is over: settle it with each insured region
            for insured in sorted(OTHER_REGION):
                revolving.run(p, insured, OTHER_REGION[insured], day, "清算（演示）")
        audit_seal.checkpoint(p)

    async def _reconcile(self, day: date, report: DayReport, advance: Advance) -> None:
        """Each hospital sends its books of the day: totals (3201), then the detail (3202)."""
        move_to(self.world.clock, china(day + timedelta(days=1), 7, 30))
        stamp = day.isoformat()
        for hospital in self.world.hospitals:
            for (insutype, clr_type), entries in sorted(self.books.scopes(hospital.code, day).items()):
                self.world.clock.advance(seconds=2)
                scope = {"insutype": insutype, "clr_type": clr_type, "stmt_begndate": stamp, "stmt_enddate": stamp,
                         "refd_setl_flag": "1", "setl_optins": hospital.region}  # fmt: skip
                totals = {k: format_yuan(sum(e.amounts[k] for e in entries)) for k in AMOUNTS}
                stated = totals | {"fixmedins_setl_cnt": len(entries)}
                summed = await self.visits.his.call(hospital, "3201", {"data": scope | stated})
                lines = [e.detail() for e in entries]
                detail = await self.visits.his.call(hospital, "3202", {"data": scope | {"details": lines}})
                report.reconciliation["scopes"] += 1
                report.reconciliation["totals_differ"] += summed["stmtinfo"]["stmt_rslt"] != "0"
                report.reconciliation["matched"] += int(detail["matched"])
                report.reconciliation["mismatched"] += int(detail["mismatched"])
            advance(1)
