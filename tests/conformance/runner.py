"""Run one corpus flow (``corpus/*.json``) against a served platform, as its HIS would.

A flow file names its sources, the hospital and the envelope its HIS builds (``envelope``: every
field that HIS sends, blank ones included, with ``${…}`` placeholders), and its ``steps``: each an
``infno``, its ``input`` exactly as the HIS builds it, and ``save`` — names for values of the answer
(a dotted path into ``output``) that later steps use as ``${name}``. A step may build a 9101 file
(``file``: its text, sent as base64, a byte array, or zipped). The transport is the gateway's:
``POST /fsi/api/rsfComIfsService/callService`` with ``x-tif-*`` headers signed with the hospital's
token. Every answer must be ``infcode`` 0 (or the ``expect`` code) and its sums must add up
(:func:`check_sums`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from syncsettle.adapters.clock import CHINA

CORPUS = Path(__file__).parent / "corpus"
GATEWAY = "/fsi/api/rsfComIfsService/callService"


def _fen(value: Any) -> int:
    """Yuan (string or number) → fen, exactly."""
    d = Decimal(str(value))
    assert d == d.quantize(Decimal("0.01")), value
    return int(d * 100)


REQUIRED_SETLINFO = (
    "certno", "psn_cert_type", "gend", "naty", "brdy", "age", "cvlserv_flag", "mdtrt_cert_type", "hifes_pay",
    "hosp_part_amt", "acct_mulaid_pay", "medins_setl_id", "setl_time", "psn_name",
)  # fmt: skip


def check_sums(infno: str, output: dict[str, Any]) -> None:
    """The interface's own sums, and the one-stop contract: the cash the HIS collects is what is left."""
    info = output.get("setlinfo")
    if isinstance(info, dict) and "medfee_sumamt" in info and infno in ("2206", "2207", "2303", "2304", "2208",
                                                                           "2305", "5203"):  # fmt: skip
        f = {k: _fen(v) for k, v in info.items() if k.endswith(("_amt", "_pay", "_sumamt", "_selfpay", "_dedc"))}
        total = f["medfee_sumamt"]
        assert f["fulamt_ownpay_amt"] + f["overlmt_selfpay"] + f["preselfpay_amt"] + f["inscp_scp_amt"] == total
        assert f["fund_pay_sumamt"] + f.get("comm_pay", 0) + f["psn_part_amt"] + f["hosp_part_amt"] == total
        assert f["psn_part_amt"] == f["acct_pay"] + f.get("acct_mulaid_pay", 0) + f["psn_cash_pay"]
        funds = f["hifp_pay"] + f["cvlserv_pay"] + f["hifes_pay"] + f["hifmi_pay"] + f["hifob_pay"] + f["maf_pay"]
        assert funds + f["oth_pay"] + f.get("hifdm_pay", 0) == f["fund_pay_sumamt"]
        details = output.get("setldetail") or []
        assert sum(_fen(d["fund_payamt"]) for d in details) == f["fund_pay_sumamt"]
        summary = output.get("summary")
        if summary:  # the one-stop summary and the HIS's setlinfo tell the same story
            assert _fen(summary["cash"]) == f["psn_cash_pay"]
            assert _fen(summary["commercial"]) == f.get("comm_pay", 0)
            assert _fen(summary["public_funds"]) == f["fund_pay_sumamt"]
        for field in REQUIRED_SETLINFO:
            assert field in info, field
    for line in output.get("result", []) if infno in ("2204", "2301") else []:
        parts = ("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")
        assert sum(_fen(line[k]) for k in parts) == _fen(line["det_item_fee_sumamt"]), line


def _fill(value: Any, names: dict[str, Any]) -> Any:
    """``${name}`` placeholders replaced; a string that is only a placeholder takes the value's type."""
    if isinstance(value, str):
        if value.startswith("${") and value.endswith("}") and value.count("${") == 1:
            return names[value[2:-1]]
        for key, found in names.items():
            value = value.replace("${" + key + "}", str(found))
        return value
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


def _path(output: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        output = output[int(part)] if isinstance(output, list) else output[part]
    return output


def _file(spec: dict[str, Any], names: dict[str, Any]) -> Any:
    data = _fill(spec["text"], names).encode(spec.get("encoding", "utf-8"))
    if spec.get("zip"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr(spec.get("name", "detail.txt"), data)
        data = buffer.getvalue()
    if spec.get("as") == "bytes":  # Java's byte[] as a JSON array of signed bytes
        return [b - 256 if b > 127 else b for b in data]
    return base64.b64encode(data).decode()


def signed_headers(paas_id: str, token: str, now: Any) -> dict[str, str]:
    ts = str(int(now.timestamp()))
    nonce = secrets.token_hex(16)
    signature = hashlib.sha256(f"{ts}{token}{nonce}{ts}".encode()).hexdigest()
    return {"x-tif-paasid": paas_id, "x-tif-timestamp": ts, "x-tif-nonce": nonce, "x-tif-signature": signature,
            "Content-Type": "application/json;charset=utf-8"}  # fmt: skip


def run_flow(base: str, flow: dict[str, Any], token: str, clock: Any) -> dict[str, Any]:
    """Run every step; returns the saved names (for the test's own further checks)."""
    hospital = flow["hospital"]
    names: dict[str, Any] = dict(flow.get("names", {}))
    names.update(fixmedins_code=hospital, sign_no="")
    with httpx.Client(base_url=base, timeout=30) as client:
        for n, step in enumerate(flow["steps"], 1):
            clock.advance(seconds=1)
            now = clock.now().astimezone(CHINA)
            msgid = f"{hospital}{now:%Y%m%d%H%M%S}{n:04d}"
            names.update(msgid=msgid, inf_time=f"{now:%Y-%m-%d %H:%M:%S}")
            inp = step["input"]
            if "file" in step:
                names["file_in"] = _file(step["file"], names)
            envelope = _fill({**flow["envelope"], "infno": step["infno"], "input": inp}, names)
            raw = json.dumps(envelope, ensure_ascii=False).encode()
            response = client.post(GATEWAY, content=raw, headers=signed_headers(hospital, token, clock.now()))
            where = f"{flow['name']} step {n} ({step['infno']})"
            assert response.status_code == 200, (where, response.status_code, response.text)
            answer = response.json(parse_float=Decimal)
            expected = step.get("expect", 0)
            assert answer["infcode"] == (0 if expected == 0 else -1), (where, answer.get("err_msg"))
            if expected:
                assert answer["err_code"] == expected, (where, answer)
                continue
            for key in ("inf_refmsgid", "refmsg_time", "respond_time", "err_msg", "output"):
                assert key in answer, (where, key)
            assert len(answer["inf_refmsgid"]) == 30 and len(answer["respond_time"]) == 17, answer
            check_sums(step["infno"], answer["output"])
            for name, dotted in step.get("save", {}).items():
                names[name] = msgid if dotted == "$msgid" else _path(answer["output"], dotted)
    return names


def flows() -> list[Path]:
    return sorted(CORPUS.glob("*.json"))
