"""The ASGI application factory uvicorn calls (``syncsettle serve``): wiring happens when the
server starts, never at import time."""

from __future__ import annotations

from fastapi import FastAPI

from syncsettle.adapters.rulebook import shipped_rulebook
from syncsettle.entrypoints.http.app import create_app
from syncsettle.services.admin import stored_rulebook
from syncsettle.services.platform import build_platform


def build_app() -> FastAPI:
    platform = build_platform()
    platform.rules = stored_rulebook(platform, shipped_rulebook())
    return create_app(platform)
