"""A safety net for logs: resident ID numbers in any log record of the platform (or of uvicorn,
which logs request lines) are masked before any handler sees them (``370602********1234``).

Code never logs names (they cannot be recognised in free text); this catches an identifier that
slips into a message or an exception text. Installed once when the server starts.
"""

from __future__ import annotations

import logging
from typing import Any

from syncsettle.domain.privacy import mask_text

_PREFIXES = ("syncsettle", "uvicorn")
_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    base = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if record.name.startswith(_PREFIXES):
            record.msg = mask_text(record.getMessage())
            record.args = None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
