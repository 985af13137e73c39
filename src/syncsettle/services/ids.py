"""Identifiers the platform mints: a two-letter prefix naming the record kind and 24 hex digits (96
random bits, upper case). Part of the services' shared kernel."""

from __future__ import annotations

import uuid


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:24].upper()}"
