"""Times a HIS sends (``begntime``, ``endtime``, ``fee_ocur_time``, ``dscg_time``), read as aware instants.

The interface writes them ``yyyy-MM-dd HH:mm:ss`` in Beijing time; HIS code also sends
``yyyyMMddHHmmss``, ``yyyy-MM-ddTHH:mm:ss`` and a bare date (midnight). They are kept as sent, not
replaced by the server's clock; a field left out (or blank) reads as ``None``, and the caller uses
its own time then.
"""

from __future__ import annotations

from datetime import UTC, datetime

from syncsettle.adapters.clock import CHINA
from syncsettle.adapters.json_reader import Reader
from syncsettle.domain.settlement.errors import InvalidInput

_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d")


def parse_national_time(text: str) -> datetime | None:
    """An aware UTC instant, or ``None`` when ``text`` is in none of the formats."""
    text = text.strip()
    if not text.isascii():
        return None
    for fmt in _FORMATS:
        try:
            local = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return local.replace(tzinfo=CHINA).astimezone(UTC)
    return None


def instant_of(r: Reader, key: str) -> datetime | None:
    value = r.text(key, required=False)
    if value is None:
        return None
    found = parse_national_time(value)
    if found is None:
        raise InvalidInput(r.at(key), f"{value!r} is not a time like 2025-06-10 09:30:00")
    return found
