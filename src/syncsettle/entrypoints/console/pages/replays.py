"""产品测算 (what-if replay): an insurer or a regulator uploads a candidate product rule file (YAML,
the schema of filed products), a premium in yuan per covered person for the period, a period and
the product it would replace; the platform replays that history in the medical-insurance domain as
a background job (:func:`access.submit_replay`, as ``POST /api/{insurer,regulator}/replays``) and
the job page polls its progress with htmx until the released aggregates are there (expected
payout, loss ratio at the premium, payout percentiles, share per responsibility, the replaced
product's figures beside them).

Every mistake in the form is shown on the form, in Chinese, with the field path it concerns, and
starts nothing: YAML that does not parse (line and column), a rule file the product schema refuses
(``candidate.<path>``), a premium that is not yuan or is negative, a period that ends before it
begins, another insurer's product. The form carries the session's CSRF token (``csrf.checked``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from syncsettle.adapters.clock import business_date
from syncsettle.domain.identity import Principal
from syncsettle.entrypoints.console import csrf, nav
from syncsettle.entrypoints.console.auth import page
from syncsettle.entrypoints.console.pages.actuarial import ANALYSTS, products_for
from syncsettle.entrypoints.console.render import render
from syncsettle.entrypoints.http.auth import platform_of
from syncsettle.money import MoneyError, parse_yuan
from syncsettle.services.computing import access
from syncsettle.services.errors import Code, ServiceError

MAX_BYTES = 1_000_000
JOB_STATES = {"queued": "排队中", "running": "测算中", "done": "已完成", "failed": "失败"}
# the product schema's messages (pydantic's) most often met, in the console's words
SCHEMA_WORDS = {
    "Field required": "缺少必填字段",
    "Extra inputs are not permitted": "不允许的字段",
    "Input should be a valid string": "应为字符串",
    "Input should be a valid integer": "应为整数",
    "Input should be a valid date or datetime": "应为日期（YYYY-MM-DD）",
    "Input should be a valid list": "应为列表",
    "Input should be a valid dictionary or instance of": "应为映射",
}
STATUS = {Code.FORBIDDEN: 403, Code.NOT_FOUND: 404}


class FormError(Exception):
    """A mistake in the form: the field path it concerns and what is wrong, in Chinese."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


def _schema_words(reason: str) -> str:
    for english, chinese in SCHEMA_WORDS.items():
        if reason.startswith(english):
            return chinese
    return reason


def candidate_of(raw: bytes) -> dict[str, Any]:
    """The uploaded rule file as data (the schema itself is checked by the submission)."""
    if not raw.strip():
        raise FormError("candidate", "请上传候选产品规则文件（YAML）")
    if len(raw) > MAX_BYTES:
        raise FormError("candidate", f"规则文件不能超过 {MAX_BYTES // 1000} KB")
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FormError("candidate", "规则文件须为 UTF-8 编码的 YAML") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列：" if mark is not None else ""
        raise FormError("candidate", f"YAML 格式错误，{where}{getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise FormError("candidate", "规则文件须为映射（以 kind: product 开头的产品规则文件）")
    return data


def premium_of(text: str) -> int:
    """Fen from the yuan the form gives; a negative premium is left to the submission to refuse."""
    try:
        return parse_yuan(text, allow_negative=True)
    except MoneyError:
        raise FormError("premium", f"保费须为金额（元，最多两位小数），而不是 {text!r}") from None


def day_of(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise FormError(field, f"日期须为 YYYY-MM-DD，而不是 {text!r}") from None


def _service_error(exc: ServiceError) -> FormError:
    field = (exc.field or "").replace("content", "candidate", 1)
    message = exc.message
    if field.startswith("candidate"):
        message = f"候选规则文件不符合产品规则格式：{_schema_words(exc.message)}"
    return FormError(field, message, STATUS.get(exc.code, 422))


def _form(request: Request, principal: Principal, error: FormError | None = None, **values: Any) -> HTMLResponse:
    p = platform_of(request)
    today = business_date(p.clock.now())
    form = {"premium": "", "from": date(today.year, 1, 1).isoformat(), "to": today.isoformat(), "replaces": "",
            **values}  # fmt: skip
    context = {"form": form, "error": error, "products": products_for(p, principal),
               "history": access.replays(p, principal), "states": JOB_STATES}  # fmt: skip
    return render(request, "replays.html", context, status=error.status if error else 200)


def _job(request: Request, principal: Principal, job_id: str) -> dict[str, Any]:
    return {"job": access.replay_status(platform_of(request), principal, job_id), "states": JOB_STATES}


def register(router: APIRouter) -> None:
    nav.register(nav.Entry("/console/replays", "产品测算", frozenset(ANALYSTS), section="商保", order=50))

    @router.get("/console/replays", response_class=HTMLResponse)
    def form(request: Request, replaces: str = "", principal: Principal = Depends(page(*ANALYSTS))) -> HTMLResponse:
        return _form(request, principal, replaces=replaces)

    @router.post("/console/replays")
    async def submit(
        request: Request, candidate: UploadFile | None = File(None), premium: str = Form(""),
        day_from: str = Form("", alias="from"), day_to: str = Form("", alias="to"), replaces: str = Form(""),
        principal: Principal = Depends(page(*ANALYSTS)), _: None = Depends(csrf.checked),
    ) -> Response:  # fmt: skip
        values = {"premium": premium, "from": day_from, "to": day_to, "replaces": replaces}
        try:
            content = candidate_of(await candidate.read() if candidate is not None else b"")
            fen = premium_of(premium)
            begin, end = day_of(day_from, "from"), day_of(day_to, "to")
            try:
                started = await run_in_threadpool(
                    access.submit_replay, platform_of(request), principal, content, fen, begin, end,
                    replaces=replaces or None,
                )  # fmt: skip
            except ServiceError as exc:
                raise _service_error(exc) from None
        except FormError as error:
            return _form(request, principal, error, **values)
        return RedirectResponse(f"/console/replays/{started['job_id']}", status_code=303)

    @router.get("/console/replays/{job_id}", response_class=HTMLResponse)
    def job(job_id: str, request: Request, principal: Principal = Depends(page(*ANALYSTS))) -> HTMLResponse:
        return render(request, "replay.html", _job(request, principal, job_id))

    @router.get("/console/replays/{job_id}/panel", response_class=HTMLResponse)
    def panel(job_id: str, request: Request, principal: Principal = Depends(page(*ANALYSTS))) -> HTMLResponse:
        return render(request, "replay_panel.html", _job(request, principal, job_id))
