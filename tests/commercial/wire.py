"""A recorder at the channel boundary: every envelope that leaves the medical-insurance platform,
opened with the commercial side's keys, so a test reads exactly what went over the wire."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from syncsettle.adapters.channel import COMMERCIAL_PLATFORM, sealer_for
from syncsettle.adapters.channel.transport import Transport
from syncsettle.services.commercial.retry import relay
from syncsettle.services.commercial.wiring import channel_of
from syncsettle.services.platform import Platform


@dataclass
class Sent:
    path: str
    kind: str
    message: dict[str, Any]
    raw: bytes


@dataclass
class Wire:
    """Wraps the platform channel's transport; ``sent`` holds every request, opened."""

    platform: Platform
    inner: Transport
    sent: list[Sent] = field(default_factory=list)

    def exchange(self, path: str, body: bytes, timeout: float) -> bytes:
        sealer = sealer_for(self.platform.settings.keys, COMMERCIAL_PLATFORM)
        header, message = sealer.open(body, self.platform.clock.now())
        self.sent.append(Sent(path, str(header["kind"]), message, body))
        return self.inner.exchange(path, body, timeout)

    def flush(self) -> None:
        """Deliver the result notices waiting in the outbox (they leave when the relay sends them)."""
        relay(self.platform)


def tap(platform: Platform) -> Wire:
    channel = channel_of(platform)
    wire = Wire(platform, channel.transport)
    channel.transport = wire
    return wire
