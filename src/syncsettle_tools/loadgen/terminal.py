"""A lean HTTP/1.1 keep-alive client on asyncio streams: one HIS terminal, one connection.

The load generator runs on the same two cores as the server it measures, so every CPU
millisecond the client spends is taken from the server. httpx costs about as much per request as
the server's trivial endpoint; this client writes pre-encoded request heads (only the
``Content-Length`` and the body change) and reads the answer by its ``Content-Length``. It speaks
just enough HTTP for uvicorn's answers: no chunked bodies, no redirects, no TLS. The same client
measures the bare endpoint, so the ratio of the two stays a like-for-like comparison.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from types import TracebackType
from urllib.parse import urlsplit

_LENGTH = b"\r\ncontent-length:"
_CLOSE = b"\r\nconnection: close"


class ProtocolError(RuntimeError):
    """An answer this client does not read (no ``Content-Length``, or not HTTP/1.1)."""


class Terminal:
    """``async with Terminal(base, headers) as t: status, body = await t.post("/fsi/api", body)``.

    The connection opens on first use and again after an error or a ``Connection: close``."""

    def __init__(self, base: str, headers: dict[str, str] | None = None, timeout: float = 60.0) -> None:
        parts = urlsplit(base)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout = timeout
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self._common = f"Host: {self.host}:{self.port}\r\n{extra}".encode()
        self._heads: dict[tuple[str, str], bytes] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> Terminal:
        return self

    async def __aexit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        await self.close()

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with suppress(OSError):
                await writer.wait_closed()

    def _head(self, method: str, path: str) -> bytes:
        head = self._heads.get((method, path))
        if head is None:
            kind = b"Content-Type: application/json\r\n" if method == "POST" else b""
            head = f"{method} {path} HTTP/1.1\r\n".encode() + self._common + kind + b"Content-Length: "
            self._heads[(method, path)] = head
        return head

    async def get(self, path: str) -> tuple[int, bytes]:
        return await self.request("GET", path, b"")

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        return await self.request("POST", path, body)

    async def request(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        """(status, body) of one exchange; any failure closes the connection and is raised."""
        try:
            async with asyncio.timeout(self.timeout):
                if self._writer is None:
                    self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
                assert self._reader is not None
                self._writer.write(b"%s%d\r\n\r\n%s" % (self._head(method, path), len(body), body))
                head = (await self._reader.readuntil(b"\r\n\r\n")).lower()
                if not head.startswith(b"http/1.1 "):
                    raise ProtocolError(f"not an HTTP/1.1 answer: {head[:40]!r}")
                at = head.find(_LENGTH)
                if at < 0:
                    raise ProtocolError("answer without Content-Length")
                end = head.index(b"\r\n", at + len(_LENGTH))
                answer = await self._reader.readexactly(int(head[at + len(_LENGTH) : end]))
        except BaseException:
            await self.close()
            raise
        if _CLOSE in head:
            await self.close()
        return int(head[9:12]), answer
