"""The OpenAPI document in Chinese: a summary and a description for every route, tags, the
security schemes (so Swagger UI shows 「Authorize」), and the error responses as the platform
really answers them.

Why one table here rather than strings scattered over the routers: the routes' ``summary=`` were
English one-liners written with the code; the people who read ``/docs`` — hospital HIS vendors,
insurers, regulators — read Chinese, and a test (``tests/http/test_api_docs.py``) checks that every
route of the app has its entry, so a new route without one fails there, not in front of a reader.

Errors: every API error is ``{"error": {"code", "message", "field"}}`` (``auth.error_body``); a
request FastAPI could not read (422) adds ``detail`` — a list of ``{"loc", "msg"}`` with Chinese
messages (``auth.install_error_handlers``). FastAPI's own ``HTTPValidationError`` schema, which
documents ``{"detail": [{"loc", "msg", "type"}]}``, is replaced by that shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from syncsettle.entrypoints.http.auth import api_routes, roles_of

DESCRIPTION = (
    "医保 + 商保 + 自付 一站式同步结算平台的接口。\n\n"
    "- **医院（HIS）**：`POST /fsi/api` 与国家平台网关路径 `POST /fsi/api/rsfComIfsService/callService`，"
    "国家医保接口报文（`infno`、`msgid`、`fixmedins_code`、`input` …），应答 `infcode`、`err_msg`、`output`；"
    "以 `Authorization: Bearer <机构密钥>`（仅密钥，机构编码在报文的 `fixmedins_code`）或 `x-tif-*` 网关签名头认证。\n"
    "- **参保人、保险公司、监管、运营**：`/api/...`，以 `syncsettle credentials issue` 签发的凭证 "
    "`Authorization: Bearer cr_….<密钥>` 认证（右上角 Authorize）。\n"
    '- **错误**：`{"error": {"code": "SS-xxxx", "message": "…", "field": …}}`，HTTP 状态与错误码对应；'
    "参数校验失败（422）另附 `detail` 列表，消息均为中文。"
)
TAGS = [
    {
        "name": "国家接口",
        "description": "医院 HIS 按国家医保接口规范调用（信息查询、登记、上传、预结算、结算、撤销、对账）。",
    },
    {"name": "公开", "description": "无需凭证：平台公钥、授权回执与审计证明的验证、在售产品。"},
    {"name": "参保人", "description": "本人的保单、一键投保、授权、数据使用记录、快赔与复核结果。"},
    {"name": "保险公司", "description": "产品备案、参保与数据接收记录、复核队列、告警、备付金、精算与测算。"},
    {"name": "监管", "description": "保险公司准入退出、备案审核、数据使用监测、复核、精算与测算。"},
    {"name": "运营", "description": "平台运营：告警。"},
    {"name": "审计", "description": "审计日志的包含证明与签名检查点。"},
    {"name": "运维", "description": "健康检查、就绪检查与 Prometheus 指标。"},
    {"name": "身份", "description": "凭证所属的角色与主体。"},
]

_STEP_NAMES = {
    "submit": ("提交备案", "保险公司把草稿提交监管审核：草稿 → 已提交。"),
    "withdraw": ("撤回备案", "保险公司撤回已提交的备案：已提交 → 草稿。"),
    "launch": ("上市销售", "保险公司让已批准的产品开售：已批准 → 在售，开放投保。"),
    "activate": ("开始保障", "保险公司让在售产品进入保障期：在售 → 生效。"),
    "exit": ("退出市场", "保险公司让产品退出：生效/已批准/在售 → 已退出。"),
    "reject": ("驳回备案", "监管驳回已提交的备案，附原因：已提交 → 已驳回。"),
    "suspend": ("暂停产品", "监管暂停产品：暂停期间其商保结算转为待结快赔。"),
    "resume": ("恢复产品", "监管恢复暂停的产品：回到暂停前的状态。"),
    "force-exit": ("强制退出", "监管强制产品退出：生效/已批准/在售/暂停 → 已退出。"),
}

# (method, path) → (summary, description)
ROUTES: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/metrics"): (
        "Prometheus 指标",
        "文本格式的指标（结算次数与耗时、国家接口调用、各业务量表）；需运维凭证，或仅限本机访问。",
    ),
    ("GET", "/readyz"): (
        "就绪检查",
        "数据库可连接且已迁移到最新版本、密钥配置符合运行模式时返回 200，否则 503 并说明原因。",
    ),
    ("GET", "/healthz"): ("存活检查", "进程在运行即返回 ok。"),
    ("GET", "/api/me"): ("当前凭证的身份", "返回凭证所属的角色、主体（租户）、名称与凭证编号。"),
    ("POST", "/fsi/api"): (
        "国家接口报文（平台路径）",
        "请求体为国家医保接口报文（infno、msgid、fixmedins_code、input …），"
        "应答为 infcode、err_msg、output 等。业务失败为 HTTP 200、infcode -1，err_msg 以稳定错误码开头（[SS-xxxx] …），"
        "同一错误码也在 err_code；认证失败为 HTTP 401，响应体同样是应答报文。认证：Authorization: Bearer <机构密钥>"
        "（仅密钥），或 x-tif-* 网关签名头。",
    ),
    ("POST", "/fsi/api/rsfComIfsService/callService"): (
        "国家接口报文（国家平台网关路径）",
        "与 /fsi/api 相同的报文，路径与国家平台网关一致，HIS 无需改造；以 x-tif-paasid、x-tif-timestamp、x-tif-nonce、"
        "x-tif-signature 签名（SHA-256(timestamp + 密钥 + nonce + timestamp)），始终 HTTP 200。",
    ),
    ("GET", "/api/public/platform-key"): ("平台 SM2 公钥", "用于验证授权回执与审计检查点的签名。"),
    ("POST", "/api/public/consent-receipts/verify"): (
        "验证授权回执",
        "检查一份授权回执的 SM2 签名是否由平台签发且内容未被改动。",
    ),
    ("POST", "/api/public/audit-proofs/verify"): (
        "验证审计包含证明",
        "对照已签名的检查点，验证一条审计记录的包含证明。",
    ),
    ("GET", "/api/public/audit/checkpoint"): ("最新审计检查点", "审计日志最新的已签名树头；日志为空时为 null。"),
    ("GET", "/api/public/products"): ("在售产品", "今天开放投保的商保产品。"),
    ("GET", "/api/insured/policies"): ("我的保单", "本人的参保记录，以及本人为家庭成员缴费的保单。"),
    ("GET", "/api/insured/enrollment-form"): (
        "一键投保表单",
        "从医保域预填的投保表单：参保信息、可投产品、需要的授权。",
    ),
    ("POST", "/api/insured/enrollments"): (
        "一键投保",
        "一次完成授权、核保、保费扣缴与参保登记；任一步失败则都不生效。",
    ),
    ("POST", "/api/insured/enrollments/{enrollment_id}/cancel"): ("退保", "保障自今日终止，按未到期天数比例退还保费。"),
    ("GET", "/api/insured/consents"): ("我的授权", "本人的数据授权及其签名回执。"),
    ("POST", "/api/insured/consents"): ("授予授权", "授权一家保险公司按用途、粒度与期限使用本人的医保数据。"),
    ("POST", "/api/insured/consents/{consent_id}/revoke"): ("撤回授权", "撤回一项授权，下次使用时即生效。"),
    ("GET", "/api/insured/consents/{consent_id}/receipt"): (
        "授权回执",
        "一项授权的 SM2 签名回执，以及验证它用的平台公钥。",
    ),
    ("GET", "/api/insured/data-uses"): ("谁用了我的数据", "关于本人的每一次数据发送、读取与拒绝。"),
    ("GET", "/api/insured/reviews"): ("我的复核事项", "本人被风险复核暂缓的商保结算及其结果与原因。"),
    ("GET", "/api/insured/claims"): ("我的快赔", "未能在结算时完成的商保待结款项，以及已赔付的金额。"),
    ("POST", "/api/insured/claims/{claim_id}"): ("立即申请快赔", "立即结算本人的一笔待结商保款项（每笔只结一次）。"),
    ("GET", "/api/insurer/filings"): ("我的备案", "本公司的产品备案列表。"),
    ("POST", "/api/insurer/filings"): ("起草备案", "提交新产品版本的规则文件、保费与核保规则，生成备案草稿。"),
    ("GET", "/api/insurer/filings/{filing_id}"): ("备案详情", "一项备案的规则文件与生命周期事件。"),
    ("PUT", "/api/insurer/filings/{filing_id}"): ("修改草稿", "修改备案草稿的规则文件、保费或核保规则。"),
    ("GET", "/api/insurer/enrollments"): ("本公司产品的参保", "脱敏展示，仅含授权允许的内容；每次读取记入审计日志。"),
    ("GET", "/api/insurer/data-received"): ("数据接收记录", "本公司收到（及被拒绝）的医保数据的审计记录。"),
    ("GET", "/api/insurer/reviews"): ("复核队列", "被暂缓的商保结算与被标记的结算。"),
    ("GET", "/api/insurer/reviews/{kind}/{item_id}"): (
        "复核事项详情",
        "按角色与备案粒度可见的证据；读取记入审计日志。",
    ),
    ("POST", "/api/insurer/reviews/{kind}/{item_id}/decision"): (
        "复核决定",
        "通过（商保结算一次完成）、拒绝（参保人可见原因）或要求补充材料；记入审计日志。",
    ),
    ("GET", "/api/insurer/alerts"): ("本公司告警", "例如预付备付金用尽。"),
    ("GET", "/api/insurer/prefunding"): ("备付金头寸", "备付金余额、在途敞口、净借记上限与剩余额度（元）。"),
    ("GET", "/api/insurer/actuarial/aggregates"): (
        "精算汇总表",
        "本公司某产品的精算汇总（仅汇总，小于最小单元的格子不予发布）。",
    ),
    ("GET", "/api/insurer/actuarial/remainder"): (
        "参保人医保后自付",
        "本公司产品参保人在基本医保之后仍自付的金额分布。",
    ),
    ("POST", "/api/insurer/replays"): ("产品测算", "在候选产品规则下回放历史结算（后台任务），返回任务编号。"),
    ("GET", "/api/insurer/replays/{job_id}"): ("测算任务", "任务进度，完成后为汇总结果。"),
    ("GET", "/api/insurer/claims"): ("本公司快赔", "本公司产品的待结与已结快赔。"),
    ("GET", "/api/regulator/insurers"): ("辖区内保险公司", "本辖区已准入的保险公司。"),
    ("POST", "/api/regulator/insurers"): ("准入保险公司", "准入一家保险公司在本辖区开展业务。"),
    ("POST", "/api/regulator/insurers/{insurer_id}/exit"): ("保险公司退出", "保险公司退出本辖区，其有效备案随之退出。"),
    ("GET", "/api/regulator/filings"): ("辖区备案", "本辖区的备案；status=submitted 即待审核队列。"),
    ("GET", "/api/regulator/filings/{filing_id}"): ("备案详情", "一项备案的规则文件与生命周期事件。"),
    ("GET", "/api/regulator/revolving-funds"): (
        "周转金",
        "本辖区参保地与就医地之间的异地就医周转金：余额、应有额度、本月垫付与待清算。",
    ),
    ("GET", "/api/insured/fhir/ExplanationOfBenefit"): (
        "我的FHIR结算说明",
        "本人的结算按 HL7 FHIR R4 ExplanationOfBenefit 导出（Bundle 检索集，按 patient 与 created 检索）。",
    ),
    ("GET", "/api/insured/fhir/ClaimResponse"): (
        "我的FHIR理赔答复",
        "本人结算与商保部分按 HL7 FHIR R4 ClaimResponse 导出（Bundle 检索集）。",
    ),
    ("GET", "/api/insurer/fhir/ExplanationOfBenefit"): (
        "FHIR结算说明",
        "本公司产品所涉结算按 FHIR R4 ExplanationOfBenefit 导出，受授权与数据粒度约束。",
    ),
    ("GET", "/api/insurer/fhir/ClaimResponse"): (
        "FHIR理赔答复",
        "本公司产品各商保部分按 FHIR R4 ClaimResponse 导出，受授权与数据粒度约束。",
    ),
    ("POST", "/api/regulator/filings/{filing_id}/approve"): (
        "批准备案",
        "批准备案，并确定结算路径、数据粒度与销售期。",
    ),
    ("GET", "/api/regulator/privacy-budgets"): (
        "隐私预算",
        "本辖区各申请方在各数据集上的隐私预算：总额、已用、剩余、到期与撤销。",
    ),
    ("POST", "/api/regulator/privacy-budgets"): (
        "授予隐私预算",
        "为申请方在一个数据集上授予（或重设）隐私预算 ε；不能低于已用部分；记入审计日志。",
    ),
    ("POST", "/api/regulator/privacy-budgets/revoke"): (
        "撤销隐私预算",
        "撤销申请方在一个数据集上的隐私预算：此后不得再支用；记入审计日志。",
    ),
    ("GET", "/api/insurer/actuarial/budgets"): (
        "本公司隐私预算",
        "本公司在各数据集上的隐私预算：总额、已用与剩余。",
    ),
    ("GET", "/api/regulator/actuarial/budgets"): (
        "本局隐私预算",
        "本医保部门自身查询所用的隐私预算：总额、已用与剩余。",
    ),
    ("GET", "/api/insured/notices"): (
        "推送给我的消息",
        "结算单据实时推送：本人每笔结算的结算单（一站式分担与结算单编号）、撤销与快赔进度，"
        "由消息中间件的消费端写入，按到达时间倒序。",
    ),
    ("GET", "/api/insured/claim-codes"): ("我的商保码", "本人的商保码（一码通赔），按签发时间倒序。"),
    ("POST", "/api/insured/claim-codes"): (
        "申领商保码",
        "为本人在一款产品上签发新的商保码；此前的商保码随之失效。",
    ),
    ("GET", "/api/insured/claim-codes/{code_id}"): ("商保码详情", "本人的一张商保码及其签名文本（二维码内容）。"),
    ("POST", "/api/insured/claim-codes/{code_id}/revoke"): ("撤销商保码", "撤销本人的一张商保码：此后出示即被拒绝。"),
    ("POST", "/api/claim-codes/present"): (
        "出示商保码",
        "参保人（事后）或定点医疗机构（窗口）出示商保码与结算号，触发该结算的商保理赔；同一结算只赔一次，须有授权。",
    ),
    ("GET", "/api/regulator/data-uses"): ("数据使用监测", "关于本辖区参保人的数据使用审计记录。"),
    ("GET", "/api/regulator/reviews"): ("复核队列", "被暂缓的商保结算与被标记的结算。"),
    ("GET", "/api/regulator/reviews/{kind}/{item_id}"): (
        "复核事项详情",
        "按角色与备案粒度可见的证据；读取记入审计日志。",
    ),
    ("POST", "/api/regulator/reviews/{kind}/{item_id}/decision"): (
        "复核决定",
        "通过、拒绝或要求补充材料；记入审计日志。",
    ),
    ("GET", "/api/regulator/actuarial/remainder"): (
        "医保后自付",
        "某产品或本辖区参保人在基本医保之后仍自付的金额分布。",
    ),
    ("POST", "/api/regulator/replays"): ("产品测算", "在候选产品规则下回放历史结算（后台任务），返回任务编号。"),
    ("GET", "/api/regulator/replays/{job_id}"): ("测算任务", "任务进度，完成后为汇总结果。"),
    ("GET", "/api/operator/alerts"): ("全部告警", "按时间倒序；open_only 只看未关闭的。"),
    ("GET", "/api/audit/entries/{entry_id}/proof"): ("审计包含证明", "一条审计记录对照已签名检查点的包含证明。"),
    ("GET", "/api/audit/checkpoints"): ("审计检查点", "全部已签名检查点（树大小、根、链头、时间、签名）。"),
    ("POST", "/api/audit/checkpoints"): ("立即封存并签名", "封存已提交的审计记录并立即签名树头。"),
}
for _party in ("insurer", "regulator"):
    for _step, (_summary, _description) in _STEP_NAMES.items():
        ROUTES.setdefault(("POST", f"/api/{_party}/filings/{{filing_id}}/{_step}"), (_summary, _description))

_TAG_BY_PREFIX = [("/fsi/", "国家接口"), ("/api/public/", "公开"), ("/api/insured/", "参保人"),
                  ("/api/insurer/", "保险公司"), ("/api/regulator/", "监管"), ("/api/operator/", "运营"),
                  ("/api/audit/", "审计"), ("/api/me", "身份"), ("/", "运维")]  # fmt: skip

ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorResponse",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string", "description": "稳定错误码", "examples": ["SS-1002"]},
                "message": {"type": "string", "description": "中文说明", "examples": ["缺少必填字段"]},
                "field": {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "出错的字段路径",
                          "examples": ["purpose"]},
            },
        },
        "detail": {
            "type": "array",
            "description": "仅 422：每个无法读取的参数一项",
            "items": {"type": "object", "required": ["loc", "msg"],
                      "properties": {"loc": {"type": "array", "items": {"type": "string"}},
                                     "msg": {"type": "string", "examples": ["[SS-1002] 缺少必填字段"]}}},
        },
    },
}  # fmt: skip
_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
_ERRORS = {"401": "缺少或无效的凭证", "403": "角色或主体无权访问", "404": "不存在", "409": "状态不允许（如备案已提交）",
           "422": "参数或请求体无法读取，或取值不合规则"}  # fmt: skip
SECURITY_SCHEMES = {
    "credential": {"type": "http", "scheme": "bearer", "bearerFormat": "cr_….<密钥>",
                   "description": "syncsettle credentials issue 签发的凭证（参保人、保险公司、监管、运营）。"},
    "hospital": {"type": "http", "scheme": "bearer", "bearerFormat": "<机构密钥>",
                 "description": "医院的机构密钥（hospital add 打印的 secret，仅密钥；机构编码在报文 fixmedins_code）。"},
    "x-tif-signature": {"type": "apiKey", "in": "header", "name": "x-tif-signature",
                        "description": "国家平台网关签名，另需 x-tif-paasid、x-tif-timestamp、x-tif-nonce 头。"},
}  # fmt: skip


def tag_of(path: str) -> str:
    return next(tag for prefix, tag in _TAG_BY_PREFIX if path.startswith(prefix))


def install(app: FastAPI) -> None:
    """Put the Chinese summaries, descriptions and tags on ``app``'s routes and make ``app.openapi``
    add the security schemes and the real error shape (applied to the generated document, which
    FastAPI builds from copies of the included routers' routes)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes, tags=app.openapi_tags)  # fmt: skip
        _secure_and_correct(app, schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _secure_and_correct(app: FastAPI, schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    schemas = components.setdefault("schemas", {})
    schemas["ErrorResponse"] = ERROR_SCHEMA
    guarded = {route.path: roles_of(route) for route in api_routes(app)}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            entry = ROUTES.get((method.upper(), path))
            if entry is not None:
                operation["summary"], operation["description"] = entry
            operation["tags"] = [tag_of(path)]
            responses = operation.setdefault("responses", {})
            if path.startswith("/fsi/"):
                operation["security"] = [{"hospital": []}, {"x-tif-signature": []}]
                continue
            if guarded.get(path) is not None:
                operation["security"] = [{"credential": []}]
                for status in ("401", "403"):
                    responses.setdefault(status, {"description": _ERRORS[status]})
            if "parameters" in operation or "requestBody" in operation:
                responses.setdefault("422", {"description": _ERRORS["422"]})
            for status, response in responses.items():
                if status in _ERRORS:
                    response["description"] = _ERRORS[status]
                    response["content"] = {"application/json": {"schema": _ERROR_REF}}
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
