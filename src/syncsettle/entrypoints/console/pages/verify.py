"""``/verify`` (public): check a slip's SM2 signature — from its QR code (``?slip=…&sig=…``: the page
shows the slip the platform's records give, only if the signature holds over it) or from its JSON
document pasted in (the page shows the pasted content, whether the signature holds over it, and
whether it is what the records say)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from syncsettle.domain.slip_layout import sections
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.services.slips import issue
from syncsettle.services.slips.signing import SIGNER


def _page(request: Request, verdict: issue.Verdict | None, error: str | None = None, **form: str) -> HTMLResponse:
    p = platform_of(request)
    shown: Any = None
    if verdict is not None and verdict.content is not None:
        try:
            shown = sections(verdict.content)
        except (KeyError, TypeError, AttributeError):  # a pasted document of another shape: show it raw
            shown = None
    context = {"verdict": verdict, "sections": shown, "error": error, "form": form,
               "public_key": p.settings.keys.public(SIGNER).to_hex()}  # fmt: skip
    status = 200 if error is None else 422
    if verdict is not None and not verdict.found:
        status = 404
    return render(request, "verify.html", context, status=status)


def _document(text: str) -> tuple[dict[str, Any], str] | str:
    """``(content, signature)`` of a pasted document, or what is wrong with it."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"不是合法的 JSON：{exc.msg}（第 {exc.lineno} 行）"
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("content"), dict)
        or not isinstance(doc.get("signature"), str)
    ):
        return "结算单文件应包含 content（对象）和 signature（字符串）"
    return doc["content"], doc["signature"]


def register(router: APIRouter) -> None:
    @router.get("/verify", response_class=HTMLResponse)
    def verify_get(request: Request, slip: str = "", sig: str = "") -> HTMLResponse:
        if not slip and not sig:
            return _page(request, None)
        return _page(request, issue.check_id(platform_of(request), slip, sig), slip=slip, sig=sig)

    @router.post("/verify", response_class=HTMLResponse)
    def verify_post(
        request: Request, document: str = Form(""), slip: str = Form(""), sig: str = Form("")
    ) -> HTMLResponse:
        p = platform_of(request)
        if document.strip():
            parsed = _document(document)
            if isinstance(parsed, str):
                return _page(request, None, parsed, document=document)
            return _page(request, issue.check_document(p, *parsed), document=document)
        if slip.strip() and sig.strip():
            return _page(request, issue.check_id(p, slip.strip(), sig), slip=slip, sig=sig)
        return _page(request, None, "请粘贴结算单 JSON，或填写结算单编号和签名")
