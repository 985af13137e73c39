"""The server seals the audit log in the background: every ``seal_every`` seconds it seals what
committed, and every ``sign_every`` seconds it signs a checkpoint when the log grew. It runs as the
app's lifespan task in every worker; two workers take turns on the sealer's state row."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from syncsettle.services.management.audit_seal import checkpoint, seal
from syncsettle.services.platform import Platform

log = logging.getLogger("syncsettle.audit")


async def seal_forever(p: Platform, seal_every: float, sign_every: float) -> None:
    signed = time.monotonic()
    while True:
        await asyncio.sleep(seal_every)
        try:
            if time.monotonic() - signed >= sign_every:
                await asyncio.to_thread(checkpoint, p)
                signed = time.monotonic()
            else:
                await asyncio.to_thread(seal, p)
        except Exception:  # a busy database must not stop the sealer; the next round retries
            log.exception("sealing the audit log failed; retrying in %.1f s", seal_every)


def sealing_lifespan(p: Platform, seal_every: float, sign_every: float) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(seal_forever(p, seal_every, sign_every))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan
