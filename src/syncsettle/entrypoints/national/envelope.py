"""The national envelope: what a HIS sends around every transaction, and the answer around every output.

Request fields (national names): ``infno``, ``msgid``, ``mdtrtarea_admvs``, ``insuplc_admdvs``,
``recer_sys_code``, ``dev_no``, ``dev_safe_info``, ``cainfo``, ``signtype``, ``infver``,
``opter_type``, ``opter``, ``opter_name``, ``inf_time``, ``fixmedins_code``, ``fixmedins_name``,
``sign_no``, ``enc_type`` and ``input``. Blank strings count as absent; unknown fields are ignored.

The answer carries what the gateway returns (read from public HIS code that parses it — see
docs/his-compatibility.md): ``infcode`` (0 / -1), ``inf_refmsgid`` — the answering system's own
message id, region (6) + ``yyyyMMddHHmmss`` (14) + a 10-digit serial, 30 characters like a request's
``msgid`` —, ``refmsg_time`` (when the request was received) and ``respond_time`` (when answered),
both ``yyyyMMddHHmmssSSS`` in Beijing time, ``err_msg``, ``warn_msg``, ``cainfo``, ``signtype`` and
``output``. A failure also carries the platform's stable code in ``err_code`` (``SS-1002``), and its
``err_msg`` starts with it.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncsettle.adapters import safe_json
from syncsettle.adapters.clock import CHINA
from syncsettle.adapters.json_reader import Reader
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.services.errors import Code, ServiceError

MSGID_MAX = 40  # the interface sizes msgid at 30; some provinces send longer ones


@dataclass(frozen=True)
class Envelope:
    """One request's envelope, read; ``input`` is the transaction's own part."""

    infno: str
    msgid: str
    fixmedins_code: str
    mdtrtarea_admvs: str | None
    insuplc_admdvs: str | None
    sign_no: str | None
    opter: str | None
    inf_time: str | None
    input: Reader


def loads(body: bytes, max_bytes: int = safe_json.MAX_BYTES) -> Any:
    """JSON with every number exact: decimals and integers alike become ``Decimal`` (the
    :class:`~syncsettle.adapters.json_reader.Reader` reads them as amounts, counts or codes), never
    ``float``; too large, too deep, NUL or a lone surrogate is refused (:mod:`~syncsettle.adapters.safe_json`)."""
    try:
        return safe_json.loads(body, max_bytes=max_bytes, decimal_ints=True)
    except safe_json.JsonRefused as exc:
        raise ServiceError(Code(exc.code), exc.message) from None


def parse(raw: Any) -> Envelope:
    if not isinstance(raw, dict):
        raise ServiceError(Code.MALFORMED, "报文必须是 JSON 对象")
    env = Reader(raw, "")
    infno = env.req_text("infno")
    msgid = env.req_text("msgid")
    if len(msgid) > MSGID_MAX:
        raise InvalidInput("msgid", f"longer than {MSGID_MAX} characters")
    value = raw.get("input")
    if isinstance(value, str) and value.strip().startswith("{"):  # some HIS send the input as JSON text
        value = loads(value.encode("utf-8", "surrogatepass"))
    if value is None or (isinstance(value, str) and not value.strip()):
        value = {}
    if not isinstance(value, dict):
        if (env.text("enc_type", required=False) or "").upper() == "SM4":
            raise InvalidInput("enc_type", "SM4-encrypted input is not accepted here: send it in clear over TLS")
        raise InvalidInput("input", "must be an object")
    inp = Reader(value, "input")
    return Envelope(
        infno=infno,
        msgid=msgid,
        fixmedins_code=env.req_text("fixmedins_code"),
        mdtrtarea_admvs=env.text("mdtrtarea_admvs", required=False),
        insuplc_admdvs=env.text("insuplc_admdvs", required=False),
        sign_no=env.text("sign_no", required=False),
        opter=env.text("opter", required=False),
        inf_time=env.text("inf_time", required=False),
        input=inp,
    )


def stamp(instant: datetime) -> str:
    """``yyyyMMddHHmmssSSS`` in Beijing time: the gateway's ``refmsg_time`` / ``respond_time``."""
    local = instant.astimezone(CHINA)
    return f"{local:%Y%m%d%H%M%S}{local.microsecond // 1000:03d}"


_SERIAL = itertools.count(int.from_bytes(os.urandom(4), "big"))


def refmsgid(region: str, instant: datetime) -> str:
    """The answer's own message id: region (6) + ``yyyyMMddHHmmss`` (14) + a 10-digit serial."""
    return f"{(region or '000000')[:6]:0<6}{instant.astimezone(CHINA):%Y%m%d%H%M%S}{next(_SERIAL) % 10**10:010d}"


def answer(
    region: str, received: datetime, answered: datetime, output: Any = None, error: ServiceError | None = None
) -> dict[str, Any]:
    """The envelope of an answer; ``region``: the platform's (answering system's) region code."""
    body: dict[str, Any] = {
        "infcode": 0 if error is None else -1,
        "inf_refmsgid": refmsgid(region, answered),
        "refmsg_time": stamp(received),
        "respond_time": stamp(answered),
        "err_msg": "" if error is None else str(error),
        "warn_msg": "",
        "cainfo": "",
        "signtype": "",
        "output": output if error is None else {},
    }
    if error is not None:
        body["err_code"] = error.code.value
    return body


# JSON Schemas of the envelope, for the OpenAPI document (and the fuzzer that reads it)
REQUEST_SCHEMA: dict[str, Any] = {
    "title": "国家接口请求报文",
    "type": "object",
    "required": ["infno", "msgid", "fixmedins_code", "input"],
    "properties": {
        "infno": {
            "type": "string",
            "description": "交易编号（如 1101 人员信息获取、2207 门诊结算）",
            "examples": ["1101", "2201", "2204", "2207"],
        },
        "msgid": {
            "type": "string",
            "maxLength": MSGID_MAX,
            "description": "报文 ID：机构编码 + yyyyMMddHHmmss + 顺序号，同一机构内唯一（用于幂等）",
            "examples": ["H3706000000120250610100000000001"],
        },
        "fixmedins_code": {
            "type": "string",
            "maxLength": 20,
            "description": "定点医药机构编号",
            "examples": ["H37060000001"],
        },
        "mdtrtarea_admvs": {"type": "string", "description": "就医地医保区划", "examples": ["370600"]},
        "insuplc_admdvs": {"type": "string", "description": "参保地医保区划", "examples": ["370600"]},
        "sign_no": {"type": "string", "description": "签到编号（9001 签到返回）"},
        "inf_time": {"type": "string", "description": "交易时间 yyyy-MM-dd HH:mm:ss"},
        "opter": {"type": "string", "description": "经办人"},
        "enc_type": {"type": "string", "description": "加密方式（不加密为空）"},
        "input": {
            "type": "object",
            "additionalProperties": True,
            "description": "交易输入，按 infno 的规定",
            "examples": [
                {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "370602199001011234", "psn_cert_type": "01"}}
            ],
        },
    },
    "additionalProperties": True,
}
ANSWER_SCHEMA: dict[str, Any] = {
    "title": "国家接口应答报文",
    "type": "object",
    "required": ["infcode", "inf_refmsgid", "refmsg_time", "respond_time", "err_msg", "output"],
    "properties": {
        "infcode": {"type": "integer", "enum": [0, -1], "description": "交易状态码：0 成功，-1 失败"},
        "inf_refmsgid": {"type": "string", "description": "接收方报文 ID"},
        "refmsg_time": {"type": "string", "description": "接收报文时间 yyyyMMddHHmmssSSS"},
        "respond_time": {"type": "string", "description": "响应报文时间 yyyyMMddHHmmssSSS"},
        "err_msg": {"type": "string", "description": "错误信息：失败时以稳定错误码开头，如 [SS-1002] …"},
        "warn_msg": {"type": "string", "description": "警告信息"},
        "cainfo": {"type": "string", "description": "数字签名信息"},
        "signtype": {"type": "string", "description": "签名类型"},
        "err_code": {
            "type": "string",
            "description": "失败时的稳定错误码（services/errors.py）",
            "examples": ["SS-1002"],
        },
        "output": {"description": "交易输出，按 infno 的规定；失败时为 {}"},
    },
}
OPENAPI_EXTRA: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": REQUEST_SCHEMA}}},
}
OPENAPI_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "应答报文（infcode 0；业务失败为 infcode -1 与 err_msg）",
          "content": {"application/json": {"schema": ANSWER_SCHEMA}}},
    401: {"description": "仅 /fsi/api：认证失败（响应体同样是应答报文）",
          "content": {"application/json": {"schema": ANSWER_SCHEMA}}},
}  # fmt: skip
