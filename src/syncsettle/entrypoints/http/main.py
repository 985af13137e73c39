"""The ASGI application factory uvicorn calls (``syncsettle serve``): wiring happens when the
server starts, never at import time."""

from __future__ import annotations

from fastapi import FastAPI

from syncsettle.adapters import log_masking
from syncsettle.adapters.db.core.migrate import current_revision, head_revision
from syncsettle.adapters.rulebook import shipped_rulebook
from syncsettle.entrypoints.http.app import create_app
from syncsettle.services.admin import stored_rulebook
from syncsettle.services.commercial import retry, wiring
from syncsettle.services.management.key_check import require_matching_keys
from syncsettle.services.platform import Platform, build_platform
from syncsettle.services.slips import push


class NotMigrated(RuntimeError):
    pass


def build_app() -> FastAPI:
    return app_for(build_platform())


def app_for(platform: Platform) -> FastAPI:
    """The served app on ``platform``: checked (keys, migrations), rules loaded, channel warm, claims retried."""
    platform.settings.require_safe()  # production mode refuses development keys
    log_masking.install()
    at, head = current_revision(platform.engine), head_revision()
    if at != head:
        raise NotMigrated(
            f"database {platform.engine.url.render_as_string()} is at revision {at}, code needs {head}: "
            "run `syncsettle db upgrade` first"
        )
    require_matching_keys(platform)  # a database sealed under other keys: refuse now, not a 500 per request
    platform.rules = stored_rulebook(platform, shipped_rulebook())
    wiring.warm(platform)  # keys and the channel ready before the first settlement's time budget starts
    retry.start_background(platform)  # pending commercial legs, in every worker (each claim settles once)
    push.start_background(platform)  # with a broker configured: publish the outbox, push slips to the insured
    return create_app(platform)
