"""Person data of the benefits beyond the pooled fund (0014_benefits), as 1101/5301 return them:

- ``person_identities``: 人员身份 (1101 ``idetinfo[]``), here the medical-assistance categories
  (特困供养, 低保, 防止返贫监测/低收入) with their validity;
- ``disease_certifications``: 门慢门特 certifications (5301 ``feedetail[]``: ``opsp_dise_code``,
  ``opsp_dise_name``, ``begndate``, ``enddate``) and their kind (``chronic`` 门慢 / ``special`` 门特);
- ``family_links``: 家庭共济, whose personal account (``holder_psn_no``, an employee's 310 account) may
  pay for whom (``psn_no``): valid from ``begndate`` to ``enddate`` (inclusive, open when NULL),
  given with the holder's consent (``consented_at``) and ended by revoking it (``revoked_at``).

Civil-servant status is ``insurance_rows.cvlserv_flag`` (1101 ``insuinfo[].cvlserv_flag``). Dates are
business dates; ranges inclusive.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table

from syncsettle.adapters.db.core.schema import TS, metadata

person_identities = Table(
    "person_identities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("psn_no", String(30), ForeignKey("persons.psn_no"), nullable=False),
    Column("psn_idet_type", String(6), nullable=False),  # national 人员身份类别 (codes: services/settlement/benefits)
    Column("psn_type_lv", String(6), nullable=True),
    Column("begndate", Date, nullable=True),
    Column("enddate", Date, nullable=True),
    Column("memo", String(200), nullable=True),
    Index("ix_person_identities_psn", "psn_no"),
)

disease_certifications = Table(
    "disease_certifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("psn_no", String(30), ForeignKey("persons.psn_no"), nullable=False),
    Column("opsp_dise_code", String(30), nullable=False),
    Column("opsp_dise_name", String(300), nullable=False, default=""),
    Column("kind", String(10), nullable=False),  # chronic (门慢) | special (门特)
    Column("begndate", Date, nullable=True),
    Column("enddate", Date, nullable=True),
    Index("ix_disease_certifications_psn", "psn_no"),
)

family_links = Table(
    "family_links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("holder_psn_no", String(30), ForeignKey("persons.psn_no"), nullable=False),  # whose account pays
    Column("psn_no", String(30), ForeignKey("persons.psn_no"), nullable=False),  # for whom
    Column("begndate", Date, nullable=False),
    Column("enddate", Date, nullable=True),
    Column("consented_at", TS, nullable=False),
    Column("revoked_at", TS, nullable=True),
    Column("created_at", TS, nullable=False),
    Index("ix_family_links_psn", "psn_no"),
    Index("ix_family_links_holder", "holder_psn_no"),
)
