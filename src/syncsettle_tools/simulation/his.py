"""The hospitals' side of the demo: HIS terminals that speak the national envelope to ``POST
/fsi/api`` of the real app, and keep their own books of what settled (for 3201/3202 reconciliation).

The app runs in this process through httpx's ``ASGITransport`` (or behind a URL, e.g. a server
started separately); either way every visit goes through the same interface a hospital uses.
``msgid`` is ``<fixmedins_code><yyyyMMddHHmmss><serial>`` (≤ 40 characters, unique per hospital).
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from syncsettle.adapters.clock import Clock, national_time
from syncsettle.entrypoints.national.dispatch import GATEWAY_PATH
from syncsettle.money import format_yuan, parse_yuan

AMOUNTS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")


class InterfaceError(RuntimeError):
    """The interface answered ``infcode: -1`` (the message carries ``err_msg``)."""

    def __init__(self, infno: str, answer: dict[str, Any]) -> None:
        super().__init__(f"{infno}: {answer.get('err_msg') or answer}")
        self.answer = answer


@dataclass(frozen=True, slots=True)
class Hospital:
    code: str
    name: str
    level: str
    region: str
    secret: str

    @property
    def token(self) -> str:
        """The hospital's console/API login (``<fixmedins_code>.<secret>``)."""
        return f"{self.code}.{self.secret}"


@dataclass(frozen=True, slots=True)
class Booked:
    """One settlement or reversal as the hospital's own books hold it (amounts in fen)."""

    setl_id: str
    mdtrt_id: str
    psn_no: str
    insutype: str
    clr_type: str
    day: date
    amounts: dict[str, int]
    init_setl_id: str | None = None

    def detail(self) -> dict[str, str]:
        """The 3202 detail line."""
        line = {"setl_id": self.setl_id, "mdtrt_id": self.mdtrt_id, "psn_no": self.psn_no,
                "refd_setl_flag": "1" if self.init_setl_id else "0",
                **{k: format_yuan(v) for k, v in self.amounts.items()}}  # fmt: skip
        if self.init_setl_id:
            line["init_setl_id"] = self.init_setl_id
        return line


@dataclass
class Books:
    """Every hospital's settlements and reversals, by hospital."""

    entries: dict[str, list[Booked]] = field(default_factory=lambda: defaultdict(list))

    def settled(self, hospital: Hospital, day: date, output: dict[str, Any]) -> Booked:
        info = output["setlinfo"]
        entry = Booked(info["setl_id"], info["mdtrt_id"], info["psn_no"], info["insutype"], info["clr_type"], day,
                       {k: parse_yuan(info[k]) for k in AMOUNTS})  # fmt: skip
        self.entries[hospital.code].append(entry)
        return entry

    def reversed(self, hospital: Hospital, day: date, original: Booked, output: dict[str, Any]) -> None:
        info = output["setlinfo"]
        amounts = {k: parse_yuan(info[k], allow_negative=True) for k in AMOUNTS}
        o = original
        entry = Booked(info["setl_id"], o.mdtrt_id, o.psn_no, o.insutype, o.clr_type, day, amounts, o.setl_id)
        self.entries[hospital.code].append(entry)

    def scopes(self, hospital: str, day: date) -> dict[tuple[str, str], list[Booked]]:
        """The day's entries of a hospital by (insutype, clearing type): one reconciliation each."""
        out: dict[tuple[str, str], list[Booked]] = defaultdict(list)
        for entry in self.entries.get(hospital, []):
            if entry.day == day:
                out[(entry.insutype, entry.clr_type)].append(entry)
        return out


class Interface:
    """The national interface as a HIS terminal calls it: the gateway's path, every request signed
    with the ``x-tif-*`` headers, and a 9001 sign-in per hospital before its first transaction (its
    ``sign_no`` carried on every later envelope)."""

    def __init__(self, client: httpx.AsyncClient, clock: Clock) -> None:
        self.client = client
        self.clock = clock
        self.serial = itertools.count(1)
        self.sign_nos: dict[str, str] = {}

    def _headers(self, hospital: Hospital) -> dict[str, str]:
        ts = str(int(self.clock.now().timestamp()))
        nonce = secrets.token_hex(16)
        signature = hashlib.sha256(f"{ts}{hospital.secret}{nonce}{ts}".encode()).hexdigest()
        return {"x-tif-paasid": hospital.code, "x-tif-timestamp": ts, "x-tif-nonce": nonce,
                "x-tif-signature": signature}  # fmt: skip

    async def call(self, hospital: Hospital, infno: str, payload: dict[str, Any]) -> dict[str, Any]:
        if infno != "9001" and hospital.code not in self.sign_nos:
            signed = await self.call(hospital, "9001", {"signIn": {"opter_no": "001", "mac": "", "ip": "127.0.0.1"}})
            self.sign_nos[hospital.code] = signed["signinoutb"]["sign_no"]
        now = self.clock.now()
        body = {
            "infno": infno, "msgid": f"{hospital.code}{national_time(now).translate(_DIGITS)}{next(self.serial):06d}",
            "mdtrtarea_admvs": hospital.region, "insuplc_admdvs": "", "recer_sys_code": "HIS", "infver": "V1.0",
            "opter_type": "1", "opter": "001", "opter_name": "收费员", "inf_time": national_time(now),
            "fixmedins_code": hospital.code, "fixmedins_name": hospital.name,
            "sign_no": self.sign_nos.get(hospital.code, ""), "input": payload,
        }  # fmt: skip
        response = await self.client.post(GATEWAY_PATH, json=body, headers=self._headers(hospital))
        answer: dict[str, Any] = response.json()
        if answer.get("infcode") != 0:
            raise InterfaceError(infno, answer)
        output: dict[str, Any] = answer["output"]
        return output


_DIGITS = str.maketrans("", "", "- :")
