"""Many rows through one statement, without SQLAlchemy's per-row parameter building.

`conn.execute(statement, rows)` runs each row's parameters through the compiled statement
(`construct_params`, then each bind processor) before the driver's `executemany`; with the few
hundred rows a commit writes per batch, that was as much CPU as the driver's own work. Here the
statement is compiled once per dialect and set of keys, exactly as `conn.execute` compiles it for
many rows, the same bind processors convert the values, and the driver gets plain tuples (or
dicts): the same SQL with the same values reaches the database.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase


@dataclass(frozen=True)
class _Plan:
    sql: str
    values: Callable[[dict[str, Any]], tuple[Any, ...]]
    """The row's values in the statement's parameter order (fixed values included)."""
    converters: tuple[tuple[int, Callable[[Any], Any]], ...]
    names: tuple[str, ...] | None
    """The parameter names, for a driver that takes named parameters (None: positional)."""


def executemany(conn: Connection, statement: UpdateBase, rows: list[dict[str, Any]]) -> None:
    """`conn.execute(statement, rows)` for rows that all have the same keys (a single row goes that way)."""
    if len(rows) < 2:
        if rows:
            conn.execute(statement, rows)
        return
    plan = _plan(statement, conn.dialect, tuple(sorted(rows[0])))
    params: list[Any] = []
    for row in rows:
        values = plan.values(row)
        if plan.converters:
            values = list(values)
            for i, convert in plan.converters:
                values[i] = convert(values[i])
        params.append(dict(zip(plan.names, values, strict=True)) if plan.names is not None else tuple(values))
    conn.exec_driver_sql(plan.sql, params)


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
    return _Plan(sql, values, converters, names if named else None)


_PYFORMAT = re.compile(r"%%|%\((\w+)\)s")


def _positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """`%(name)s` placeholders as `%s`, and the names in their order: the driver (psycopg) then takes each
    row as a tuple, as it does for SQLite, instead of ordering a dict's values for it once per row."""
    names: list[str] = []

    def placeholder(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return "%%"
        names.append(m.group(1))
        return "%s"

    return _PYFORMAT.sub(placeholder, sql), tuple(names)
