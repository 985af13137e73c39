"""Double-entry ledger rules (pure): accounts, balanced journals, and the journals of a settlement.

Medical-insurance funds and commercial money live in separate ledgers (``medical`` /
``commercial``). A :class:`Journal` belongs to exactly one ledger and refuses, at construction, an
account of the other ledger — so a posting across them is impossible by construction (the database
enforces the same). Amounts are signed fen: positive = debit, negative = credit; a journal sums to 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Ledger = Literal["medical", "commercial"]


@dataclass(frozen=True, slots=True)
class Account:
    code: str
    ledger: Ledger
    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class Posting:
    account: Account
    amount: int


class UnbalancedJournal(ValueError):
    """A journal that would break the ledger's invariants (a bug, never a business outcome)."""


@dataclass(frozen=True, slots=True)
class Journal:
    id: str
    ledger: Ledger
    kind: str
    setl_id: str | None
    memo: str
    postings: tuple[Posting, ...]

    def __post_init__(self) -> None:
        if sum(p.amount for p in self.postings) != 0:
            raise UnbalancedJournal(f"journal {self.id} does not sum to zero")
        if len(self.postings) < 2:
            raise UnbalancedJournal(f"journal {self.id} needs at least two postings")
        crossing = [p.account.code for p in self.postings if p.account.ledger != self.ledger]
        if crossing:
            raise UnbalancedJournal(f"journal {self.id} ({self.ledger}) touches {crossing} of the other ledger")

    def accounts(self) -> list[Account]:
        return list({p.account.code: p.account for p in self.postings}.values())

    def reversed(self, new_id: str, setl_id: str | None) -> Journal:
        """The correcting journal: every posting negated."""
        return Journal(
            new_id,
            self.ledger,
            "reversal",
            setl_id,
            f"冲销 {self.id}",
            tuple(Posting(p.account, -p.amount) for p in self.postings),
        )


def fund(region: str, fund_pay_type: str) -> Account:
    return Account(f"med:fund:{region}:{fund_pay_type}", "medical", "fund", f"{region} 基金 {fund_pay_type}")


def personal_account(psn_no: str) -> Account:
    return Account(f"med:acct:{psn_no}", "medical", "personal_account", f"个人账户 {psn_no}")


def hospital_receivable(hospital: str, payer: str, ledger: Ledger) -> Account:
    prefix = "med" if ledger == "medical" else "com"
    return Account(f"{prefix}:hospital:{hospital}:{payer}", ledger, "hospital_receivable", f"{hospital} 应收 {payer}")


def insurer_payable(insurer: str) -> Account:
    return Account(f"com:insurer:{insurer}:payable", "commercial", "insurer_payable", f"{insurer} 应付")


def patient_payout(psn_no: str) -> Account:
    """What an insurer owes a person for a quick claim (paid to the person, never via the hospital)."""
    return Account(f"com:patient:{psn_no}:payout", "commercial", "patient_payout", f"快赔应付参保人 {psn_no}")


def claim_journal(claim_id: str, insurer: str, psn_no: str, amount: int) -> Journal:
    """A settled quick claim (commercial ledger): the insurer's payable to the person's payout account."""
    return Journal(
        f"{claim_id}:com", "commercial", "claim", None, f"快赔 {claim_id}",
        (Posting(patient_payout(psn_no), amount), Posting(insurer_payable(insurer), -amount)),
    )  # fmt: skip


def claim_payment_journal(claim_id: str, insurer: str, psn_no: str, amount: int) -> Journal:
    """A quick claim of a prefunded insurer paid to the person out of the insurer's reserve at once
    (commercial ledger): the person is no longer owed (payout account back to zero), the insurer's
    payable is met, and the money leaves the reserve (reserve → funding, as a clearing transfer does)."""
    return Journal(
        f"{claim_id}:paid", "commercial", "claim_payment", None, f"快赔备付金支付 {claim_id}",
        (Posting(insurer_payable(insurer), amount), Posting(patient_payout(psn_no), -amount),
         Posting(insurer_funding(insurer), amount), Posting(insurer_reserve(insurer), -amount)),
    )  # fmt: skip


def settlement_journals(
    *,
    setl_id: str,
    hospital: str,
    insured_region: str,
    psn_no: str,
    fund_shares: Sequence[tuple[str, int]],
    acct_pay: int,
    product_shares: Sequence[tuple[str, str, int]],
    family_shares: Sequence[tuple[str, int]] = (),
) -> list[Journal]:
    """The journals booking one settlement: the hospital's receivable from each fund and the personal
    accounts — the person's own and, for 家庭共济, each family member's (``family_shares``: account
    holder, fen) — on the medical ledger, and from each insurer (commercial ledger). Patient cash is
    paid at the window and never passes through the platform, so it is not journalled. Zero shares
    are skipped."""
    journals: list[Journal] = []
    med: list[Posting] = []
    for fund_pay_type, amount in fund_shares:
        if amount:
            med.append(Posting(hospital_receivable(hospital, fund_pay_type, "medical"), amount))
            med.append(Posting(fund(insured_region, fund_pay_type), -amount))
    if acct_pay:
        med.append(Posting(hospital_receivable(hospital, "310200", "medical"), acct_pay))
        med.append(Posting(personal_account(psn_no), -acct_pay))
    for holder, amount in family_shares:
        if amount:
            med.append(Posting(hospital_receivable(hospital, "310200", "medical"), amount))
            med.append(Posting(personal_account(holder), -amount))
    if med:
        journals.append(Journal(f"{setl_id}:med", "medical", "settlement", setl_id, "医保结算", tuple(med)))
    com: list[Posting] = []
    for insurer, _product_id, amount in product_shares:
        if amount:
            com.append(Posting(hospital_receivable(hospital, f"insurer:{insurer}", "commercial"), amount))
            com.append(Posting(insurer_payable(insurer), -amount))
    if com:
        journals.append(Journal(f"{setl_id}:com", "commercial", "settlement", setl_id, "商保结算", tuple(com)))
    return journals


def insurer_reserve(insurer: str) -> Account:
    """The insurer's prefunded money held by the platform (debited by top-ups, credited as clearing
    pays hospitals out of it); its balance may fall to minus the insurer's net-debit cap."""
    return Account(f"com:insurer:{insurer}:reserve", "commercial", "insurer_reserve", f"{insurer} 预付备付金")


def insurer_funding(insurer: str) -> Account:
    """What the insurer has put in (credited by top-ups, debited as the reserve pays hospitals)."""
    return Account(f"com:insurer:{insurer}:funding", "commercial", "insurer_funding", f"{insurer} 备付金来源")
