"""The CSRF token a console test posts with: read from the rendered form, as a browser sends it back,
or — for a session that is shown no form with it (a regulator of another region) — derived from the
client's session cookie as :mod:`syncsettle.entrypoints.console.csrf` derives it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from starlette.requests import Request

from syncsettle.entrypoints.console import csrf
from syncsettle.services.management import sessions

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    """The token in a rendered page's form."""
    found = TOKEN.search(page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def session_csrf(client: TestClient) -> str:
    """The token of ``client``'s session, without a page to read it from."""
    cookie = client.cookies.get(sessions.COOKIE) or ""
    scope = {"type": "http", "app": client.app, "headers": [(b"cookie", f"{sessions.COOKIE}={cookie}".encode())]}
    return csrf.token(Request(scope))
