"""9101 文件上传, and the 3202 detail file it carries.

9101's input is ``fsUploadIn{in, filename, fixmedins_code}``: ``in`` is the file's bytes, which HIS
code sends either as a base64 string (how .NET's and fastjson's serialisers write a ``byte[]``) or as
a JSON array of byte values (signed or not). The answer is ``{file_qury_no, filename, dld_endtime}``;
3202 then names the file by ``file_qury_no``. Only the uploading hospital can use its file.

The 3202 detail file is a ``.txt`` (alone or zipped), one settlement per line, fields separated by
a tab (a comma or ``|`` are read too), in the order ``setl_id, mdtrt_id, psn_no, medfee_sumamt,
fund_pay_sumamt, acct_pay, refd_setl_flag``; a first line of those field names may name another
order. Text is UTF-8 (GBK is read too: many HIS still write it).
"""

from __future__ import annotations

import base64
import binascii
import io
import secrets
import zipfile
from datetime import timedelta
from decimal import Decimal
from typing import Any

from syncsettle.adapters.clock import business_date, national_time
from syncsettle.adapters.db.settlement import gateway as repo
from syncsettle.adapters.db.settlement.records import Hospital
from syncsettle.domain.clearing.reconciliation import SettlementRecord
from syncsettle.money import MoneyError, parse_yuan
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

MAX_FILE_BYTES = 8 * 1024 * 1024  # a month of a large hospital's settlements is a few MB of text
DETAIL_COLUMNS = ("setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "refd_setl_flag")


def file_bytes(value: Any) -> bytes:
    """``fsUploadIn.in`` as bytes: base64 text, or a list of byte values (-128..255)."""
    if isinstance(value, str):
        try:
            data = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ServiceError(Code.FIELD, "文件内容(in)不是合法的 base64", "input.fsUploadIn.in") from None
    elif isinstance(value, list):
        out = bytearray()
        for v in value:
            if isinstance(v, bool) or not isinstance(v, (int, Decimal)) or v != int(v) or not -128 <= v <= 255:
                raise ServiceError(Code.FIELD, "文件内容(in)必须是字节数组", "input.fsUploadIn.in")
            out.append(int(v) & 0xFF)
        data = bytes(out)
    else:
        raise ServiceError(Code.FIELD, "缺少文件内容(in)", "input.fsUploadIn.in")
    if not data:
        raise ServiceError(Code.FIELD, "文件内容为空", "input.fsUploadIn.in")
    if len(data) > MAX_FILE_BYTES:
        raise ServiceError(Code.FIELD, f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB", "input.fsUploadIn.in")
    return data


def upload(p: Platform, hospital: Hospital, filename: str, content: bytes) -> dict[str, Any]:
    """9101: keep the file; answer its ``file_qury_no``."""
    now = p.clock.now()
    number = f"fsi/{hospital.fixmedins_code}/{secrets.token_hex(12)}"[:40]
    with p.uow() as uow:
        repo.add_file(
            uow.conn,
            {"file_qury_no": number, "fixmedins_code": hospital.fixmedins_code, "filename": filename[:200],
             "content": content, "uploaded_at": now},
        )  # fmt: skip
        uow.commit()
    return {"file_qury_no": number, "filename": filename, "dld_endtime": national_time(now + timedelta(days=1))}


def uploaded(p: Platform, hospital: Hospital, file_qury_no: str) -> bytes:
    with p.uow(readonly=True) as uow:
        row = repo.file(uow.conn, file_qury_no)
    if row is None or row["fixmedins_code"] != hospital.fixmedins_code:
        raise ServiceError(Code.NOT_FOUND, f"文件查询号 {file_qury_no} 不存在，请先通过 9101 上传", "file_qury_no")
    if business_date(row["uploaded_at"]) < business_date(p.clock.now()) - timedelta(days=7):
        raise ServiceError(Code.STATE, f"文件 {file_qury_no} 已过期，请重新上传", "file_qury_no")
    return bytes(row["content"])


def _text_of(content: bytes) -> str:
    if content[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                names = [n for n in z.namelist() if not n.endswith("/")]
                if len(names) != 1:
                    raise ServiceError(Code.FIELD, "压缩文件须只含一个明细文件", "file_qury_no")
                info = z.getinfo(names[0])
                if info.file_size > MAX_FILE_BYTES:
                    raise ServiceError(Code.FIELD, "明细文件过大", "file_qury_no")
                content = z.read(names[0])
        except zipfile.BadZipFile:
            raise ServiceError(Code.FIELD, "文件不是合法的 zip", "file_qury_no") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ServiceError(Code.FIELD, "明细文件编码无法识别（应为 UTF-8 或 GBK）", "file_qury_no")


def _split(line: str) -> list[str]:
    for sep in ("\t", "|", ","):
        if sep in line:
            return [f.strip() for f in line.split(sep)]
    return [line.strip()]


def read_detail_file(content: bytes) -> dict[str, SettlementRecord]:
    """The hospital's settlements from a 3202 detail file."""
    lines = [line for line in _text_of(content).splitlines() if line.strip()]
    columns = list(DETAIL_COLUMNS)
    if lines and "setl_id" in _split(lines[0]):
        columns = _split(lines.pop(0))
        missing = [c for c in ("setl_id", "medfee_sumamt", "fund_pay_sumamt", "acct_pay") if c not in columns]
        if missing:
            raise ServiceError(Code.FIELD, f"明细文件表头缺少 {'、'.join(missing)}", "file_qury_no")
    theirs: dict[str, SettlementRecord] = {}
    for n, line in enumerate(lines, 1):
        fields = dict(zip(columns, _split(line), strict=False))
        setl_id = fields.get("setl_id", "")
        if not setl_id:
            raise ServiceError(Code.FIELD, f"明细文件第 {n} 行缺少 setl_id", "file_qury_no")
        try:
            amounts = {k: parse_yuan(fields.get(k) or "0", allow_negative=True)
                       for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")}  # fmt: skip
        except MoneyError as exc:
            raise ServiceError(Code.FIELD, f"明细文件第 {n} 行金额有误：{exc}", "file_qury_no") from None
        theirs[setl_id] = SettlementRecord(setl_id, fields.get("refd_setl_flag") == "1", amounts, None)
    return theirs
