"""The database's side of the append-only tables: triggers, and attaching the ledger in a migration.

The triggers refuse DELETE, TRUNCATE and every UPDATE except the one a purge makes (`retention.py`):
personal columns blanked (null or ''), `purged_at` and `personal_hash` set once, every other column
unchanged. They hold for every role, the owner too; on PostgreSQL the runtime role can in
addition neither update nor delete these tables at all (`grants.py`), nor drop or disable a
trigger (only the owner can). On SQLite whoever has the file can drop a trigger: there the hash
chain (`ledger.py`) is what shows the change.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, bindparam, select, text, update

from robot.queue.ledger import LEDGER_COLUMNS, Chain, row_hash
from robot.queue.schema import ledger_heads

PAGE = 1000

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION robot_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    col text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.purged_at IS NULL AND NEW.purged_at IS NOT NULL AND NEW.personal_hash IS NOT NULL
           AND (to_jsonb(NEW) - TG_ARGV - 'purged_at' - 'personal_hash')
             = (to_jsonb(OLD) - TG_ARGV - 'purged_at' - 'personal_hash') THEN
            FOREACH col IN ARRAY TG_ARGV LOOP
                IF COALESCE(to_jsonb(NEW) ->> col, '') <> '' THEN
                    RAISE EXCEPTION '% is append-only: a purge may only blank %', TG_TABLE_NAME, col;
                END IF;
            END LOOP;
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END $$
"""


_PG_HEADS = """
CREATE OR REPLACE FUNCTION robot_ledger_head() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last text;
BEGIN
    IF TG_OP <> 'UPDATE' OR NEW.chain <> OLD.chain OR NEW.last_id < OLD.last_id THEN
        RAISE EXCEPTION 'ledger heads only move forward: % refused', TG_OP;
    END IF;
    EXECUTE format('SELECT row_hash FROM %I WHERE id = $1', NEW.chain) INTO last USING NEW.last_id;
    IF last IS DISTINCT FROM NEW.last_hash THEN
        RAISE EXCEPTION 'ledger head of % must be the row hash of its row %', NEW.chain, NEW.last_id;
    END IF;
    RETURN NEW;
END $$
"""


def guard_heads(conn: Connection) -> None:
    """Heads only move forward, to a row that is there with that hash (PostgreSQL); never deleted or rewound."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(_PG_HEADS))
        conn.execute(
            text(
                "CREATE TRIGGER ledger_heads_forward BEFORE UPDATE OR DELETE ON ledger_heads "
                "FOR EACH ROW EXECUTE FUNCTION robot_ledger_head()"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER ledger_heads_no_truncate BEFORE TRUNCATE ON ledger_heads "
                "FOR EACH STATEMENT EXECUTE FUNCTION robot_append_only()"
            )
        )
        return
    conn.execute(
        text(
            "CREATE TRIGGER ledger_heads_forward BEFORE UPDATE ON ledger_heads "
            "WHEN NEW.chain IS NOT OLD.chain OR NEW.last_id < OLD.last_id "
            "BEGIN SELECT RAISE(ABORT, 'ledger heads only move forward'); END"
        )
    )
    conn.execute(
        text(
            "CREATE TRIGGER ledger_heads_no_delete BEFORE DELETE ON ledger_heads "
            "BEGIN SELECT RAISE(ABORT, 'ledger heads only move forward'); END"
        )
    )


def drop_triggers(conn: Connection, table: str) -> None:
    """Every trigger on `table` (whoever installed it: earlier migrations, other branches)."""
    if conn.dialect.name == "postgresql":
        names = conn.execute(
            text("SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass) AND NOT tgisinternal"), {"t": table}
        ).scalars()
        for name in list(names):
            conn.execute(text(f'DROP TRIGGER "{name}" ON "{table}"'))
    else:
        names = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"), {"t": table}
        ).scalars()
        for name in list(names):
            conn.execute(text(f'DROP TRIGGER "{name}"'))


def install_triggers(conn: Connection, table: str, personal: tuple[str, ...]) -> None:
    """The append-only triggers for `table` (after `drop_triggers`). Run again when its columns change (SQLite)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(_PG_FUNCTION))
        args = ", ".join(f"'{c}'" for c in personal)
        conn.execute(
            text(
                f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
                f"FOR EACH ROW EXECUTE FUNCTION robot_append_only({args})"
            )
        )
        conn.execute(
            text(
                f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
                "FOR EACH STATEMENT EXECUTE FUNCTION robot_append_only()"
            )
        )
        return
    columns = [c["name"] for c in sa.inspect(conn).get_columns(table)]
    unchanged = [f'NEW."{c}" IS OLD."{c}"' for c in columns if c not in personal and c not in ("purged_at", "personal_hash")]
    blanked = [f"(NEW.\"{c}\" IS NULL OR NEW.\"{c}\" = '')" for c in personal]
    marked = ["OLD.purged_at IS NULL", "NEW.purged_at IS NOT NULL", "NEW.personal_hash IS NOT NULL"]
    purge = " AND ".join([*marked, *unchanged, *blanked])
    conn.execute(
        text(
            f'CREATE TRIGGER "{table}_no_update" BEFORE UPDATE ON "{table}" WHEN NOT ({purge}) '
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END"
        )
    )
    conn.execute(
        text(
            f'CREATE TRIGGER "{table}_no_delete" BEFORE DELETE ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END"
        )
    )


def attach(op: Any, table: str, personal: tuple[str, ...]) -> None:
    """In a migration: give `table` the ledger's columns, chain the rows it holds (in id order), start
    its head, and install the append-only triggers. `op` is alembic's."""
    conn = op.get_bind()
    drop_triggers(conn, table)
    existing = {c["name"] for c in sa.inspect(conn).get_columns(table)}
    for name, type_ in (("content_hash", sa.String(64)), ("row_hash", sa.String(64)),
                        ("personal_hash", sa.String(64)), ("purged_at", sa.DateTime())):  # fmt: skip
        if name not in existing:
            op.add_column(table, sa.Column(name, type_, nullable=True))
    last_id, last_hash = _chain_existing_rows(conn, table, personal)
    conn.execute(ledger_heads.insert().values(chain=table, last_id=last_id, last_hash=last_hash))
    install_triggers(conn, table, personal)


def _chain_existing_rows(conn: Connection, table: str, personal: tuple[str, ...]) -> tuple[int, str]:
    reflected = sa.Table(table, sa.MetaData(), autoload_with=conn)
    chain = Chain(reflected, personal)
    content = [reflected.c[c] for c in chain.content]
    set_hashes = (
        update(reflected)
        .where(reflected.c.id == bindparam("_id"))
        .values(content_hash=bindparam("_content"), row_hash=bindparam("_row"))
    )
    last_id, last_hash = 0, chain.genesis()
    while True:
        rows = conn.execute(select(*content).where(reflected.c.id > last_id).order_by(reflected.c.id).limit(PAGE)).all()
        if not rows:
            return last_id, last_hash
        updates = []
        for row in rows:
            digest = chain.content_hash(row._mapping)
            last_hash = row_hash(last_hash, digest)
            last_id = row.id
            updates.append({"_id": row.id, "_content": digest, "_row": last_hash})
        conn.execute(set_hashes, updates)


def detach(op: Any, table: str) -> None:
    """Undo `attach` (a downgrade): triggers, head and the ledger's columns go."""
    conn = op.get_bind()
    drop_triggers(conn, table)
    conn.execute(ledger_heads.delete().where(ledger_heads.c.chain == table))
    for name in LEDGER_COLUMNS:
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{name}"')

