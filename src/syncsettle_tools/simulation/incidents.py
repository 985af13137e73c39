"""What goes wrong on the commercial side during the demo's "bad day", as timed events:

- 10:00–11:30 the channel to the commercial platform is down (:class:`ChannelSwitch`): every leg of
  a product adjudicated on the commercial side (``dual_platform``, ``detail``, ``category``)
  becomes a pending leg, ``channel_down``; the basic leg settles as usual;
- 14:00–14:30 the regulator suspends the city product (``take_step`` SUSPEND, then RESUME): its
  legs become pending, ``product_suspended``;
- 16:00 some of the people with a pending leg claim it themselves (``POST /api/insured/claims/{id}``
  with their own credential); after closing time the platform's retry settles the rest (``retry``).

Every day, not only the bad one:

- 17:30 an insurer whose prefunded reserve ran out (an open ``prefund_exhausted`` alert) tops it up
  (:func:`top_up_when_alerted`); the top-up resolves the alert and makes its waiting legs due, and
  the platform's retry at 17:45 settles them. The enterprise plan's insurer starts the year thinly
  prefunded (``world.thin_prefunding``), so this happens on the first day.

The schedule is a list of :class:`Event`; another scenario adds its own (an action may return the
line to record instead of its label, or ``""`` to record nothing).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

from syncsettle.adapters.channel.transport import ChannelDown, Transport
from syncsettle.domain.commercial.lifecycle import FilingAction
from syncsettle.domain.identity import Principal, Role
from syncsettle.money import format_yuan
from syncsettle.services.clearing import prefunding
from syncsettle.services.commercial import filings, prefund
from syncsettle.services.commercial.wiring import channel_of
from syncsettle.services.platform import Platform
from syncsettle_tools.simulation.calendar import china
from syncsettle_tools.simulation.products import CITY
from syncsettle_tools.simulation.world import World

Action = Callable[[], Awaitable[str | None]]
TOP_UP_PER_PERSON = 500  # fen: an alerted insurer puts in 5 yuan per insured person of the world


class ChannelSwitch:
    """Wraps the channel's transport; while ``down`` nothing reaches the commercial platform."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.down = False

    def exchange(self, path: str, body: bytes, timeout: float) -> bytes:
        if self.down:
            raise ChannelDown("商保平台通道中断（演示故障：网络专线中断）")
        return self.inner.exchange(path, body, timeout)


def install_switch(p: Platform) -> ChannelSwitch:
    """Put a switch between the medical side and the commercial platform (in-process or remote)."""
    channel = channel_of(p)
    if not isinstance(channel.transport, ChannelSwitch):
        channel.transport = ChannelSwitch(channel.transport)
    assert isinstance(channel.transport, ChannelSwitch)
    return channel.transport


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    label: str
    action: Action


def _set(switch: ChannelSwitch, down: bool) -> Action:
    async def act() -> None:
        switch.down = down
        return None

    return act


def _filing_step(world: World, action: FilingAction, reason: str) -> Action:
    regulator = Principal(Role.REGULATOR, "370600", "烟台市医疗保障局", "demo:regulator")

    async def act() -> None:
        filings.take_step(world.platform, regulator, world.filings[CITY], action, reason)
        return None

    return act


def bad_day(world: World, day: date, switch: ChannelSwitch, claim: Action) -> list[Event]:
    """The commercial-side incidents of ``day``, in time order (``claim``: people claim their legs)."""
    return [
        Event(china(day, 10), "商保平台通道中断", _set(switch, True)),
        Event(china(day, 11, 30), "商保平台通道恢复", _set(switch, False)),
        Event(china(day, 14), "监管暂停烟台市民健康保",
              _filing_step(world, FilingAction.SUSPEND, "演示：核查理赔数据，临时暂停")),
        Event(china(day, 14, 30), "监管恢复烟台市民健康保", _filing_step(world, FilingAction.RESUME, "核查完毕")),
        Event(china(day, 16), "参保人申请快赔", claim),
    ]  # fmt: skip


def top_up_when_alerted(world: World, day: date) -> Event:
    """17:30: each insurer with an open ``prefund_exhausted`` alert tops up its reserve (which
    resolves the alert and makes its waiting legs due for the 17:45 retry)."""
    amount = TOP_UP_PER_PERSON * len(world.persons)

    async def act() -> str:
        alerted = sorted({a["insurer"] for a in prefund.alerts_of(world.platform, open_only=True)
                          if a["kind"] == prefund.ALERT})  # fmt: skip
        for insurer in alerted:
            prefunding.top_up(world.platform, insurer, amount)
        return f"{', '.join(alerted)} 收到备付金告警后充值 {format_yuan(amount)} 元" if alerted else ""

    return Event(china(day, 17, 30), "备付金告警处理", act)
