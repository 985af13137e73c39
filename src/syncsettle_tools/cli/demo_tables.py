"""The demo's summary as rich tables (payers, activity, logins) and what to run or open next."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console

from syncsettle.domain.commercial.pending import PendingReason

if TYPE_CHECKING:
    from rich.table import Table

REASONS = {r.value: r.text.split("，")[0] for r in PendingReason}


def payers(s: dict[str, Any]) -> Table:
    from rich.table import Table

    days = s["days"]
    title = (f"一站式结算汇总 {days[0]} … {days[-1]}（{len(days)} 天，{s['persons']:,} 名参保人，"
             f"{s['hospitals']} 家医院，seed {s['seed']}）")  # fmt: skip
    table = Table(title=title, title_justify="left")
    for name, justify in (("支付方 payer", "left"), ("笔数 settlements", "right"), ("金额（元）", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    table.add_row("[b]医保基金 public funds", "", f"[b]{s['public_funds']}")
    for code, fund in s["funds"].items():
        table.add_row(f"  {code} {fund['name']}", f"{fund['settlements']:,}", fund["amount"])
    table.add_row("[b]商保 commercial", "", f"[b]{s['commercial']}")
    for product in s["products"].values():
        table.add_row(f"  {product['name']}（{product['insurer']}，{product['route']}）",
                      f"{product['settlements']:,} / {product['legs']:,} 次理算", product["amount"])  # fmt: skip
    table.add_row("[b]个人账户 personal account", f"{s['settlements_with']['personal_account']:,}",
                  f"[b]{s['personal_account']}")  # fmt: skip
    if "family_account" in s:
        table.add_row("  其中家庭共济 family accounts (acct_mulaid_pay)",
                      f"{s['benefits']['settlements']['family_account']:,}", s["family_account"])  # fmt: skip
    table.add_row("[b]现金 cash", f"{s['settlements_with']['cash']:,}", f"[b]{s['cash']}")
    table.add_section()
    table.add_row("[b]医疗费总额 total", f"{s['settlements']:,}", f"[b]{s['total']}")
    return table


BENEFIT_NAMES = {"assistance": "医疗救助", "civil_servant": "公务员补助", "chronic": "门慢", "special": "门特",
                 "family": "家庭共济", "referral": "转诊备案"}  # fmt: skip


def _benefits(s: dict[str, Any]) -> str:
    b = s.get("benefits")
    if not b:
        return "—"
    holders = "，".join(f"{BENEFIT_NAMES.get(k, k)} {n}" for k, n in b["holders"].items())
    used = b["settlements"]
    paid = s.get("paid_by", {})
    return (f"持有人 {holders}；结算：公务员补助 {used['cvlserv']}（{paid.get('cvlserv_pay', '0.00')} 元），"
            f"医疗救助 {used['maf']}（{paid.get('maf_pay', '0.00')} 元），门慢 {used['chronic_outpatient']}，"
            f"门特 {used['special_outpatient']}，家庭共济 {used['family_account']}"
            f"（{paid.get('acct_mulaid_pay', '0.00')} 元），"
            f"异地 {used['cross_region']}（转诊 {used['referral']}）")  # fmt: skip


def activity(s: dict[str, Any]) -> Table:
    from rich.table import Table

    table = Table(title="业务过程 activity", title_justify="left", show_header=False)
    table.add_column(justify="left")
    table.add_column(justify="left")
    pending = "，".join(f"{REASONS.get(k, k)} {v}" for k, v in s["pending_by_reason"].items()) or "无"
    still = "，".join(f"{REASONS.get(k, k)} {v}" for k, v in s["still_pending_by_reason"].items()) or "无"
    rec, clr, alerts = s["reconciliation"], s["clearing"], s["prefund_alerts"]
    rows = [
        ("世界 world", f"{s['households']:,} 户 {s['persons']:,} 人；投保 {s['enrollments']:,} 人次；"
                       f"授权 {s['consents'].get('granted_with_enrollment', 0):,}（快赔授权 "
                       f"{s['consents'].get('quick_claim', 0)}，撤回 {s['consents'].get('revoked', 0)}）"),
        ("结算 settlements",
         f"{s['settlements']:,}（撤销 reversals {s['reversals']:,}；接口拒绝 {s['interface_refusals']}）"),
        ("医保待遇 benefits", _benefits(s)),
        ("待结商保 pending legs", f"{s['pending_legs']:,}：{pending}"),
        ("快赔 quick claims",
         f"{s['quick_claims']:,} 笔已赔 {s['quick_claims_paid']} 元（本人申请 {s['claimed_by_person']}，"
         f"其余平台重试）；仍待处理 {s['still_pending']}：{still}"),
        ("风控复核 risk review",
         f"{s['held_for_review']} 笔商保部分待复核（控制台「风控复核」审批），复核拒付 {s['rejected_in_review']}"),
        ("备付金告警 prefund alerts",
         f"{alerts['raised']} 次告警（充值后已解除 {alerts['raised'] - alerts['open']}）"),
        ("清分 clearing", f"{clr['settled']}/{clr['windows']} 个窗口已结清，划拨指令 {clr['instructions']:,} 笔，"
                          f"付 {clr['paid']} 元，退 {clr['refunded']} 元"),
        ("对账 reconciliation", f"{rec.get('scopes', 0)} 个对账范围：总账不平 {rec.get('totals_differ', 0)}，"
                                f"明细一致 {rec.get('matched', 0):,}，不一致 {rec.get('mismatched', 0)}"),
    ]  # fmt: skip
    for day, events in s["incidents"].items():
        rows.append((f"事件 {day}", "；".join(events)))
    for st in s["statements"]:
        rows.append((f"对账单 {st['insurer']} {st['month']}", f"{st['lines']} 行，应付 {st['payable']} 元"
                     + (f" → {st['file']}" if "file" in st else "")))  # fmt: skip
    rows.append(("用时 seconds", "，".join(f"{k} {v}" for k, v in s["seconds"].items())))
    for key, value in rows:
        table.add_row(key, value)
    return table


def events_line(e: dict[str, Any]) -> str:
    """What became of the events: published to the broker and pushed, or waiting without one."""
    if not e:
        return ""
    if not e.get("broker"):
        return (f"\n事件 events: {e['waiting']} 条留在 outbox（未配置消息中间件；设 SYNCSETTLE_NATS_URL 或 --nats-url "
                "nats://127.0.0.1:4222 即发布并推送结算单）")  # fmt: skip
    down = "；消息中间件不可达，其余稍后发布" if e.get("broker_down") else ""
    return (f"\n事件 events: 已发布 {e['published']} 条到 {e['broker']}，推送结算单等消息 {e['pushed']} 条，"
            f"商保机构结算订阅 {e.get('fed', 0)} 条，"
            f"outbox 待发布 {e['waiting']} 条{down}")  # fmt: skip


def print_summary(console: Console, s: dict[str, Any], *, serving: bool, program: str = "syncsettle") -> None:
    """The summary tables, the follow-up commands (``program``: how to run this command line, e.g.
    ``.venv/bin/syncsettle``, so they run as printed) and the logins."""
    console.print(payers(s))
    console.print(activity(s))
    console.print(events_line(s.get("events") or {}), soft_wrap=True, highlight=False)
    db = s["database"]
    console.print(f"\n数据库 {db}\n  {program} check --database-url {db}\n  {program} audit verify --database-url {db}",
                  soft_wrap=True, highlight=False)  # fmt: skip
    url = s["console"]["url"]
    if not serving:
        url_later = f"{url}/overview?days=365"
        console.print(f"  {program} serve --database-url {db} --port {s['console'].get('port', 8000)}   # then open "
                      f"{url_later} (the demo days are in {s['demo_year']}); log in with a token below",
                      soft_wrap=True, highlight=False)  # fmt: skip
    else:
        console.print(f"\n控制台 console: {url}  (its clock carries on from the simulated days)")
    console.print("\n登录凭证 logins (paste the token on the console's login page):", highlight=False)
    for role, login in s["console"]["logins"].items():  # plain lines: a token must not wrap
        console.print(f"  {role:<10} {login['token']}   {login['who']}", soft_wrap=True, highlight=False)
        fsi = login.get("fsi")
        if fsi:  # the hospital interface wants the secret alone, with the code in the envelope
            line = f"POST /fsi/api  Authorization: {fsi['authorization']}  (fixmedins_code {fsi['fixmedins_code']})"
            console.print(f"  {'':<10} {line}", soft_wrap=True, highlight=False)
        for slip in login.get("slips", []):
            console.print(f"  {'':<10} {url.removesuffix('/console')}{slip}", soft_wrap=True, highlight=False)
