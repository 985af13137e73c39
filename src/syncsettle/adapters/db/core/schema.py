"""The tables. Money is ``BigInteger`` fen everywhere (never ``Numeric``: SQLite would store REAL).

Ledgers: every journal's postings sum to zero; the code builds balanced journals and the database
refuses an unbalanced one (triggers installed by the migrations, see ``ledger_guards``).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from syncsettle.adapters.db.core.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
TS = UTCDateTime()
Money = BigInteger

hospitals = Table(
    "hospitals",
    metadata,
    Column("fixmedins_code", String(20), primary_key=True),
    Column("fixmedins_name", String(200), nullable=False),
    Column("hosp_lv", String(2), nullable=False),
    Column("admdvs", String(6), nullable=False),
    Column("secret_hash", String(128), nullable=False),
    Column("created_at", TS, nullable=False),
    # the national gateway's x-tif-* signature needs the token itself: kept SM4-GCM sealed (adapters/gateway_tokens.py)
    Column("secret_sealed", LargeBinary, nullable=True),
    Column("paas_id", String(40), nullable=True),  # the gateway's x-tif-paasid when it is not the fixmedins_code
    # 9001 sign-in: "tolerate" a missing or stale sign_no (logged), or "require" a live one
    Column("sign_no_policy", String(10), nullable=False, server_default="tolerate"),
)

# x-tif-nonce values seen inside the timestamp window: a nonce is accepted once per paasid
gateway_nonces = Table(
    "gateway_nonces",
    metadata,
    Column("paas_id", String(40), primary_key=True),
    Column("nonce", String(80), primary_key=True),
    Column("seen_at", TS, nullable=False, index=True),
)

# 9001 sign-ins: the sign_no a hospital's terminal carries on later envelopes, until 9002
sign_ins = Table(
    "sign_ins",
    metadata,
    Column("sign_no", String(40), primary_key=True),
    Column("fixmedins_code", String(20), ForeignKey("hospitals.fixmedins_code"), nullable=False, index=True),
    Column("opter_no", String(30), nullable=False),
    Column("mac", String(40), nullable=False),
    Column("ip", String(60), nullable=False),
    Column("signed_in_at", TS, nullable=False),
    Column("signed_out_at", TS, nullable=True),
)

# 9101 uploads: a file the HIS sends (3202's detail), named afterwards by its file_qury_no
fsi_files = Table(
    "fsi_files",
    metadata,
    Column("file_qury_no", String(40), primary_key=True),
    Column("fixmedins_code", String(20), ForeignKey("hospitals.fixmedins_code"), nullable=False, index=True),
    Column("filename", String(200), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_at", TS, nullable=False),
)

persons = Table(
    "persons",
    metadata,
    Column("psn_no", String(30), primary_key=True),
    # name and certificate number sealed with SM4-GCM (adapters/pii.py), looked up by a keyed SM3 blind index
    Column("psn_name_enc", LargeBinary, nullable=False),
    Column("psn_cert_type", String(3), nullable=False, default="01"),
    Column("certno_enc", LargeBinary, nullable=False),
    Column("certno_bidx", String(64), nullable=False),
    Column("gend", String(1), nullable=False),
    Column("brdy", Date, nullable=False),
    Column("naty", String(3), nullable=True),  # nationality (民族) code, where the import gives one
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("created_at", TS, nullable=False),
    Index("ix_persons_certno_bidx", "certno_bidx"),
)

insurance_rows = Table(
    "insurance_rows",
    metadata,
    Column("psn_no", String(30), ForeignKey("persons.psn_no"), primary_key=True),
    Column("insutype", String(6), primary_key=True),
    Column("psn_type", String(6), nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("psn_insu_stas", String(3), nullable=False, default="1"),
    Column("psn_insu_date", Date, nullable=False),
    Column("balc", Money, nullable=False, default=0),
    Column("cross_region", JSON, nullable=True),
    # national cvlserv_flag: "1" the person gets the civil-servant subsidy (公务员医疗补助) under this insutype
    Column("cvlserv_flag", String(1), nullable=False, default="0", server_default="0"),
    CheckConstraint("balc >= 0", name="balc_not_negative"),
)

rule_versions = Table(
    "rule_versions",
    metadata,
    Column("kind", String(10), primary_key=True),
    Column("rule_id", String(80), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date, nullable=True),
    Column("content", JSON, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("loaded_at", TS, nullable=False),
)

enrollments = Table(
    "enrollments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("psn_no", String(30), ForeignKey("persons.psn_no"), nullable=False),
    Column("product_id", String(80), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("enddate", Date, nullable=False),
    Column("pre_existing", Boolean, nullable=False, default=False),
    Column("enrolled_years", Integer, nullable=False, default=1),
    Column("claim_free_years", Integer, nullable=False, default=0),
    Column("claimed_last_year", Boolean, nullable=False, default=False),
    Column("status", String(12), nullable=False, default="active"),  # active | cancelled
    # the commercial centre's enrollment flow (NULL for enrollments recorded administratively)
    Column("filing_id", Integer, ForeignKey("product_filings.id"), nullable=True),
    Column("insurer_id", String(40), nullable=True),
    Column("holder_psn_no", String(30), nullable=True),  # who enrolled and paid (a family member or the person)
    Column("underwriting_class", String(16), nullable=True),  # standard | pre_existing (declined never enrolls)
    Column("premium", Money, nullable=False, default=0),
    Column("paid_by", String(20), nullable=True),  # personal_account | cash
    Column("paid_from_insutype", String(6), nullable=True),  # the holder's insurance row the account belongs to
    Column("waiting_until", Date, nullable=True),  # cover of a new enrollment starts the day after
    Column("refund", Money, nullable=False, default=0),
    Column("created_at", TS, nullable=True),
    Column("cancelled_at", TS, nullable=True),
    Index("ix_enrollments_psn", "psn_no", "product_id"),
    Index("ix_enrollments_filing", "filing_id"),
)

visits = Table(
    "visits",
    metadata,
    Column("mdtrt_id", String(40), primary_key=True),
    Column("psn_no", String(30), ForeignKey("persons.psn_no"), nullable=False),
    Column("insutype", String(6), nullable=False),
    Column("fixmedins_code", String(20), ForeignKey("hospitals.fixmedins_code"), nullable=False),
    Column("med_type", String(6), nullable=False),
    Column("mdtrtarea_admvs", String(6), nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("begntime", TS, nullable=False),
    Column("endtime", TS, nullable=True),
    Column("status", String(12), nullable=False),
    Column("diagnoses", JSON, nullable=False, default=list),
    Column("created_at", TS, nullable=False),
    # how the patient identified at the window (01 e-credential, 02 ID card, 03 social-security card)
    Column("mdtrt_cert_type", String(3), nullable=True),
    # 门慢门特 病种 code (national dise_codg of 2201/2203/2401): which certified disease a med_type 14 visit is for
    Column("dise_codg", String(30), nullable=True),
    Index("ix_visits_hospital", "fixmedins_code", "begntime"),
)

fee_lines = Table(
    "fee_lines",
    metadata,
    Column("mdtrt_id", String(40), ForeignKey("visits.mdtrt_id"), primary_key=True),
    Column("feedetl_sn", String(30), primary_key=True),
    Column("chrg_bchno", String(30), nullable=False, default=""),
    Column("med_list_codg", String(50), nullable=False),
    Column("medins_list_codg", String(50), nullable=False, default=""),
    Column("cnt", BigInteger, nullable=False),
    Column("pric", BigInteger, nullable=False),
    Column("det_item_fee_sumamt", Money, nullable=False),
    Column("chrgitm_lv", String(2), nullable=False),
    Column("selfpay_prop", String(12), nullable=False),
    Column("pric_uplmt_amt", Money, nullable=True),
    Column("med_chrgitm_type", String(4), nullable=False),
    Column("fulamt_ownpay_amt", Money, nullable=False),
    Column("overlmt_amt", Money, nullable=False),
    Column("preselfpay_amt", Money, nullable=False),
    Column("inscp_scp_amt", Money, nullable=False),
    Column("line_chrgitm_lv", String(2), nullable=True),
    Column("line_selfpay_prop", String(12), nullable=True),
    Column("line_pric_uplmt_amt", Money, nullable=True),
    Column("fee_ocur_time", TS, nullable=True),
    Column("init_feedetl_sn", String(30), nullable=True),  # a refund line (status "refund"): the line it nets
    Column("status", String(10), nullable=False, default="active"),
    Column("setl_id", String(40), nullable=True),
    Column("created_at", TS, nullable=False),
    CheckConstraint(
        "det_item_fee_sumamt = fulamt_ownpay_amt + overlmt_amt + preselfpay_amt + inscp_scp_amt", name="split_adds_up"
    ),
)

settlements = Table(
    "settlements",
    metadata,
    Column("setl_id", String(40), primary_key=True),
    Column("mdtrt_id", String(40), ForeignKey("visits.mdtrt_id"), nullable=False),
    Column("psn_no", String(30), nullable=False),
    Column("insutype", String(6), nullable=False),
    Column("fixmedins_code", String(20), nullable=False),
    Column("msgid", String(40), nullable=False),
    Column("med_type", String(6), nullable=False),
    Column("clr_type", String(4), nullable=False),
    Column("setl_time", TS, nullable=False),
    Column("setl_date", Date, nullable=False),
    Column("year", Integer, nullable=False),
    Column("benefit", String(12), nullable=True),
    Column("medfee_sumamt", Money, nullable=False),
    Column("fund_pay_sumamt", Money, nullable=False),
    Column("commercial_sumamt", Money, nullable=False),
    Column("acct_pay", Money, nullable=False),  # the person's own personal account
    Column("psn_cash_pay", Money, nullable=False),
    Column("status", String(10), nullable=False),
    Column("refd_setl_flag", String(1), nullable=False, default="0"),
    Column("reverses", String(40), nullable=True),
    Column("reversed_by", String(40), nullable=True),
    Column("accumulator_delta", JSON, nullable=False),
    Column("output", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    # 家庭共济: what family members' personal accounts paid (national acct_mulaid_pay)
    Column("acct_mulaid_pay", Money, nullable=False, default=0, server_default="0"),
    CheckConstraint(
        "medfee_sumamt = fund_pay_sumamt + commercial_sumamt + acct_pay + acct_mulaid_pay + psn_cash_pay",
        name="adds_up",
    ),
    Index("ix_settlements_hospital_date", "fixmedins_code", "setl_date"),
    Index("ix_settlements_psn", "psn_no", "year"),
    UniqueConstraint("msgid", name="uq_settlements_msgid"),
)

settlement_shares = Table(
    "settlement_shares",
    metadata,
    Column("setl_id", String(40), ForeignKey("settlements.setl_id"), primary_key=True),
    Column("payer", String(80), primary_key=True),
    Column("payer_kind", String(20), nullable=False),
    Column("amount", Money, nullable=False),
)

basic_accumulators = Table(
    "basic_accumulators",
    metadata,
    Column("psn_no", String(30), primary_key=True),
    Column("insutype", String(6), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("inp_deductible_used", Money, nullable=False, default=0),
    Column("inp_fund_paid", Money, nullable=False, default=0),
    Column("out_deductible_used", Money, nullable=False, default=0),
    Column("out_fund_paid", Money, nullable=False, default=0),
    Column("admissions", Integer, nullable=False, default=0),
    Column("subsidy_base", Money, nullable=False, default=0),
    Column("subsidy_paid", Money, nullable=False, default=0),
    # the benefits beyond the pooled fund (0014_benefits): civil-servant subsidy and medical assistance paid
    # (each has an annual cap), the medical-assistance base (its annual deductible), the one 门慢 deductible,
    # and the inpatient admissions made on a referral filing (the repeat-referral ladder)
    Column("cvlserv_paid", Money, nullable=False, default=0, server_default="0"),
    Column("maf_paid", Money, nullable=False, default=0, server_default="0"),
    Column("assistance_base", Money, nullable=False, default=0, server_default="0"),
    Column("chronic_deductible_used", Money, nullable=False, default=0, server_default="0"),
    Column("referrals", Integer, nullable=False, default=0, server_default="0"),
)

# what the pooled fund paid this year for one 门慢 disease (each has its own annual cap), fen
disease_accumulators = Table(
    "disease_accumulators",
    metadata,
    Column("psn_no", String(30), primary_key=True),
    Column("insutype", String(6), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("opsp_dise_code", String(30), primary_key=True),
    Column("fund_paid", Money, nullable=False, default=0),
)

product_accumulators = Table(
    "product_accumulators",
    metadata,
    Column("psn_no", String(30), primary_key=True),
    Column("product_id", String(80), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("resp_id", String(20), primary_key=True),
    Column("deductible_used", Money, nullable=False, default=0),
    Column("paid", Money, nullable=False, default=0),
)

accounts = Table(
    "accounts",
    metadata,
    Column("code", String(120), primary_key=True),
    Column("ledger", String(12), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    CheckConstraint("ledger in ('medical', 'commercial')", name="known_ledger"),
)

journals = Table(
    "journals",
    metadata,
    Column("id", String(60), primary_key=True),
    Column("ledger", String(12), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("setl_id", String(40), nullable=True),
    Column("memo", Text, nullable=False, default=""),
    Column("created_at", TS, nullable=False),
    Index("ix_journals_setl", "setl_id"),
)

postings = Table(
    "postings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("journal_id", String(60), nullable=False),
    Column("account", String(120), ForeignKey("accounts.code"), nullable=False),
    Column("ledger", String(12), nullable=False),
    Column("amount", Money, nullable=False),
    ForeignKeyConstraint(
        ["journal_id"], ["journals.id"], name="fk_postings_journal", deferrable=True, initially="DEFERRED"
    ),
    Index("ix_postings_journal", "journal_id"),
    Index("ix_postings_account", "account"),
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("msgid", String(40), primary_key=True),
    Column("fixmedins_code", String(20), nullable=False),
    Column("infno", String(6), nullable=False),
    Column("request_sha256", String(64), nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("topic", String(60), nullable=False),
    Column("key", String(80), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("published_at", TS, nullable=True),
    Index("ix_outbox_topic_key", "topic", "key"),  # the feeds' once-only check (migration 0017)
)

# This database's identity, drawn at random when it was created (migration 0017): the broker sees
# events of several databases on one stream (two demo runs, a test and a server), so event ids carry it.
platform_instance = Table(
    "platform_instance",
    metadata,
    Column("instance_id", String(36), primary_key=True),
)

# What the platform pushed to an insured person's channel (结算单据实时推送, 快赔进度): written by the
# broker consumer from the published events, once per event (``event_id`` is its Nats-Msg-Id).
insured_notices = Table(
    "insured_notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(160), nullable=False, unique=True),
    Column("psn_no", String(30), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("setl_id", String(40), nullable=False),
    Column("body", JSON, nullable=False),
    Column("occurred_at", TS, nullable=False),
    Column("received_at", TS, nullable=False),
    CheckConstraint("kind in ('settled', 'reversed', 'claim_settled')", name="known_kind"),
    Index("ix_insured_notices_psn", "psn_no", "id"),
)
