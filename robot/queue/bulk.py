"""Many rows through one statement, without SQLAlchemy's per-row parameter building.

`conn.execute(statement, rows)` runs each row's parameters through the compiled statement
(`construct_params`, then each bind processor) before the driver's `executemany`; with the few
hundred rows a commit writes per batch, that was as much CPU as the driver's own work. Here the
statement is compiled once per dialect and set of keys, exactly as `conn.execute` compiles it for
many rows, the same bind processors convert the values, and the driver gets plain tuples (or
dicts): the same values reach the database.

On PostgreSQL (psycopg) an INSERT's rows go as one statement, its columns as arrays
(`INSERT … SELECT * FROM unnest(…)`), sent in binary: the server then runs one statement per batch
instead of one per row (psycopg's `executemany` sends every row through the executor on its own),
which cost it about a third more per row, and the client about twice as much. Not for long rows
(`LONG_ROW`): the server builds an array whole, zeroed and copied, before unnest reads it, which for
a verdict's 17 KB cost it more than the statement per row. `execute` runs any statement over arrays
that way (the commit's state changes).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import ARRAY, Connection, CursorResult, LargeBinary, String, bindparam, func, literal_column, select
from sqlalchemy.engine import Compiled, Dialect
from sqlalchemy.sql.dml import Insert, UpdateBase
from sqlalchemy.types import TypeEngine


@dataclass(frozen=True)
class _Plan:
    sql: str
    values: Callable[[dict[str, Any]], tuple[Any, ...]]
    """The row's values in the statement's parameter order (fixed values included)."""
    converters: tuple[tuple[int, Callable[[Any], Any]], ...]
    names: tuple[str, ...] | None
    """The parameter names, for a driver that takes named parameters (None: positional)."""
    arrays: str | None
    """The statement for all rows at once, each parameter the array of a column's values (PostgreSQL's INSERTs)."""
    unbounded: tuple[int, ...]
    """The parameters of columns without a length (texts, bytes): what makes a row long."""


LONG_ROW = 2048
"""Characters (or bytes) a row holds on average in its columns without a length, beyond which a batch goes one
statement per row rather than as arrays."""


def executemany(conn: Connection, statement: UpdateBase, rows: list[dict[str, Any]]) -> None:
    """`conn.execute(statement, rows)` for rows that all have the same keys (a single row goes that way)."""
    if len(rows) < 2:
        if rows:
            conn.execute(statement, rows)
        return
    plan = _plan(statement, conn.dialect, tuple(sorted(rows[0])))
    params: list[Any] = []
    times: dict[tuple[int, dt.datetime], Any] = {}  # a batch's rows share a few instants: each converted once
    for row in rows:
        values = plan.values(row)
        if plan.converters:
            values = list(values)
            for i, convert in plan.converters:
                value = values[i]
                if type(value) is dt.datetime and value.tzinfo is dt.UTC:  # no folds: equal means the same fields
                    key = (i, value)
                    values[i] = times[key] if key in times else times.setdefault(key, convert(value))
                else:
                    values[i] = convert(value)
        params.append(dict(zip(plan.names, values, strict=True)) if plan.names is not None else tuple(values))
    if plan.arrays is not None and not _long(params, plan.unbounded):
        conn.exec_driver_sql(plan.arrays, tuple(map(list, zip(*params, strict=True))))
    else:
        conn.exec_driver_sql(plan.sql, params)


def _long(rows: list[tuple[Any, ...]], columns: tuple[int, ...]) -> bool:
    return sum(len(row[i]) for row in rows for i in columns if row[i] is not None) > LONG_ROW * len(rows)


def execute(conn: Connection, statement: UpdateBase, values: dict[str, Any]) -> CursorResult[Any]:
    """`conn.execute(statement, values)` on PostgreSQL (psycopg) for a statement whose parameters are arrays
    (`array`): the same SQL, its parameters sent in binary."""
    sql, names, compiled = _binary(statement, conn.dialect)
    params, processors = compiled.construct_params(values), compiled._bind_processors
    return conn.exec_driver_sql(sql, tuple(processors[n](params[n]) if n in processors else params[n] for n in names))


def array(name: str, type_: TypeEngine[Any]) -> Any:
    """A parameter holding a column's values, for `execute` (SQLAlchemy's generic ARRAY, which PostgreSQL's
    dialect renders as its own: importing that dialect here would load it in a SQLite worker)."""
    return bindparam(name, type_=ARRAY(_element(type_)))


@functools.lru_cache(maxsize=128)
def _plan(statement: UpdateBase, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys), for_executemany=True)
    if compiled.escaped_bind_names or compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError("bulk.executemany takes plain parameters only")
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise ValueError("bulk.executemany does not compute Python-side column defaults: give every column")
    # Every parameter the statement takes, with its fixed value where the rows do not give one.
    fixed = compiled.construct_params(dict.fromkeys(keys))
    sql, named = compiled.string, False
    if compiled.positional:
        names = tuple(compiled.positiontup)
    elif dialect.paramstyle == "pyformat":
        sql, names = _positional(sql)
    else:
        names, named = tuple(fixed), True
    if set(names) != set(fixed):
        raise ValueError(f"bulk.executemany could not place the parameters of {sql!r}")
    getters = [(lambda row, k=name: row[k]) if name in keys else (lambda row, v=fixed[name]: v) for name in names]
    if all(name in keys for name in names):
        get = itemgetter(*names)
        values = (lambda row: (get(row),)) if len(names) == 1 else get
    else:
        values = lambda row: tuple(g(row) for g in getters)  # noqa: E731
    processors = compiled._bind_processors  # the ones `conn.execute` applies (SQLAlchemy keeps them here)
    converters = tuple((i, processors[name]) for i, name in enumerate(names) if name in processors)
    arrays, unbounded = None, ()
    if dialect.driver == "psycopg" and isinstance(statement, Insert):
        arrays = _unnest(statement, dialect, names)
        columns = [statement.table.c[name].type for name in names]
        unbounded = tuple(i for i, t in enumerate(columns) if isinstance(t, String | LargeBinary) and t.length is None)
    return _Plan(sql, values, converters, names if named else None, arrays, unbounded)


def _unnest(statement: Insert, dialect: Dialect, names: tuple[str, ...]) -> str:
    """The INSERT of the columns `names` from one array per column, with the statement's own clauses (ON CONFLICT)."""
    table = statement.table
    if not all(name in table.c for name in names):
        raise ValueError(f"bulk.executemany inserts the table's columns only, not {names!r}")
    rows = select(literal_column("*")).select_from(func.unnest(*(array(n, table.c[n].type) for n in names)))
    sql, order = _positional(statement.from_select(list(names), rows).compile(dialect=dialect).string, "%b")
    if order != names:
        raise ValueError(f"bulk.executemany could not place the arrays of {sql!r}")
    return sql


@functools.lru_cache(maxsize=16)
def _binary(statement: UpdateBase, dialect: Dialect) -> tuple[str, tuple[str, ...], Compiled]:
    compiled = statement.compile(dialect=dialect)
    return *_positional(compiled.string, "%b"), compiled


def _element(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    """An array's element type, without a length: casting to `VARCHAR(n)[]` cuts a longer text short, where a
    row's `::VARCHAR` (SQLAlchemy's cast) leaves the column to refuse it."""
    return String() if isinstance(type_, String) and type_.length is not None else type_


_PYFORMAT = re.compile(r"%%|%\((\w+)\)s")


def _positional(sql: str, placeholder: str = "%s") -> tuple[str, tuple[str, ...]]:
    """`%(name)s` placeholders as `placeholder`, and the names in their order: the driver (psycopg) then takes
    each row as a tuple, as it does for SQLite, instead of ordering a dict's values for it once per row.
    `%b` asks psycopg for the binary format."""
    names: list[str] = []

    def positional(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return "%%"
        names.append(m.group(1))
        return placeholder

    return _PYFORMAT.sub(positional, sql), tuple(names)
