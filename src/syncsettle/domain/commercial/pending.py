"""Why a commercial leg could not settle at the bedside (it becomes a pending claim, 快赔 later).

The hospital's answer carries the code and the Chinese text; the claim keeps both until it settles.
"""

from __future__ import annotations

from enum import StrEnum


class PendingReason(StrEnum):
    CONSENT_MISSING = "consent_missing"
    CONSENT_REVOKED = "consent_revoked"
    PRODUCT_SUSPENDED = "product_suspended"
    CHANNEL_DOWN = "channel_down"
    CHANNEL_TIMEOUT = "channel_timeout"
    CHANNEL_REFUSED = "channel_refused"
    PREFUND_EXHAUSTED = "prefund_exhausted"  # the insurer's prefunded reserve and net-debit cap are used up
    RISK_REVIEW = "risk_review"  # risk findings above the product's threshold: held until a reviewer decides

    @property
    def text(self) -> str:
        return _TEXT[self]

    @property
    def retried(self) -> bool:
        """Whether the platform retries on its own (a consent problem waits for the person)."""
        return self not in (PendingReason.CONSENT_MISSING, PendingReason.CONSENT_REVOKED, PendingReason.RISK_REVIEW)


_TEXT = {
    PendingReason.CONSENT_MISSING: "参保人未授权商保机构使用结算数据，商保部分转为快赔待办（授权后可申请）",
    PendingReason.CONSENT_REVOKED: "参保人已撤回数据授权，商保部分转为快赔待办（重新授权后可申请）",
    PendingReason.PRODUCT_SUSPENDED: "商保产品已暂停，商保部分转为快赔待办，恢复后自动理赔",
    PendingReason.CHANNEL_DOWN: "商保平台暂不可用，商保部分转为快赔待办，平台将自动重试",
    PendingReason.CHANNEL_TIMEOUT: "商保平台响应超时，商保部分转为快赔待办，平台将自动重试",
    PendingReason.CHANNEL_REFUSED: "商保平台未受理，商保部分转为快赔待办，平台将自动重试",
    PendingReason.PREFUND_EXHAUSTED: "商保机构预付资金不足，商保部分转为快赔待办，平台将自动重试",
    PendingReason.RISK_REVIEW: "风控规则提示需人工审核，商保部分暂缓结算，审核通过后自动理赔",
}
