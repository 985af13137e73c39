"""The medical side's channel to the commercial platform, built once per platform from its settings:
HTTP to ``SYNCSETTLE_COMMERCIAL_URL`` when set, else the commercial side in this process (the
embedded default) — the same sealed envelopes either way."""

from __future__ import annotations

import threading

from syncsettle.adapters.channel import PLATFORM, Channel, sealer_for
from syncsettle.adapters.channel.transport import HttpTransport, InProcessTransport, Transport
from syncsettle.services.commercial.insurer_side import CommercialSide
from syncsettle.services.platform import Platform

_LOCK = threading.Lock()


def channel_of(p: Platform) -> Channel:
    if p.channel is None:
        with _LOCK:
            if p.channel is None:
                transport: Transport
                if p.commercial.url:
                    transport = HttpTransport(p.commercial.url)
                else:
                    transport = InProcessTransport(CommercialSide(p))
                p.channel = Channel(sealer_for(p.settings.keys, PLATFORM), transport, p.clock)
    return p.channel


def warm(p: Platform) -> None:
    """Build the channel (keys, HTTP pool or the in-process commercial side) before the first settlement."""
    channel = channel_of(p)
    channel.sealer.seal("warm", {}, p.clock.now())
    if isinstance(channel.transport, InProcessTransport) and isinstance(channel.transport.endpoint, CommercialSide):
        channel.transport.endpoint.warm()
