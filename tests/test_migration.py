"""The migrations build exactly the schema the code declares (queue/schema.py), on SQLite and PostgreSQL.

Like Procrastinate's tests/migration: upgrade an empty database to head, then ask Alembic's
autogenerate what differs from the metadata. Anything it finds is a migration someone forgot.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect

from robot.queue import migrate
from robot.queue.db import make_engine
from robot.queue.schema import metadata


def differences(engine, target: MetaData = metadata) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, target)


def with_drift() -> MetaData:
    """The metadata with a column and a table the migrations do not create."""
    drifted = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        table.to_metadata(drifted)
    drifted.tables["manual_items"].append_column(Column("priority", Integer))
    Table("outbox", drifted, Column("id", Integer, primary_key=True), Column("kind", String(20)))
    return drifted


def check(engine) -> None:
    assert migrate.status(engine).current is None
    migrate.upgrade(engine)
    assert migrate.status(engine).up_to_date
    assert set(inspect(engine).get_table_names()) >= set(metadata.tables) | {"alembic_version"}
    assert differences(engine) == []
    found = {
        (d[0], d[1].name) if d[0] == "add_table" else (d[0], f"{d[2]}.{d[3].name}")
        for d in differences(engine, with_drift())
    }
    assert found == {("add_table", "outbox"), ("add_column", "manual_items.priority")}, "the comparison sees drift"


def test_head_names_the_newest_migration():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(migrate._config()).get_current_head() == migrate.HEAD


def test_the_version_is_read_as_alembic_reads_it(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'robot.db'}")
    for revision in ("0001", "head"):
        migrate.upgrade(engine, revision)
        with engine.connect() as conn:
            assert migrate.current_revision(engine) == MigrationContext.configure(conn).get_current_revision()
    engine.dispose()


def test_the_migrations_match_the_schema_on_sqlite(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'robot.db'}")
    check(engine)
    engine.dispose()


def test_the_migrations_match_the_schema_on_postgres(postgres_server):
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"robot_migration_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(postgres_server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(postgres_server).set(database=name).render_as_string(hide_password=False))
    try:
        check(engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
