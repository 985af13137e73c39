"""What goes wrong on the commercial side during the demo's "bad day", as timed events:

- 10:00–11:30 the channel to the commercial platform is down (:class:`ChannelSwitch`): every leg of
  a product adjudicated on the commercial side (``dual_platform``, ``detail``, ``category``)
  becomes a pending leg, ``channel_down``; the basic leg settles as usual;
- 14:00–14:30 the regulator suspends the city product (``take_step`` SUSPEND, then RESUME): its
  legs become pending, ``product_suspended``;
- 16:00 some of the people with a pending leg claim it themselves (``POST /api/insured/claims/{id}``
  with their own credential); after closing time the platform's retry settles the rest (``retry``).

The schedule is a list of :class:`Event`; another scenario adds its own. **Hook for risk holds
and prefunding alerts** (branch ``legs``): once a held leg (a risk finding that holds a product's
leg, or ``prefund_exhausted``) can happen on the settle path, add an event here that provokes one —
e.g. shrink an insurer's net-debit cap with ``prefunding.configure`` for an hour, or load a risk
rule that holds legs above an amount — and the summary's pending-leg counts will show it by reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

from syncsettle.adapters.channel.transport import ChannelDown, Transport
from syncsettle.domain.commercial.lifecycle import FilingAction
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.commercial import filings
from syncsettle.services.commercial.wiring import channel_of
from syncsettle.services.platform import Platform
from syncsettle.simulation.calendar import china
from syncsettle.simulation.products import CITY
from syncsettle.simulation.world import World

Action = Callable[[], Awaitable[None]]


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

    return act


def _filing_step(world: World, action: FilingAction, reason: str) -> Action:
    regulator = Principal(Role.REGULATOR, "370600", "烟台市医疗保障局", "demo:regulator")

    async def act() -> None:
        filings.take_step(world.platform, regulator, world.filings[CITY], action, reason)

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
