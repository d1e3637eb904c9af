"""Least privilege on PostgreSQL: the owner role migrates and purges; the runtime role only reads and writes.

`robot db upgrade` connects as the owner (ROBOT_MIGRATION_DATABASE_URL), which creates and owns
the tables and triggers, and then grants the runtime role (the user of ROBOT_DATABASE_URL)
exactly `privileges()`: SELECT and INSERT on the append-only tables, what the queue needs on the
others (UPDATE never on `FIXED_COLUMNS`: roles, amounts, the received document), never DELETE or
TRUNCATE, and no right to create, alter or drop anything. Only an owner can
disable or drop a trigger, so the append-only guard holds against the runtime role.

A new table must be listed here (or be chained in `ledger.py`); `tests/test_security.py` fails until it is.
SQLite has no roles: there the file's permissions (0600) and the hash chain are the protection.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from robot.queue.db import normalize_url
from robot.queue.ledger import CHAINS

RUNTIME_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "applications": ("SELECT", "INSERT", "UPDATE"),
    "rulesets": ("SELECT", "INSERT"),
    "manual_items": ("SELECT", "INSERT", "UPDATE"),
    "recommendations": ("SELECT", "INSERT", "UPDATE"),
    "batch_runs": ("SELECT", "INSERT", "UPDATE"),
    "users": ("SELECT", "INSERT", "UPDATE"),
    "application_persons": ("SELECT", "INSERT"),
    "decision_deliveries": ("SELECT", "INSERT", "UPDATE"),
    "delivery_attempts": ("SELECT", "INSERT"),
    "outbox_leases": ("SELECT", "UPDATE"),
    "web_sessions": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "ledger_heads": ("SELECT", "UPDATE"),
    "alembic_version": ("SELECT",),
}
"""What the runtime role may do per table that is not append-only."""

APPEND_ONLY = ("SELECT", "INSERT")

FIXED_COLUMNS: dict[str, tuple[str, ...]] = {
    "applications": ("application_id", "raw", "raw_sha256", "received_at", "submitted_at", "purged_at"),
    "users": ("user_id", "roles", "oidc_subject", "created_at", "created_by"),
    "recommendations": ("application_pk", "verdict_pk", "amount", "created_at"),
    "manual_items": ("application_pk", "verdict_pk", "proposal_amount", "created_at"),
    "decision_deliveries": ("decision_pk",),
}
"""Columns the runtime role may not UPDATE where it may update the table: what decides money or access
and is written once (issue 22). Its UPDATE is granted on the table's other columns (whatever columns a
later migration adds). Facts it must still update are checked against the records by `facts.py`."""

_SEQUENCES = text(
    "SELECT pg_get_serial_sequence(quote_ident(table_name), column_name) FROM information_schema.columns "
    "WHERE table_schema = 'public' AND table_name = :t AND column_default LIKE 'nextval(%'"
)


def privileges() -> dict[str, tuple[str, ...]]:
    return RUNTIME_PRIVILEGES | {chain.name: APPEND_ONLY for chain in CHAINS}


def role_of(url: str) -> str | None:
    """The role a database URL logs in as (None for SQLite)."""
    parsed = make_url(normalize_url(url))
    return parsed.username if parsed.get_backend_name() == "postgresql" else None


def same_database(a: str, b: str) -> bool:
    x, y = make_url(normalize_url(a)), make_url(normalize_url(b))
    return (x.get_backend_name(), x.host or "", x.port or 5432, x.database) == (
        y.get_backend_name(), y.host or "", y.port or 5432, y.database,
    )  # fmt: skip


class RoleError(Exception):
    """The runtime role cannot be granted what it needs; the message says what to do."""


def grant_runtime(conn: Connection, role: str) -> list[str]:
    """As the owner: take every right from `role`, then give it `privileges()`. Returns warnings."""
    quote = conn.dialect.identifier_preparer.quote
    if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
        raise RoleError(f"the runtime role {role} does not exist; create it first: CREATE ROLE {quote(role)} LOGIN PASSWORD '…'")
    who = quote(role)
    tables = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    warnings = [f"table {t} has no runtime privileges in robot/queue/grants.py: the runtime role cannot use it"
                for t in sorted(tables - set(privileges()))]  # fmt: skip
    conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {who}"))
    conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {who}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {who}"))
    for table, allowed in sorted(privileges().items()):
        if table not in tables:
            continue
        conn.execute(text(f"GRANT {', '.join(_columns_of_update(conn, table, allowed))} ON {quote(table)} TO {who}"))
        if "INSERT" in allowed and table not in {c.name for c in CHAINS}:  # the ledger numbers chained rows itself
            for sequence in conn.execute(_SEQUENCES, {"t": table}).scalars():
                conn.execute(text(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {who}"))
    with conn.begin_nested() as savepoint:
        try:
            conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        except Exception:  # not the schema's owner: say so below
            savepoint.rollback()
    return warnings + runtime_warnings(conn, role)


def _columns_of_update(conn: Connection, table: str, allowed: tuple[str, ...]) -> list[str]:
    """`allowed`, its UPDATE limited to the columns outside FIXED_COLUMNS (PostgreSQL column privileges)."""
    fixed = FIXED_COLUMNS.get(table)
    if not fixed or "UPDATE" not in allowed:
        return list(allowed)
    quote = conn.dialect.identifier_preparer.quote
    columns = conn.execute(
        text("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = :t "
             "ORDER BY ordinal_position"), {"t": table},
    ).scalars().all()  # fmt: skip
    free = ", ".join(quote(c) for c in columns if c not in fixed)
    return [f"UPDATE ({free})" if p == "UPDATE" else p for p in allowed]


def runtime_warnings(conn: Connection, role: str | None = None) -> list[str]:
    """What `role` (default: the connection's) may do beyond `privileges()`: one line per problem."""
    role = role or conn.execute(text("SELECT current_user")).scalar_one()
    found = []
    if conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        found.append(f"role {role} is a superuser: it can disable the append-only triggers and rewrite any record")
    owned = conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = :r ORDER BY tablename"),
        {"r": role},
    ).scalars().all()
    if owned:
        found.append(
            f"role {role} owns {len(owned)} tables ({', '.join(owned[:3])}{', …' if len(owned) > 3 else ''}): it can drop "
            "or disable the append-only triggers; run migrations as another role (ROBOT_MIGRATION_DATABASE_URL, docs/security.md)"
        )
    elif conn.execute(text("SELECT has_schema_privilege(:r, 'public', 'CREATE')"), {"r": role}).scalar():
        found.append(f"role {role} may create tables in schema public: REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    return found


def engine_warnings(engine: Engine) -> list[str]:
    """For the daemon's start: on PostgreSQL, whether it runs with more rights than it needs."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        return runtime_warnings(conn)
