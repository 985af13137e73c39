"""The channel between the medical-insurance platform and the commercial platform (DESIGN.md §3,
双平台一通道): sealed envelopes (:mod:`envelope`) over a transport (:mod:`transport`).

:class:`Channel` is the medical side's end: :meth:`Channel.call` seals a request, sends it within
the time budget, and opens the answer (which must be signed by the commercial platform and answer
this very request); :meth:`Channel.deliver` sends a one-way notice the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncsettle.adapters.channel.envelope import EnvelopeError, Sealer
from syncsettle.adapters.channel.transport import ChannelError, ChannelRefused, Transport
from syncsettle.adapters.clock import Clock
from syncsettle.adapters.settings import KeyRing

PLATFORM = "platform"
COMMERCIAL_PLATFORM = "commercial_platform"
REFUSED = "refused"


def sealer_for(keys: KeyRing, side: str) -> Sealer:
    """The sealer of ``side`` (``platform`` or ``commercial_platform``) from the key ring."""
    peer = COMMERCIAL_PLATFORM if side == PLATFORM else PLATFORM
    return Sealer(side, keys.signer(side), peer, keys.public(peer), keys.sm4("channel"))


@dataclass
class Channel:
    sealer: Sealer
    transport: Transport
    clock: Clock

    def call(self, kind: str, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send ``message`` as ``kind`` and return the answer's message. Raises :class:`ChannelError`."""
        raw, msg_id = self.sealer.seal(kind, message, self.clock.now())
        answer = self.transport.exchange(f"/channel/{kind}", raw, timeout)
        try:
            header, reply = self.sealer.open(answer, self.clock.now(), reply_to=msg_id)
        except EnvelopeError as exc:
            raise ChannelRefused(f"answer not accepted: {exc}") from None
        if header["kind"] == REFUSED:
            raise ChannelRefused(str(reply.get("reason", "refused")))
        return reply

    def deliver(self, kind: str, message: dict[str, Any], timeout: float) -> None:
        """Send a one-way notice; returns once the other side acknowledged it."""
        self.call(kind, message, timeout)


__all__ = ["Channel", "ChannelError", "sealer_for"]
