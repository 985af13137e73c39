"""Bounded integer parameters shared by the API routes and console pages.

Why: an id or a page cursor is an ``INTEGER`` column (PostgreSQL's ``int4``); ``/filings/2147483648``
made psycopg raise "integer out of range" inside the transaction, a 500. Declaring the range on the
parameter answers 422 (in Chinese, see ``auth``) before any query, and documents it in the OpenAPI
schema so a fuzzer knows the interface's real sizes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

INT4_MAX = 2**31 - 1  # the largest PostgreSQL INTEGER

DbId = Annotated[int, Path(ge=1, le=INT4_MAX, description="a database id (1 … 2³¹−1)")]
"""A row id in a path: ``/filings/{filing_id}``."""

PageLimit = Annotated[int, Query(ge=1, le=INT4_MAX, description="at most this many rows (the service caps it)")]
"""How many rows a page may hold (the services cap it lower)."""

Before = Annotated[int | None, Query(ge=1, le=INT4_MAX, description="only rows with an id below this one")]
"""A page cursor: rows with an id below this one."""
