"""Acting on one's own records from a console form: another party's record reads as missing.

The services answer 403 for a record that exists but belongs to someone else (the JSON APIs keep
that); a console page answers 404 instead, so an id typed into the address bar does not reveal
whether another person's consent or policy exists."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from syncsettle.services.errors import Code, ServiceError

T = TypeVar("T")


def hidden(exc: ServiceError, missing: str, field: str) -> ServiceError:
    """``exc``, or — when it is a refusal for another party's record — a 404 saying ``missing``."""
    return ServiceError(Code.NOT_FOUND, missing, field) if exc.code is Code.FORBIDDEN else exc


async def acting(call: Callable[[], T], missing: str, field: str) -> T:
    """Run a service call (in the thread pool) whose 403 for another party's record becomes a 404."""
    try:
        return await run_in_threadpool(call)
    except ServiceError as exc:
        raise hidden(exc, missing, field) from exc
