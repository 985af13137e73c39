"""``POST /bench/floor``: the benchmark's floor — one HTTP request that commits one one-row
transaction on the platform's own database, through the same middleware as ``/fsi/api``.

Mounted only when the server runs with ``SYNCSETTLE_BENCH_HOOKS=1`` (``syncsettle bench service``
sets it for the server it starts); a production server never has it. The table ``bench_floor`` is
created by the benchmark before the server starts and dropped with its database.
"""

from __future__ import annotations

import os

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from sqlalchemy import Column, Integer, MetaData, String, Table

from syncsettle.services.platform import Platform

ENV = "SYNCSETTLE_BENCH_HOOKS"
FLOOR = Table("bench_floor", MetaData(), Column("id", Integer, primary_key=True), Column("note", String(20)))


def install(app: FastAPI, platform: Platform) -> None:
    """Add ``POST /bench/floor`` when ``SYNCSETTLE_BENCH_HOOKS=1``; otherwise nothing."""
    if os.environ.get(ENV) != "1":
        return

    def one_row() -> None:
        with platform.engine.begin() as conn:
            conn.execute(FLOOR.insert(), {"note": "floor"})

    @app.post("/bench/floor", response_class=PlainTextResponse, include_in_schema=False)
    async def floor() -> str:
        # the same thread hop as /fsi/api (its handler runs in a worker thread)
        await anyio.to_thread.run_sync(one_row)
        return "ok"
