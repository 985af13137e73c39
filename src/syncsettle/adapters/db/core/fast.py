"""The statements every visit runs, executed on the unit of work's own DBAPI connection.

Why: executing a prebuilt SQLAlchemy Core statement costs ~200–260 µs of CPU on PostgreSQL
(execution context, events, result metadata built from ``cursor.description`` per call), the same
SQL on the driver's cursor ~70–110 µs — and a complete visit runs about thirty of them, so this layer
alone was a fifth of the server's CPU per visit.

What stays SQLAlchemy's: the statement is a Core construct (``select``/``insert``/``update`` on
the tables of :mod:`.schema`), compiled once per dialect by SQLAlchemy, with SQLAlchemy's own bind
and result processors (aware UTC timestamps, JSON, dates, booleans on SQLite), in the same
transaction as everything else the unit of work does (same DBAPI connection; nothing commits here).
Driver errors are raised as SQLAlchemy's (``IntegrityError``, ``OperationalError``…), so callers
catch the same exceptions as before.

What it does not do: Python-side column defaults are filled from the table's ``Column.default``
(scalars and zero-argument callables only), expanding ``IN`` parameters and ``RETURNING`` are not
supported (those statements stay on ``Connection.execute``), and no SQLAlchemy execution events fire.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.dml import Insert

from syncsettle.adapters.observability.sql_count import STATEMENTS

Processor = Callable[[Any], Any]
_CURSOR = "syncsettle.fast_cursor"  # Connection.info: (DBAPI connection, its reusable cursor)


@dataclass(frozen=True)
class _Plan:
    sql: str
    positional: tuple[str, ...] | None  # parameter order for qmark drivers (SQLite); None: named
    binds: tuple[tuple[str, Processor], ...]
    fixed: tuple[tuple[str, Any], ...]  # the statement's own literal values (``status == "active"``)
    keys: tuple[str, ...]  # result columns
    results: tuple[tuple[int, Processor], ...]  # (column, processor) of the columns that need one


def _default_of(table: Table, name: str) -> Callable[[], Any]:
    column = table.c[name]
    default = column.default
    if default is None:
        return lambda: None
    if getattr(default, "is_scalar", False):
        value = default.arg  # type: ignore[attr-defined]
        return lambda: value
    if getattr(default, "is_callable", False):
        fn = default.arg  # type: ignore[attr-defined]
        return lambda: fn(None)  # SQLAlchemy wraps a zero-argument callable to take a context
    raise ValueError(f"{table.name}.{name}: only scalar or callable defaults can be filled here")


def _compile(stmt: ClauseElement, dialect: Dialect, columns: Sequence[str] | None) -> _Plan:
    compiled: Any = stmt.compile(dialect=dialect, column_keys=list(columns) if columns is not None else None)
    names = list(compiled.bind_names.values())
    if any(bind.expanding for bind in compiled.binds.values()):
        raise ValueError("fast statements take no expanding IN parameters: use Connection.execute")
    filled = set(columns or ())
    fixed = tuple(
        (name, bind.effective_value)
        for name, bind in compiled.binds.items()
        if not bind.required and name not in filled
    )
    processors: Mapping[str, Processor] = compiled._bind_processors
    result_columns = compiled._result_columns
    return _Plan(
        sql=compiled.string,
        positional=tuple(compiled.positiontup) if compiled.positional else None,
        binds=tuple((n, processors[n]) for n in dict.fromkeys(names) if n in processors),
        fixed=fixed,
        keys=tuple(entry[0] for entry in result_columns),
        results=tuple(
            (i, process)
            for i, entry in enumerate(result_columns)
            if (process := entry[3]._cached_result_processor(dialect, None)) is not None
        ),
    )


class Fast:
    """One prebuilt statement. ``columns``: for an INSERT, the columns every row gives (see
    :class:`FastInsert`, which fills the table's Python defaults first)."""

    def __init__(self, stmt: ClauseElement, columns: Sequence[str] | None = None) -> None:
        self.stmt = stmt
        self.columns = tuple(columns) if columns is not None else None
        self._plans: dict[str, _Plan] = {}

    def _plan(self, conn: Connection) -> _Plan:
        dialect = conn.dialect
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans[dialect.name] = _compile(self.stmt, dialect, self.columns)
        return plan

    @staticmethod
    def _params(plan: _Plan, given: Mapping[str, Any]) -> Any:
        values = dict(plan.fixed)
        values.update(given)
        for name, process in plan.binds:
            values[name] = process(values[name])
        if plan.positional is not None:
            return tuple(values[name] for name in plan.positional)
        return values

    def _run(self, conn: Connection, plan: _Plan, params: Any, many: bool) -> Any:
        cursor = _cursor(conn)
        STATEMENTS.inc()  # no SQLAlchemy event fires here, so the statement counter is kept by hand
        try:
            if many:
                cursor.executemany(plan.sql, params)
            else:
                cursor.execute(plan.sql, params)
        except conn.dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy would raise it (IntegrityError, …)
            dbapi_error = conn.dialect.loaded_dbapi.Error
            raise DBAPIError.instance(plan.sql, params, exc, dbapi_error, dialect=conn.dialect) from exc
        return cursor

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every result row as a tuple, processed as SQLAlchemy would (timestamps aware, JSON parsed)."""
        plan = self._plan(conn)
        fetched = self._run(conn, plan, self._params(plan, params), False).fetchall()
        if not plan.results:
            return [tuple(row) for row in fetched]
        out = []
        for row in fetched:
            values = list(row)
            for i, process in plan.results:
                values[i] = process(values[i])
            out.append(tuple(values))
        return out

    def dicts(self, conn: Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        keys = self._plan(conn).keys
        return [dict(zip(keys, row, strict=True)) for row in self.rows(conn, params)]

    def first(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any] | None:
        found = self.dicts(conn, params)
        return found[0] if found else None

    def run(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Execute an INSERT/UPDATE/DELETE once; the number of rows it touched."""
        plan = self._plan(conn)
        return int(self._run(conn, plan, self._params(plan, params), False).rowcount)

    def many(self, conn: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
        """Execute an INSERT/UPDATE for each of ``rows`` (one driver ``executemany``)."""
        plan = self._plan(conn)
        params = [self._params(plan, row) for row in rows]
        if len(params) == 1:
            self._run(conn, plan, params[0], False)
        elif params:
            self._run(conn, plan, params, True)


def _cursor(conn: Connection) -> Any:
    """The DBAPI connection's cursor, reused for the life of that DBAPI connection (a new cursor
    costs ~30 µs on psycopg). Kept with the pooled connection, keyed by the DBAPI connection, so a
    reconnect after an invalidation never reuses the dead one's cursor."""
    raw = conn.connection.dbapi_connection
    kept = conn.info.get(_CURSOR)
    if kept is not None and kept[0] is raw:
        return kept[1]
    assert raw is not None
    cursor = raw.cursor()
    conn.info[_CURSOR] = (raw, cursor)
    return cursor


class FastInsert:
    """INSERT into ``table`` of the columns the rows give; ``ignore``: skip rows whose key exists
    (``ON CONFLICT DO NOTHING``). A few rows go as multi-row ``VALUES`` statements of at most
    :data:`PARAMETERS_PER_STATEMENT` parameters: for the three to eight rows of a settlement's
    shares or postings that costs a third of the driver's ``executemany`` (50 against 172 µs of CPU
    for three rows on PostgreSQL). One compiled plan per dialect, set of columns and row count."""

    def __init__(self, table: Table, *, ignore: bool = False) -> None:
        self.table = table
        self.ignore = ignore
        self._plans: dict[tuple[str, tuple[str, ...], int], Fast] = {}
        self._defaults = {c.name: _default_of(table, c.name) for c in table.columns if c.default is not None}

    def _for(self, conn: Connection, columns: tuple[str, ...], count: int) -> Fast:
        key = (conn.dialect.name, columns, count)
        found = self._plans.get(key)
        if found is None:
            found = self._plans[key] = self._build(conn.dialect.name, columns, count)
        return found

    def _build(self, dialect: str, columns: tuple[str, ...], count: int) -> Fast:
        if count == 1:
            return Fast(_ignoring(dialect, self.table) if self.ignore else self.table.insert(), columns)
        types = {c: self.table.c[c].type for c in columns}  # so each value is bound as its column (UTC, JSON)
        values: list[dict[str, Any]] = [
            {c: bindparam(f"{c}__{i}", type_=types[c]) for c in columns} for i in range(count)
        ]
        base = _ignoring(dialect, self.table) if self.ignore else self.table.insert()
        return Fast(base.values(values))

    def _complete(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The row with the table's Python-side defaults for the columns it leaves out."""
        out = dict(row)
        for name, default in self._defaults.items():
            if name not in out:
                out[name] = default()
        return out

    def many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        if len(rows) == 1:
            self.one(conn, rows[0])
            return
        complete = [self._complete(row) for row in rows]
        columns = tuple(complete[0])
        if any(tuple(row) != columns for row in complete[1:]):
            raise ValueError(f"{self.table.name}: every row of one insert must give the same columns")
        per_statement = max(1, PARAMETERS_PER_STATEMENT // len(columns))
        if len(complete) > MULTI_ROW_STATEMENTS * per_statement:  # many rows: the driver's executemany
            self._for(conn, columns, 1).many(conn, complete)
            return
        for start in range(0, len(complete), per_statement):
            chunk = complete[start : start + per_statement]
            if len(chunk) == 1:
                self._for(conn, columns, 1).run(conn, chunk[0])
                continue
            params = {f"{c}__{i}": row[c] for i, row in enumerate(chunk) for c in columns}
            self._for(conn, columns, len(chunk)).run(conn, params)

    def one(self, conn: Connection, row: Mapping[str, Any]) -> None:
        complete = self._complete(row)
        self._for(conn, tuple(complete), 1).run(conn, complete)


# psycopg parses a statement's placeholders once and keeps the result only for statements of at
# most 50 parameters (and 4,096 characters); a longer one is parsed again at every execution, which
# costs more than it saves. So a multi-row statement stays within 50 parameters (two fee lines,
# twelve postings), and beyond a few such statements the rows go by ``executemany``.
PARAMETERS_PER_STATEMENT = 50
MULTI_ROW_STATEMENTS = 4


def _ignoring(dialect: str, table: Table) -> Insert:
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise ValueError(f"no INSERT … ON CONFLICT DO NOTHING for {dialect}")
