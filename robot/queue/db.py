"""Database engines: SQLite by default (WAL, BEGIN IMMEDIATE for writes), PostgreSQL in production."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine, Insert, Table, create_engine, event
from sqlalchemy.engine import make_url

from robot.config import private_folder

READ_ONLY = {"robot_read_only": True}
"""Execution options for a read-only transaction: on SQLite it does not take the write lock."""


def normalize_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3 here (the driver the project installs)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def supported(url: str) -> bool:
    """Whether `url` names a database the robot runs on (PostgreSQL or SQLite); a URL that is not one is
    left for `make_engine` to refuse."""
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(normalize_url(url)).get_backend_name()
    except ArgumentError:
        return True
    return backend in ("postgresql", "sqlite")


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for another database or an in-memory one."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        private_folder(Path(database).parent)
        # Created 0600 before SQLite opens it; its -wal and -shm files take the same permissions.
        os.close(os.open(database, os.O_RDWR | os.O_CREAT, 0o600))
    engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # The driver's own transaction handling is switched off so that `begin` below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Writers take the lock up front: no deadlock when two processes upgrade a read lock.
        if conn.get_execution_options().get("robot_read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextlib.contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    with engine.connect().execution_options(**READ_ONLY) as conn, conn.begin():
        yield conn


def insert_on_conflict(dialect_name: str, table: Table) -> Insert:
    """`INSERT` into `table` with the ON CONFLICT clauses of this database's dialect (PostgreSQL's, else SQLite's).

    Only that dialect's module is imported: PostgreSQL's brings ~17 ms of imports a SQLite worker never uses."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects import postgresql as dialect
    else:
        from sqlalchemy.dialects import sqlite as dialect
    return dialect.insert(table)
