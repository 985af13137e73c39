"""Complete hospital visits over HTTP: register → upload fee lines → pre-settle → settle."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from syncsettle.money import format_yuan, parse_yuan
from syncsettle_tools.loadgen.server import HOSPITAL
from syncsettle_tools.loadgen.terminal import Terminal

_serial = itertools.count(1)
LINES = [
    ("001101000010000", "1", "30.00"),
    ("XJ01CR-0002", "2", "86.50"),
    ("XC10AA-0003", "28", "4.20"),
    ("250101001", "2", "25.00"),
    ("ZA03-0005", "3", "38.00"),
]


@dataclass
class Tally:
    """What a run of visits did. ``latency_ms[infno]``: each message's latency, from the moment the HIS
    meant to send it (the scheduled start for the first message of an open-loop visit, else the
    answer to the message before) to its answer — so time spent waiting for a connection counts."""

    settled: int = 0
    commits: int = 0
    errors: int = 0
    settle_ms: list[float] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    last_error: str = ""
    latency_ms: dict[str, list[float]] = field(default_factory=dict)
    visit_ms: list[float] = field(default_factory=list)

    def mark(self, infno: str, since: float) -> float:
        """Record ``infno``'s latency since ``since`` (``perf_counter`` seconds); returns now."""
        now = time.perf_counter()
        self.latency_ms.setdefault(infno, []).append((now - since) * 1000)
        return now


def envelope(infno: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "infno": infno, "msgid": f"{HOSPITAL[0]}{time.strftime('%Y%m%d%H%M%S')}{next(_serial):08d}",
        "mdtrtarea_admvs": "370600", "insuplc_admdvs": "370600", "inf_time": time.strftime("%Y-%m-%d %H:%M:%S"),
        "fixmedins_code": HOSPITAL[0], "input": payload,
    }  # fmt: skip


Client = httpx.AsyncClient | Terminal


async def call(client: Client, infno: str, payload: dict[str, Any]) -> dict[str, Any]:
    """One national call; its ``output``, or RuntimeError with the ``err_msg``."""
    if isinstance(client, Terminal):
        _, raw = await client.post("/fsi/api", json.dumps(envelope(infno, payload), ensure_ascii=False).encode())
        body: dict[str, Any] = json.loads(raw)
    else:
        body = (await client.post("/fsi/api", json=envelope(infno, payload))).json()
    if body.get("infcode") != 0:
        raise RuntimeError(f"{infno}: {body.get('err_msg')}")
    out: dict[str, Any] = body["output"]
    return out


async def one_visit(client: Client, psn_no: str, insutype: str, tally: Tally, rng: random.Random,
                    scheduled: float | None = None) -> None:  # fmt: skip
    """One complete outpatient visit; each message's latency is recorded (``scheduled``: when an
    open-loop schedule meant the visit to start, ``perf_counter`` seconds), the setl_id kept."""
    begun = mark = scheduled if scheduled is not None else time.perf_counter()
    try:
        reg = await call(client, "2201", {"data": {"psn_no": psn_no, "insutype": insutype}})
        mark = tally.mark("2201", mark)
        tally.commits += 1
        mdtrt_id = reg["data"]["mdtrt_id"]
        chosen = rng.sample(LINES, k=rng.randint(2, len(LINES)))
        feedetail = []
        for sn, (code, cnt, pric) in enumerate(chosen, 1):
            total = format_yuan(int(cnt) * parse_yuan(pric))
            feedetail.append({"feedetl_sn": str(sn), "mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_list_codg": code,
                              "cnt": cnt, "pric": pric, "det_item_fee_sumamt": total})  # fmt: skip
        await call(client, "2204", {"feedetail": feedetail})
        mark = tally.mark("2204", mark)
        tally.commits += 1
        await call(client, "2206", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "acct_used_flag": "1"}})
        mark = tally.mark("2206", mark)
        out = await call(client, "2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "acct_used_flag": "1"}})
        done = tally.mark("2207", mark)
        tally.settle_ms.append((done - mark) * 1000)
        tally.visit_ms.append((done - begun) * 1000)
        tally.commits += 1
        tally.settled += 1
        tally.confirmed.append(out["setlinfo"]["setl_id"])
    except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
            RuntimeError, KeyError, ValueError) as exc:  # fmt: skip
        tally.errors += 1
        tally.last_error = f"{exc.__class__.__name__}: {exc}"
