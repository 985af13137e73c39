"""A real HTTP server for tests that talk to the platform over TCP (the conformance flows, the
browser): an app served by uvicorn on a free local port, in a thread, for the block's life."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from syncsettle_tools.loadgen.server import free_port


@contextmanager
def serving(app: Any, *, lifespan: str = "auto", start_timeout_s: float = 30) -> Iterator[str]:
    """``base_url`` of ``app`` served on 127.0.0.1."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
