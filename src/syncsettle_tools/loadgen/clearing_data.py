"""Synthetic settlements for ``syncsettle bench clearing``, generated inside the database with
set-based statements (a recursive CTE on SQLite, ``generate_series`` on PostgreSQL): visits,
settlements (1 in 100 a reversal of the one before), their shares (basic fund, personal account,
one product, cash) and balanced journals in both ledgers, through the same ledger triggers as the
service. Every row is derived from its number ``i`` so a run is reproducible.

Amounts (fen) for number ``j``: total = 10,000 + (j × 7919 mod 500,000); the pooled fund pays 60%;
every 4th pays a quarter of the rest from the personal account; every 3rd has a commercial leg of
half of what then remains; cash pays the rest. A reversal (``i mod 100 = 99``) negates ``j = i − 1``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text

from syncsettle.adapters.db.core.schema import hospitals, persons
from syncsettle.adapters.pii import synthetic_cipher
from syncsettle.domain import ledger

REGION = "370600"
PRODUCT = "yantai-shiminjiankangbao-2025"
INSURER = "yantai-hmb"
DAY_START_UTC = "2025-06-09 16:00:00"  # 2025-06-10 00:00 China time
HOSPITALS = 40
PERSONS = 20_000


def _dialect_sql(dialect: str) -> dict[str, str]:
    if dialect == "postgresql":
        return {
            "numbers": "SELECT i FROM generate_series(0::bigint, {n} - 1) AS g(i)",
            "pad9": "lpad({x}::text, 9, '0')",
            "pad7": "lpad({x}::text, 7, '0')",
            "time": f"(timestamptz '{DAY_START_UTC}+00' + make_interval(secs => {{x}}))",
            "day": "date '2025-06-10'",
            "json": "'{x}'::json",
        }
    return {
        "numbers": "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < {n} - 1) SELECT i FROM c",
        "pad9": "printf('%09d', {x})",
        "pad7": "printf('%07d', {x})",
        "time": f"(strftime('%Y-%m-%d %H:%M:%S', '{DAY_START_UTC}', '+' || ({{x}}) || ' seconds') || '.000000')",
        "day": "'2025-06-10'",
        "json": "'{x}'",
    }


def generate(engine: Engine, n: int, progress: Callable[[str], None] = lambda _: None) -> None:
    """Insert ``n`` settlements (with visits, shares, journals) into a migrated, empty database."""
    d = _dialect_sql(engine.dialect.name)
    now = datetime(2025, 6, 9, 0, 0, tzinfo=UTC)
    with engine.begin() as conn:
        progress("hospitals, persons, accounts")
        conn.execute(hospitals.insert(), [
            {"fixmedins_code": f"H3706{h:07d}", "fixmedins_name": f"压测医院{h}", "hosp_lv": "3", "admdvs": REGION,
             "secret_hash": "-", "created_at": now} for h in range(HOSPITALS)])  # fmt: skip
        cipher = synthetic_cipher()
        conn.execute(persons.insert(), [cipher.seal(
            {"psn_no": f"BP{p:07d}", "psn_name": f"压测{p}", "psn_cert_type": "01", "certno": f"3706{p:014d}",
             "gend": "1", "brdy": datetime(1980, 1, 1).date(), "insuplc_admdvs": REGION, "created_at": now})
            for p in range(PERSONS)])  # fmt: skip
        _accounts(conn)
    steps = _steps(d)
    for label, sql in steps:
        progress(label)
        with engine.begin() as conn:  # postings and their journals commit together (deferred foreign key)
            # straight to the driver: ':med' and '%' inside the SQL are literals, not placeholders
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            for statement in sql.split(";\n"):
                cursor.execute(statement.replace("{n}", str(int(n))))
            cursor.close()


def _accounts(conn: Connection) -> None:
    wanted = [ledger.fund(REGION, "390100"), ledger.insurer_payable(INSURER)]
    for h in range(HOSPITALS):
        code = f"H3706{h:07d}"
        wanted += [ledger.hospital_receivable(code, "390100", "medical"),
                   ledger.hospital_receivable(code, "310200", "medical"),
                   ledger.hospital_receivable(code, f"insurer:{INSURER}", "commercial")]  # fmt: skip
    wanted += [ledger.personal_account(f"BP{p:07d}") for p in range(PERSONS)]
    conn.execute(
        text("INSERT INTO accounts (code, ledger, kind, name) VALUES (:code, :ledger, :kind, :name)"),
        [{"code": a.code, "ledger": a.ledger, "kind": a.kind, "name": a.name} for a in wanted],
    )


def _steps(d: dict[str, str]) -> list[tuple[str, str]]:
    """(label, SQL) in order; each reads the staging table ``bench_gen`` built by the first."""
    setl = "'BS' || " + d["pad9"].format(x="g.i")
    orig = "'BS' || " + d["pad9"].format(x="g.j")
    visit = "'BV' || " + d["pad9"].format(x="g.j")
    hosp = "'H3706' || " + d["pad7"].format(x=f"(g.j % {HOSPITALS})")
    psn = "'BP' || " + d["pad7"].format(x=f"(g.j % {PERSONS})")
    when = d["time"].format(x="(g.i * 86000 / {n})")
    day = d["day"]
    rev = "g.sign < 0"
    steps = [
        (
            "staging amounts",
            f"""
            CREATE TABLE bench_gen AS
            SELECT i, j, sign, total, fund, acct, com, total - fund - acct - com AS cash FROM (
              SELECT i, j, sign, total, fund, acct, (total - fund - acct) / 2 * (CASE WHEN j % 3 = 0 THEN 1 ELSE 0 END) AS com
              FROM (
                SELECT i, j, sign, total, total * 6 / 10 AS fund,
                       (total - total * 6 / 10) / 4 * (CASE WHEN j % 4 = 0 THEN 1 ELSE 0 END) AS acct
                FROM (SELECT i, CASE WHEN i % 100 = 99 THEN i - 1 ELSE i END AS j,
                             CASE WHEN i % 100 = 99 THEN -1 ELSE 1 END AS sign,
                             10000 + ((CASE WHEN i % 100 = 99 THEN i - 1 ELSE i END) * 7919) % 500000 AS total
                      FROM ({d["numbers"]}) AS nums) AS a) AS b) AS c""",
        ),
        (
            "visits",
            f"""
            INSERT INTO visits (mdtrt_id, psn_no, insutype, fixmedins_code, med_type, mdtrtarea_admvs, insuplc_admdvs,
                                begntime, endtime, status, diagnoses, created_at)
            SELECT {visit}, {psn}, '390', {hosp}, '21', '{REGION}', '{REGION}', {when}, {when}, 'settled',
                   {d["json"].format(x="[]")}, {when}
            FROM bench_gen AS g WHERE g.sign > 0""",
        ),
        (
            "settlements",
            f"""
            INSERT INTO settlements (setl_id, mdtrt_id, psn_no, insutype, fixmedins_code, msgid, med_type, clr_type,
                setl_time, setl_date, year, benefit, medfee_sumamt, fund_pay_sumamt, commercial_sumamt, acct_pay,
                psn_cash_pay, status, refd_setl_flag, reverses, reversed_by, accumulator_delta, output, created_at)
            SELECT {setl}, {visit}, {psn}, '390', {hosp}, 'M' || {setl}, '21', '21', {when}, {day}, 2025, 'inpatient',
                   g.sign * g.total, g.sign * g.fund, g.sign * g.com, g.sign * g.acct, g.sign * g.cash,
                   CASE WHEN {rev} THEN 'reversal' WHEN g.i % 100 = 98 THEN 'reversed' ELSE 'settled' END,
                   CASE WHEN {rev} THEN '1' ELSE '0' END,
                   CASE WHEN {rev} THEN {orig} END,
                   CASE WHEN g.i % 100 = 98 THEN 'BS' || {d["pad9"].format(x="(g.i + 1)")} END,
                   {d["json"].format(x='{"basic": {}, "products": []}')}, {d["json"].format(x="{}")}, {when}
            FROM bench_gen AS g""",
        ),
        (
            "shares",
            f"""
            INSERT INTO settlement_shares (setl_id, payer, payer_kind, amount)
            SELECT {setl}, '390100', 'fund', g.sign * g.fund FROM bench_gen AS g WHERE g.fund > 0
            UNION ALL SELECT {setl}, 'acct', 'personal_account', g.sign * g.acct FROM bench_gen AS g WHERE g.acct > 0
            UNION ALL SELECT {setl}, 'product:{PRODUCT}', 'product', g.sign * g.com FROM bench_gen AS g WHERE g.com > 0
            UNION ALL SELECT {setl}, 'cash', 'cash', g.sign * g.cash FROM bench_gen AS g WHERE g.cash > 0""",
        ),
        (
            "postings and journals",
            f"""
            INSERT INTO postings (journal_id, account, ledger, amount)
            SELECT {setl} || ':med', 'med:hospital:' || {hosp} || ':390100', 'medical', g.sign * g.fund FROM bench_gen AS g
            UNION ALL SELECT {setl} || ':med', 'med:fund:{REGION}:390100', 'medical', -g.sign * g.fund FROM bench_gen AS g
            UNION ALL SELECT {setl} || ':med', 'med:hospital:' || {hosp} || ':310200', 'medical', g.sign * g.acct
              FROM bench_gen AS g WHERE g.acct > 0
            UNION ALL SELECT {setl} || ':med', 'med:acct:' || {psn}, 'medical', -g.sign * g.acct
              FROM bench_gen AS g WHERE g.acct > 0
            UNION ALL SELECT {setl} || ':com', 'com:hospital:' || {hosp} || ':insurer:{INSURER}', 'commercial',
                             g.sign * g.com FROM bench_gen AS g WHERE g.com > 0
            UNION ALL SELECT {setl} || ':com', 'com:insurer:{INSURER}:payable', 'commercial', -g.sign * g.com
              FROM bench_gen AS g WHERE g.com > 0;
            INSERT INTO journals (id, ledger, kind, setl_id, memo, created_at)
            SELECT {setl} || ':med', 'medical', CASE WHEN {rev} THEN 'reversal' ELSE 'settlement' END, {setl}, '医保结算',
                   {when} FROM bench_gen AS g
            UNION ALL SELECT {setl} || ':com', 'commercial', CASE WHEN {rev} THEN 'reversal' ELSE 'settlement' END,
                   {setl}, '商保结算', {when} FROM bench_gen AS g WHERE g.com > 0""",
        ),
        ("cleaning up", "DROP TABLE bench_gen"),
    ]
    return steps
