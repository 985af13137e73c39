"""CSRF tokens for console forms that change state (grant, revoke, cancel, …).

The session cookie is ``SameSite=Lax``, which already keeps other sites' forms from posting with it
in current browsers; the token is the second lock, for older browsers and same-site subdomains. It
is derived, not stored: ``base64url(HMAC-SM3(keys.hmac("session"), "csrf:" + session cookie))`` —
the session key of :mod:`~syncsettle.services.management.sessions` with its own prefix, so it
changes with every login, needs no table, and only the holder of the cookie (whose value a script
cannot read: ``HttpOnly``) can be shown it, inside a page of this site.

Use in a page module::

    @router.post("/console/things/{id}/do")
    def do(..., principal: Principal = Depends(page(Role.X)), _: None = Depends(csrf.checked)) -> Response:

and in its template, inside the ``<form method="post">``: ``{{ csrf_field(request) }}``. A POST
without the field or with a wrong one is refused with 403 before the handler runs (nothing written).
"""

from __future__ import annotations

import base64
import hmac

from fastapi import Form, Request
from markupsafe import Markup

from syncsettle.adapters.crypto.sm3 import hmac_sm3
from syncsettle.entrypoints.console.render import env
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management import sessions

FIELD = "csrf_token"
PREFIX = b"csrf:"


def _cookie(request: Request) -> str:
    return request.cookies.get(sessions.COOKIE, "")


def token(request: Request) -> str:
    """The CSRF token of the caller's session (the same on every page until the next login)."""
    tag = hmac_sm3(platform_of(request).settings.keys.hmac(sessions.KEY), PREFIX + _cookie(request).encode())
    return base64.urlsafe_b64encode(tag).rstrip(b"=").decode("ascii")


def valid(request: Request, submitted: str) -> bool:
    """Whether ``submitted`` is the token of the session cookie this request carries."""
    if not submitted or not _cookie(request):
        return False
    return hmac.compare_digest(token(request).encode(), submitted.encode("utf-8", "replace"))


def checked(request: Request, csrf_token: str = Form("")) -> None:
    """A dependency for POST routes: the form's ``csrf_token`` must match the session's, else 403."""
    if not valid(request, csrf_token):
        raise ServiceError(Code.FORBIDDEN, "表单校验失败（缺少或错误的 CSRF 令牌），未做任何更改；请刷新页面后重试")


def field(request: Request) -> Markup:
    """The hidden ``<input>`` carrying the token, for a template's ``<form method="post">``."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, token(request))


env.globals["csrf_field"] = field
