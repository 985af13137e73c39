"""Structured JSON logs: one JSON object per line on stderr, each with the request id of the HTTP
request it belongs to, and personal data masked (:mod:`.masking`) before anything is written.

:func:`logging_config` is a :func:`logging.config.dictConfig` dictionary (uvicorn applies it in
every worker with ``log_config=``); :func:`configure` applies it in the current process. The two
filters work on any handler: :class:`RequestIdFilter` adds ``request_id`` from the context variable
the HTTP middleware sets, :class:`MaskingFilter` masks the message, its arguments, the extra fields
and the exception text of every record.
"""

from __future__ import annotations

import logging
import logging.config
import re
import uuid
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS

from syncsettle.adapters.observability.masking import mask_text, mask_value

REQUEST_ID: ContextVar[str] = ContextVar("syncsettle_request_id", default="-")
REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}


def accept_request_id(value: str | None) -> str:
    """The caller's ``X-Request-ID`` when it is a plain token of at most 64 characters, else a new one."""
    if value and _VALID_ID.match(value):
        return value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class MaskingFilter(logging.Filter):
    """Masks identity numbers, mobile numbers and names in the whole record (it always lets it pass)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string: keep the raw parts, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask_text(str(message)), None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and key != "request_id":
                record.__dict__[key] = mask_value(key, value)
        if record.exc_info:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def logging_config(level: str = "WARNING") -> dict[str, Any]:
    """JSON lines on stderr for the root, ``syncsettle`` and uvicorn loggers, masked, with request ids."""
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "json",
        "filters": ["request_id", "masking"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "syncsettle.adapters.observability.logs.RequestIdFilter"},
            "masking": {"()": "syncsettle.adapters.observability.logs.MaskingFilter"},
        },
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",  # ISO 8601, UTC
                "reserved_attrs": [*RESERVED_ATTRS, "color_message"],  # uvicorn's ANSI copy of the message
                "json_ensure_ascii": False,
            }
        },
        "handlers": {"json": handler},
        "root": {"level": level.upper(), "handlers": ["json"]},
        "loggers": {
            name: {"level": level.upper(), "handlers": [], "propagate": True}
            for name in ("syncsettle", "uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def configure(level: str = "WARNING") -> None:
    logging.config.dictConfig(logging_config(level))
