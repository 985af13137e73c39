"""How sealed envelopes travel: over HTTP to the commercial-platform service, or — the embedded
default — by a direct call into the commercial side in the same process. Either way the envelope is
the same bytes, and the caller's time budget bounds the wait.

Failures are :class:`ChannelError` with a ``reason`` the settlement turns into a pending leg:
``channel_down`` (nothing answered), ``channel_timeout`` (no answer within the budget: the request
may have arrived), ``channel_refused`` (the other side answered with a refusal).
"""

from __future__ import annotations

import time
from typing import Protocol

import httpx

from syncsettle.adapters.channel.envelope import EnvelopeError


class ChannelError(Exception):
    reason = "channel_refused"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ChannelDown(ChannelError):
    reason = "channel_down"


class ChannelTimeout(ChannelError):
    reason = "channel_timeout"


class ChannelRefused(ChannelError):
    reason = "channel_refused"


class Transport(Protocol):
    def exchange(self, path: str, body: bytes, timeout: float) -> bytes:
        """Send ``body`` to ``path`` and return the answer, within ``timeout`` seconds."""
        ...


class HttpTransport:
    """POST to the commercial-platform service; one keep-alive pool shared by all threads."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(base_url=self.base_url, headers={"content-type": "application/json"})

    def exchange(self, path: str, body: bytes, timeout: float) -> bytes:
        if timeout <= 0:
            raise ChannelTimeout("no time left in the budget")
        started = time.monotonic()
        try:
            response = self._client.post(path, content=body, timeout=httpx.Timeout(timeout))
        except httpx.TimeoutException:
            raise ChannelTimeout(f"no answer from {self.base_url} within {timeout * 1000:.0f} ms") from None
        except httpx.HTTPError as exc:
            raise ChannelDown(f"{self.base_url} unreachable ({exc.__class__.__name__})") from None
        if time.monotonic() - started > timeout:  # connect and read each had the budget: hold the sum to it
            raise ChannelTimeout(f"answer from {self.base_url} came after {timeout * 1000:.0f} ms")
        if response.status_code != 200:
            raise ChannelRefused(f"{self.base_url}{path}: HTTP {response.status_code} {response.text[:200]}")
        return response.content

    def close(self) -> None:
        self._client.close()


class Endpoint(Protocol):
    def handle(self, path: str, raw: bytes) -> bytes:
        """Answer one envelope sent to ``path`` (raise :class:`EnvelopeError` to refuse it)."""
        ...


class InProcessTransport:
    """The commercial side in this process: the same envelope, no network."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def exchange(self, path: str, body: bytes, timeout: float) -> bytes:
        if timeout <= 0:
            raise ChannelTimeout("no time left in the budget")
        started = time.monotonic()
        try:
            answer = self.endpoint.handle(path, body)
        except EnvelopeError as exc:
            raise ChannelRefused(str(exc)) from None
        if time.monotonic() - started > timeout:
            raise ChannelTimeout(f"the commercial side took more than {timeout * 1000:.0f} ms")
        return answer
