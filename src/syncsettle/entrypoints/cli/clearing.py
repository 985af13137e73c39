"""Clearing commands: ``syncsettle clearing close|run|confirm|abort|status|instructions|schedule``,
``syncsettle clearing revolving status|advance|draw|run|reconcile`` (周转金),
``syncsettle prefund configure|top-up|status``, ``syncsettle reconcile hospital|insurer|discrepancies|
discrepancy`` and ``syncsettle statement``. Long runs show a progress bar on stderr; ``--json`` prints
one object on stdout. Errors are one line on stderr and exit status 2.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from syncsettle.adapters.statement_files import StatementFileError
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.entrypoints.cli.service import DB, err
from syncsettle.money import MoneyError, parse_yuan
from syncsettle.services.errors import ServiceError

if TYPE_CHECKING:
    from syncsettle.services.platform import Platform

clearing_app = typer.Typer(help="Settlement windows, clearing and payment instructions.", no_args_is_help=True)
prefund_app = typer.Typer(help="Insurer prefunding: reserve, net-debit cap, top-ups.", no_args_is_help=True)
revolving_app = typer.Typer(
    help="周转金: revolving funds insured regions advance to treatment regions for cross-region care.",
    no_args_is_help=True,
)
reconcile_app = typer.Typer(help="Reconciliation with hospitals and insurers; discrepancies.", no_args_is_help=True)
JSON = typer.Option(False, "--json", help="print one JSON object")
EXPECTED = (ServiceError, InvalidInput, StatementFileError, MoneyError, OSError, ValueError, json.JSONDecodeError)


def _run(work: Callable[[Platform], Any], database: str | None) -> Any:
    from syncsettle.services.platform import build_platform

    try:
        return work(build_platform(database))
    except EXPECTED as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@contextmanager
def _spinner(what: str, quiet: bool = False) -> Iterator[Callable[[int], None]]:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,}"),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=err, transient=True, disable=quiet) as bar:
        task = bar.add_task(what, total=None)
        yield lambda n: bar.update(task, completed=n)


def _show(result: Any, as_json: bool) -> None:
    if as_json or not isinstance(result, dict):
        typer.echo(json.dumps(result, ensure_ascii=False, default=str))
        return
    for key, value in result.items():
        typer.echo(f"{key:>22}: {value}")


@clearing_app.command("schedule")
def schedule_cmd(
    region: str = typer.Option("*", help="insured region, or * for the default"),
    period_days: int = typer.Option(1, help="business days per window"),
    close_delay: int = typer.Option(300, help="seconds after the cut-off before a window may close"),
    database: str | None = DB,
) -> None:
    """Configure how a region's windows are cut (default: daily, 300 s close delay)."""
    from syncsettle.services.clearing import windows

    value = _run(lambda p: windows.set_schedule(p, region, period_days, close_delay), database)
    typer.echo(f"{region}: {value.period_days} day(s) per window, close delay {value.close_delay_s} s")


@clearing_app.command("close")
def close_cmd(
    region: str = typer.Option(..., help="insured region (6 digits)"),
    day: str | None = typer.Option(None, "--date", help="a business date of the window (default: the one due)"),
    database: str | None = DB,
    as_json: bool = JSON,
) -> None:
    """Close a window: assign its settlements and reversals (set-based)."""
    from syncsettle.services.clearing import windows

    with _spinner(f"closing {region}", as_json):
        result = _run(lambda p: windows.close(p, region, date.fromisoformat(day) if day else None), database)
    _show(result, as_json)


@clearing_app.command("run")
def run_cmd(
    window_id: str = typer.Argument(...),
    out: Path | None = typer.Option(None, help="also write the instructions to FILE (.csv or .json)"),
    database: str | None = DB,
    as_json: bool = JSON,
) -> None:
    """Clear a closed window: positions, payment instructions, checksum (idempotent)."""
    from syncsettle.services.clearing import clear

    with _spinner(f"clearing {window_id}", as_json):
        result = _run(lambda p: clear.run(p, window_id), database)
    if out is not None:
        _write_instructions(window_id, out, database)
    _show(result, as_json)


def _write_instructions(window_id: str, out: Path, database: str | None) -> None:
    from syncsettle.services.clearing import clear

    fmt = "json" if out.suffix.lower() == ".json" else "csv"
    content = _run(lambda p: clear.instruction_file(p, window_id, fmt), database)
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False, indent=1)
    out.write_text(text, encoding="utf-8")


@clearing_app.command("instructions")
def instructions_cmd(
    window_id: str = typer.Argument(...),
    fmt: str = typer.Option("csv", "--format", help="csv or json"),
    out: Path | None = typer.Option(None, help="write to FILE instead of stdout"),
    database: str | None = DB,
) -> None:
    """Print (or write) a cleared window's payment instructions with totals and SM3 checksum."""
    from syncsettle.services.clearing import clear

    if out is not None:
        _write_instructions(window_id, out, database)
        return
    content = _run(lambda p: clear.instruction_file(p, window_id, "json" if fmt == "json" else "csv"), database)
    typer.echo(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False), nl=False)


@clearing_app.command("confirm")
def confirm_cmd(
    window_id: str = typer.Argument(...),
    by: str = typer.Option(..., "--by", help="who confirms"),
    bank_ref: str = typer.Option(..., "--bank-ref", help="the payment's bank reference"),
    seq: list[int] | None = typer.Option(None, "--seq", help="instruction number (repeat; default: all)"),
    database: str | None = DB,
    as_json: bool = JSON,
) -> None:
    """Confirm payments; the window is SETTLED when all its instructions are."""
    from syncsettle.services.clearing import confirm

    _show(_run(lambda p: confirm.confirm(p, window_id, by, bank_ref, seq or None), database), as_json)


@clearing_app.command("abort")
def abort_cmd(
    window_id: str = typer.Argument(...),
    by: str = typer.Option(..., "--by"),
    why: str = typer.Option(..., "--why"),
    database: str | None = DB,
    as_json: bool = JSON,
) -> None:
    """Abort a closed or pending window; its items roll into the next window to close."""
    from syncsettle.services.clearing import windows

    _show(_run(lambda p: windows.abort(p, window_id, by, why), database), as_json)


@clearing_app.command("status")
def status_cmd(
    region: str | None = typer.Option(None), window_id: str | None = typer.Option(None, "--window"),
    database: str | None = DB, as_json: bool = JSON,
) -> None:  # fmt: skip
    """Windows (newest first) with their state, items, instructions and totals."""
    from syncsettle.services.clearing import windows

    rows = _run(lambda p: windows.status(p, region, window_id), database)
    if as_json:
        typer.echo(json.dumps({"windows": rows}, ensure_ascii=False))
        return
    for w in rows:
        typer.echo(f"{w['window_id']}  {w['status']:<18} items {w['items']:>9}  instructions {w['instructions']:>5}"
                   f"  paid {w['total_paid']:>16}  refunded {w['total_refunded']:>12}")  # fmt: skip


INSURED = typer.Option(..., "--insured", help="insured region (参保地, 6 digits)")
TREATMENT = typer.Option(..., "--treatment", help="treatment region (就医地, 6 digits)")
MONTH = typer.Option(..., "--month", help="YYYY-MM")
BY = typer.Option(..., "--by", help="who does it")


def _month(value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        typer.echo(f"error: --month: {value!r} is not YYYY-MM", err=True)
        raise typer.Exit(2) from None


@revolving_app.command("status")
def revolving_status(
    insured: str | None = typer.Option(None, "--insured"), treatment: str | None = typer.Option(None, "--treatment"),
    database: str | None = DB, as_json: bool = JSON,
) -> None:  # fmt: skip
    """Each fund's balance, level, required top-up, warning, last month settled and undrawn settlements."""
    from syncsettle.services.clearing import revolving

    rows = _run(lambda p: revolving.status(p, insured=insured, treatment=treatment), database)
    if as_json:
        typer.echo(json.dumps({"funds": rows}, ensure_ascii=False))
        return
    for f in rows:
        warn = "  BELOW WARNING" if f["below_warning"] else ""
        typer.echo(f"{f['insured_region']} → {f['treatment_region']}  balance {f['balance']:>14}"
                   f"  level {f['level']:>14}  top-up {f['required_top_up']:>14}  settled {f['last_settled'] or '-':<7}"
                   f"  undrawn {f['undrawn_settlements']} ({f['undrawn']}){warn}")  # fmt: skip


@revolving_app.command("advance")
def revolving_advance(
    insured: str = INSURED, treatment: str = TREATMENT,
    amount: str | None = typer.Option(None, help="yuan (default: up to the level of the last three months)"),
    by: str = BY, database: str | None = DB, as_json: bool = JSON,
) -> None:  # fmt: skip
    """The insured region advances money to the treatment region (opens the fund)."""
    from syncsettle.services.clearing import revolving

    fen = None if amount is None else _run(lambda _: parse_yuan(amount), None)
    _show(_run(lambda p: revolving.advance(p, insured, treatment, fen, by), database), as_json)


@revolving_app.command("draw")
def revolving_draw(
    through: str | None = typer.Option(None, help="YYYY-MM-DD (default: today)"),
    database: str | None = DB, as_json: bool = JSON,
) -> None:  # fmt: skip
    """Draw every fund for its cross-region settlements not drawn yet."""
    from syncsettle.services.clearing import revolving

    day = None if through is None else _run(lambda _: date.fromisoformat(through), None)
    _show(_run(lambda p: revolving.draw(p, day), database), as_json)


@revolving_app.command("run")
def revolving_run(insured: str = INSURED, treatment: str = TREATMENT, month: str = MONTH, by: str = BY,
                  database: str | None = DB, as_json: bool = JSON) -> None:  # fmt: skip
    """Settle a closed month with the insured region: top the fund up to the month's level."""
    from syncsettle.services.clearing import revolving

    _show(_run(lambda p: revolving.run(p, insured, treatment, _month(month), by), database), as_json)


@revolving_app.command("reconcile")
def revolving_reconcile(insured: str = INSURED, treatment: str = TREATMENT, month: str = MONTH,
                        database: str | None = DB, as_json: bool = JSON) -> None:  # fmt: skip
    """The month's draws against its cross-region settlements; differences become discrepancies."""
    from syncsettle.services.clearing import revolving

    result = _run(lambda p: revolving.reconcile(p, insured, treatment, _month(month)), database)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(f"{result['month']} {insured} → {treatment}: {result['settlements']} settlements, "
               f"{result['matched']} matched, {result['mismatched']} differ")  # fmt: skip
    for d in result["differences"]:
        typer.echo(f"  {d['setl_id']}  {d['reason']:<24} drawn {d['drawn']}  owed {d['owed']}  {d['detail']}")
    if result["mismatched"]:
        raise typer.Exit(1)


@prefund_app.command("configure")
def prefund_configure(
    insurer: str = typer.Option(...),
    cap: str = typer.Option("0.00", help="net-debit cap in yuan"),
    database: str | None = DB,
) -> None:
    """Make an insurer prefunded with a net-debit cap."""
    from syncsettle.money import parse_yuan
    from syncsettle.services.clearing import prefunding

    _show(_run(lambda p: prefunding.configure(p, insurer, parse_yuan(cap)), database), False)


@prefund_app.command("top-up")
def prefund_top_up(insurer: str = typer.Option(...), amount: str = typer.Option(..., help="yuan"),
                   database: str | None = DB) -> None:  # fmt: skip
    """Add money to an insurer's reserve."""
    from syncsettle.money import parse_yuan
    from syncsettle.services.clearing import prefunding

    _show(_run(lambda p: prefunding.top_up(p, insurer, parse_yuan(amount)), database), False)


@prefund_app.command("status")
def prefund_status(insurer: str = typer.Option(...), database: str | None = DB, as_json: bool = JSON) -> None:
    """An insurer's reserve, exposure, cap and headroom."""
    from syncsettle.services.clearing import prefunding

    _show(_run(lambda p: prefunding.position(p, insurer), database), as_json)


@reconcile_app.command("hospital")
def reconcile_hospital(
    file: Path = typer.Argument(..., help="JSON with 3201 totals (optional) and 3202 detail fields"),
    code: str = typer.Option(..., "--hospital", help="fixmedins_code"),
    database: str | None = DB,
    as_json: bool = JSON,
) -> None:
    """Reconcile a hospital's file: totals first, then detail; differences become discrepancies."""
    from syncsettle.adapters.json_reader import Reader
    from syncsettle.services.clearing import hospital_reconciliation as hospital_rec

    def work(p: Platform) -> dict[str, Any]:
        doc = json.loads(file.read_text(encoding="utf-8"))
        data = Reader(doc["data"], "data") if isinstance(doc, dict) and "data" in doc else Reader(doc, "")
        scope = hospital_rec.read_scope(code, data)
        theirs = hospital_rec.read_details(data)
        stated = hospital_rec.read_stated_totals(data) if data.has("medfee_sumamt") else hospital_rec.totals_of(theirs)
        return {"totals": hospital_rec.reconcile_totals(p, scope, stated),
                "detail": hospital_rec.reconcile_detail(p, scope, theirs)}  # fmt: skip

    result = _run(work, database)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(f"totals: {result['totals']['stmt_rslt_dscr']}")
    detail = result["detail"]
    typer.echo(f"detail: {detail['matched']} matched, {detail['mismatched']} mismatched")
    for d in detail["details"]:
        if d["stmt_rslt"] != "0":
            typer.echo(f"  {d['setl_id']}  {d['reason']}  {d['memo']}")


@reconcile_app.command("insurer")
def reconcile_insurer(
    file: Path = typer.Argument(..., help="the statement the insurer returned (.csv or .xlsx)"),
    insurer: str = typer.Option(...),
    month: str = typer.Option(..., help="YYYY-MM"),
    database: str | None = DB,
    as_json: bool = JSON,
) -> None:
    """Reconcile an insurer's returned monthly statement; differences become discrepancies."""
    from syncsettle.adapters.statement_files import read
    from syncsettle.services.clearing import statement

    result = _run(lambda p: statement.reconcile(p, insurer, month, read(file)), database)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(f"{result['lines']} lines: {result['matched']} matched, {result['mismatched']} mismatched")
    for d in result["differences"]:
        typer.echo(f"  {d['line']}  {d['reason']}  {d['detail']}")


@reconcile_app.command("discrepancies")
def discrepancy_list(
    status: str | None = typer.Option(None), source: str | None = typer.Option(None),
    party: str | None = typer.Option(None), database: str | None = DB, as_json: bool = JSON,
) -> None:  # fmt: skip
    """Tracked discrepancies (filter by status, source hospital|insurer|revolving, party)."""
    from syncsettle.services.clearing import discrepancies

    rows = _run(lambda p: discrepancies.listing(p, source=source, party=party, status=status), database)
    if as_json:
        typer.echo(json.dumps({"discrepancies": rows}, ensure_ascii=False))
        return
    for d in rows:
        typer.echo(f"#{d['id']:<5} {d['status']:<13} {d['source']:<8} {d['party']:<14} {d['setl_id']} {d['item']} "
                   f"{d['reason']}: {d['detail']}")  # fmt: skip


@reconcile_app.command("discrepancy")
def discrepancy_move(
    discrepancy_id: int = typer.Argument(...),
    to: str = typer.Option(..., "--to", help="investigating | resolved | written_off"),
    by: str = typer.Option(..., "--by"),
    why: str = typer.Option(..., "--why"),
    database: str | None = DB,
    as_json: bool = JSON,
) -> None:
    """Move a discrepancy along its workflow, recording who and why."""
    from syncsettle.services.clearing import discrepancies

    _show(_run(lambda p: discrepancies.move(p, discrepancy_id, to, by, why), database), as_json)


def statement_cmd(
    insurer: str = typer.Option(...),
    month: str = typer.Option(..., help="YYYY-MM"),
    out: Path | None = typer.Option(None, help="FILE.csv or FILE.xlsx (default: CSV on stdout)"),
    database: str | None = DB,
) -> None:
    """An insurer's monthly statement: one line per settlement line (visit, responsibility amounts, route)."""
    from syncsettle.adapters.statement_files import to_csv, write_xlsx
    from syncsettle.services.clearing import statement

    with _spinner(f"statement {insurer} {month}: settlements read") as progress:
        stmt = _run(lambda p: statement.statement(p, insurer, month, progress), database)
    if out is not None and out.suffix.lower() == ".xlsx":
        write_xlsx(out, f"{insurer} {month}", stmt.columns, stmt.lines, stmt.trailer)
    elif out is not None:
        out.write_text(to_csv(stmt.columns, stmt.lines, stmt.trailer), encoding="utf-8")
    else:
        typer.echo(to_csv(stmt.columns, stmt.lines, stmt.trailer), nl=False)
    if out is not None:
        typer.echo(f"{out}: {len(stmt.lines)} lines, payable {stmt.trailer[-1]}", err=True)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    clearing_app.add_typer(revolving_app, name="revolving")
    app.add_typer(clearing_app, name="clearing")
    app.add_typer(prefund_app, name="prefund")
    app.add_typer(reconcile_app, name="reconcile")
    app.command("statement")(statement_cmd)
