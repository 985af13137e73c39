"""Each ``infno``: its input read from the wire into the use case's arguments, and its output.

Input shapes follow the interface and public HIS code (docs/his-compatibility.md lists each
transaction's fields and sources). Blank strings are absent, unknown fields are ignored, amounts may
be strings or exact JSON numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from syncsettle.adapters.db.settlement.records import Hospital
from syncsettle.adapters.json_reader import Reader
from syncsettle.domain.codes import INSUTYPES, MED_TYPES
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.services.commercial import claim_codes
from syncsettle.services.computing import rule_audit
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management import gateway
from syncsettle.services.platform import Platform
from syncsettle.services.settlement import fees, files, person, queries, reconcile, reverse, settle, visits
from syncsettle.services.settlement.input_limits import check_fee_lines
from syncsettle.services.settlement.times import instant_of

from . import fee_lines
from .envelope import Envelope

Handler = Callable[[Platform, Hospital, Envelope], Any]


def _part(env: Envelope, *names: str) -> Reader:
    """The first of the input's parts that is there (``data``, ``mdtrtinfo``, …); HIS code differs in
    which name it uses for some transactions."""
    for name in names:
        child = env.input.child(name, required=False)
        if child is not None:
            return child
    raise InvalidInput(f"input.{names[0]}", "missing")


def _items(env: Envelope, name: str) -> list[Any]:
    return env.input.items(name, required=False)


def _account_flag(data: Reader) -> bool:
    flag = data.text("acct_used_flag", required=False) or "0"
    if flag not in ("0", "1"):
        raise InvalidInput(data.at("acct_used_flag"), 'must be "0" or "1"')
    return flag == "1"


def _diagnoses(items: list[Any], path: str) -> tuple[str, ...]:
    """Diagnosis codes, main diagnosis first (``maindiag_flag`` "1" or ``diag_srt_no`` 1); invalid
    ones (``vali_flag`` "0") left out."""
    found = []
    for i, item in enumerate(items):
        r = Reader(item, f"{path}[{i}]")
        if (r.text("vali_flag", required=False) or "1") == "0":
            continue
        main = (r.text("maindiag_flag", required=False) or "") == "1"
        order = r.text("diag_srt_no", required=False) or str(i + 1)
        found.append((0 if main else 1, int(order) if order.isdigit() else i + 1, r.req_text("diag_code")))
    return tuple(code for *_, code in sorted(found))


def _dise_codg(d: Reader) -> str | None:
    """The 门慢门特 病种 code (``dise_codg``, national 30 characters) of 2201/2203/2401, if sent."""
    code = d.text("dise_codg", required=False)
    if code is not None and len(code.strip()) > 30:
        raise InvalidInput(d.at("dise_codg"), "at most 30 characters")
    return code.strip() if code else None


def _sign_in(p: Platform, h: Hospital, env: Envelope) -> Any:
    d = _part(env, "signIn", "data")
    return gateway.sign_in(p, h, d.text("opter_no", required=False) or env.opter or "",
                           d.text("mac", required=False) or "", d.text("ip", required=False) or "")  # fmt: skip


def _sign_out(p: Platform, h: Hospital, env: Envelope) -> Any:
    d = _part(env, "signOut", "data")
    return gateway.sign_out(p, h, d.text("sign_no", required=False) or env.sign_no or d.req_text("sign_no"))


def _person(p: Platform, h: Hospital, env: Envelope) -> Any:
    d = _part(env, "data")
    return person.query(
        p, d.text("psn_no", required=False), d.text("certno", required=False),
        d.text("mdtrt_cert_type", required=False), d.text("mdtrt_cert_no", required=False),
    )  # fmt: skip


def _opsp(p: Platform, h: Hospital, env: Envelope) -> Any:
    return person.certifications(p, _part(env, "data").req_text("psn_no"))


def _registration(d: Reader, diseinfo: list[Any], *, inpatient: bool) -> visits.Registration:
    return visits.Registration(
        psn_no=d.req_text("psn_no"),
        insutype=d.req_text("insutype", codes=INSUTYPES),
        inpatient=inpatient,
        med_type=d.text("med_type", required=False, codes=MED_TYPES),
        begntime=instant_of(d, "begntime"),
        mdtrt_cert_type=d.text("mdtrt_cert_type", required=False),
        ipt_otp_no=d.text("ipt_no" if inpatient else "ipt_otp_no", required=False),
        diagnoses=_diagnoses(diseinfo, "input.diseinfo"),
        dise_codg=_dise_codg(d),
    )


def _register(p: Platform, h: Hospital, env: Envelope) -> Any:
    if env.infno == "2401":
        info = _part(env, "mdtrtinfo", "data")
        return {"result": visits.register(p, h, _registration(info, _items(env, "diseinfo"), inpatient=True))}
    d = _part(env, "data", "mdtrtinfo")
    return {"data": visits.register(p, h, _registration(d, _items(env, "diseinfo"), inpatient=False))}


def _visit_info(p: Platform, h: Hospital, env: Envelope) -> Any:
    d = _part(env, "mdtrtinfo", "data")
    return visits.update_info(
        p, h, d.req_text("mdtrt_id"), d.text("psn_no", required=False),
        med_type=d.text("med_type", required=False, codes=MED_TYPES), begntime=instant_of(d, "begntime"),
        diagnoses=_diagnoses(_items(env, "diseinfo"), "input.diseinfo"), dise_codg=_dise_codg(d),
    )  # fmt: skip


def _cancel_visit(p: Platform, h: Hospital, env: Envelope) -> Any:
    d = _part(env, "data")
    return visits.cancel(p, h, d.req_text("mdtrt_id"), d.text("psn_no", required=False))


def _discharge(p: Platform, h: Hospital, env: Envelope) -> Any:
    d = _part(env, "dscginfo", "data")
    endtime = instant_of(d, "endtime") or instant_of(d, "dscg_time")
    return visits.discharge(p, h, d.req_text("mdtrt_id"), d.text("psn_no", required=False), endtime=endtime,
                            diagnoses=_diagnoses(_items(env, "diseinfo"), "input.diseinfo"))  # fmt: skip


def _upload(p: Platform, h: Hospital, env: Envelope) -> Any:
    one = env.input.data.get("feedetail")
    items = [one] if isinstance(one, dict) else env.input.items("feedetail")  # one line sent as an object
    check_fee_lines(items, p.settings.max_fee_lines)
    return fees.upload(p, h, fee_lines.read_lines(items), inpatient=env.infno == "2301")


def _cancel_fees(p: Platform, h: Hospital, env: Envelope) -> Any:
    if env.infno == "2205":
        d = _part(env, "data")
        batch = d.text("chrg_bchno", required=False) or "0000"
        return fees.cancel(p, h, d.req_text("mdtrt_id"), None, None if batch == "0000" else batch)
    data = env.input.data.get("data")
    items = [data] if isinstance(data, dict) else env.input.items("data")
    if not items:
        raise InvalidInput("input.data", "a list of {feedetl_sn, mdtrt_id} is required")
    readers = [Reader(item, f"input.data[{i}]") for i, item in enumerate(items)]
    mdtrt = {r.req_text("mdtrt_id") for r in readers}
    if len(mdtrt) != 1:
        raise InvalidInput("input.data", "all lines must belong to one mdtrt_id")
    serials = [r.text("feedetl_sn", required=False) or "0000" for r in readers]
    return fees.cancel(p, h, mdtrt.pop(), None if "0000" in serials else serials)


def _refuse_interim(d: Reader) -> None:
    if (d.text("mid_setl_flag", required=False) or "0") == "1":
        raise ServiceError(
            Code.UNKNOWN_INFNO,
            "暂不支持住院中途结算（mid_setl_flag=1）：商保责任按整次住院核定，请出院后一次结算",
            "mid_setl_flag",
        )


def _pre(p: Platform, h: Hospital, env: Envelope) -> Any:
    d = _part(env, "data")
    _refuse_interim(d)
    return settle.pre_settle(p, h, d.req_text("mdtrt_id"), d.text("psn_no", required=False), _account_flag(d),
                             d.text("chrg_bchno", required=False))  # fmt: skip


def _settle(p: Platform, h: Hospital, env: Envelope) -> Any:
    """2207/2304. A 商保码 scanned at the window travels in ``data.exp_content.claim_code``: after the
    settlement commits, it claims the settlement's waiting commercial leg (``output.claim_code``)."""
    d = _part(env, "data")
    _refuse_interim(d)
    stated = d.yuan("medfee_sumamt") if d.has("medfee_sumamt") else None
    answer = settle.settle_visit(
        p, h, env.msgid, env.infno, d.req_text("mdtrt_id"), d.text("psn_no", required=False), _account_flag(d),
        stated, d.data, d.text("chrg_bchno", required=False),
    )  # fmt: skip
    code = claim_codes.window_code(d.data.get("exp_content"))
    setl_id = (answer.get("setlinfo") or {}).get("setl_id") if isinstance(answer, dict) else None
    if code is None or not setl_id:
        return answer
    return {**answer, "claim_code": claim_codes.at_window(p, settle.hospital_actor(h), code, str(setl_id))}


def _reverse(p: Platform, h: Hospital, env: Envelope) -> Any:
    d = _part(env, "data")
    payload = {"setl_id": d.req_text("setl_id"), "mdtrt_id": d.req_text("mdtrt_id"),
               "psn_no": d.text("psn_no", required=False)}  # fmt: skip
    return reverse.reverse(p, h, env.msgid, env.infno, payload)


REVERSIBLE = {"2207": "2208", "2304": "2305"}


def _correct(p: Platform, h: Hospital, env: Envelope) -> Any:
    """2601 冲正: undo a settlement (2207/2304) named by its message id, e.g. after the HIS lost the
    answer. The settlement is reversed exactly as 2208/2305 would; a message that booked nothing
    is reported so, and nothing is done."""
    d = _part(env, "data")
    omsgid, oinfno = d.req_text("omsgid"), d.req_text("oinfno")
    if oinfno not in REVERSIBLE:
        raise ServiceError(Code.UNKNOWN_INFNO, f"冲正仅支持结算交易 2207/2304，不支持 {oinfno}", "oinfno")
    original = queries.settlement_of_message(p, h, omsgid)
    if original is None:
        raise ServiceError(Code.NOT_FOUND, f"原交易 {omsgid} 未成功结算，无需冲正", "omsgid")
    payload = {"setl_id": original["setl_id"], "mdtrt_id": original["mdtrt_id"], "psn_no": original["psn_no"]}
    if original["status"] != "settled" and original["reversed_by"]:
        return {}  # already undone (by 2208/2305 or an earlier 2601): 冲正 is idempotent
    reverse.reverse(p, h, env.msgid, REVERSIBLE[oinfno], payload)
    return {}


def _settlement_info(p: Platform, h: Hospital, env: Envelope) -> Any:
    d = _part(env, "data")
    return queries.settlement_info(p, h, d.req_text("setl_id"), d.text("mdtrt_id", required=False),
                                   d.text("psn_no", required=False))  # fmt: skip


def _fee_details(p: Platform, h: Hospital, env: Envelope) -> Any:
    d = _part(env, "data")
    return queries.fee_details(p, h, d.req_text("mdtrt_id"), d.text("psn_no", required=False),
                               d.text("setl_id", required=False))  # fmt: skip


def _file_upload(p: Platform, h: Hospital, env: Envelope) -> Any:
    d = _part(env, "fsUploadIn", "data")
    return files.upload(p, h, d.req_text("filename"), files.file_bytes(d.data.get("in")))


def _totals(p: Platform, h: Hospital, env: Envelope) -> Any:
    return reconcile.totals(p, h, _part(env, "data"))


def _detail(p: Platform, h: Hospital, env: Envelope) -> Any:
    return reconcile.detail(p, h, _part(env, "data"))


def _rule_audit(p: Platform, h: Hospital, env: Envelope) -> Any:
    return (rule_audit.before if env.infno == "3101" else rule_audit.during)(p, h, _part(env, "data"))


HANDLERS: dict[str, Handler] = {
    "9001": _sign_in, "9002": _sign_out, "9101": _file_upload,
    "1101": _person, "5301": _opsp,
    "2201": _register, "2401": _register,
    "2203": _visit_info, "2203A": _visit_info,
    "2202": _cancel_visit, "2404": _cancel_visit,
    "2402": _discharge,
    "2204": _upload, "2301": _upload,
    "2205": _cancel_fees, "2302": _cancel_fees,
    "2206": _pre, "2303": _pre,
    "2207": _settle, "2304": _settle,
    "2208": _reverse, "2305": _reverse,
    "2601": _correct,
    "5203": _settlement_info, "5204": _fee_details,
    "3201": _totals, "3202": _detail,
    "3101": _rule_audit, "3102": _rule_audit,
}  # fmt: skip
