"""The journals of cleared transfers (pure), one per payment instruction, each in one ledger.

A clearing payer is ``fund:<region>:<fund_pay_type>`` (medical ledger; the personal-account fund is
``fund:<region>:310200``) or ``insurer:<id>`` (commercial ledger). At settlement the hospital's
receivable from that payer was debited and the payer's account credited
(:func:`syncsettle.domain.ledger.settlement_journals`); the confirmed transfer reverses exactly that
pair, so once a window is settled the receivables it cleared are back to zero. A negative amount
(the hospital refunds) simply flips the signs. For a prefunded insurer the money leaves its reserve:
the same journal also moves the amount from the insurer's reserve to its funding account.
"""

from __future__ import annotations

from syncsettle.domain import ledger
from syncsettle.domain.ledger import Account, Journal, Posting

PERSONAL_ACCOUNT_FUND = "310200"


def payer_ledger(payer: str) -> ledger.Ledger:
    if payer.startswith("fund:"):
        return "medical"
    if payer.startswith("insurer:"):
        return "commercial"
    raise ValueError(f"unknown clearing payer {payer!r}")


def accounts_of(payer: str, hospital: str) -> tuple[Account, Account]:
    """(the payer's account, the hospital's receivable from that payer)."""
    kind, _, rest = payer.partition(":")
    if kind == "fund":
        region, _, fund_pay_type = rest.partition(":")
        return ledger.fund(region, fund_pay_type), ledger.hospital_receivable(hospital, fund_pay_type, "medical")
    if kind == "insurer":
        return ledger.insurer_payable(rest), ledger.hospital_receivable(hospital, f"insurer:{rest}", "commercial")
    raise ValueError(f"unknown clearing payer {payer!r}")


def transfer_journal(window_id: str, seq: int, payer: str, hospital: str, amount: int, prefunded: bool) -> Journal:
    payer_account, hospital_account = accounts_of(payer, hospital)
    postings = [Posting(payer_account, amount), Posting(hospital_account, -amount)]
    if prefunded and payer.startswith("insurer:"):
        insurer = payer.removeprefix("insurer:")
        postings += [
            Posting(ledger.insurer_funding(insurer), amount),
            Posting(ledger.insurer_reserve(insurer), -amount),
        ]
    return Journal(
        f"{window_id}:{seq}", payer_ledger(payer), "transfer", None, f"清算划拨 {window_id} #{seq}", tuple(postings)
    )
