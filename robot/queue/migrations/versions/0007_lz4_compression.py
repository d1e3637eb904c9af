"""PostgreSQL compresses the large text columns with lz4 instead of pglz (where the server has lz4).

A verdict is about 17 KB of JSON; PostgreSQL compresses every value over about 2 KB when it stores it
(TOAST), and with its default, pglz, that cost the server about 0.33 ms per verdict, against 0.07 ms
with lz4, for the same stored size (docs/benchmarks.md). Only new values are compressed the new way;
stored ones stay readable as they are. SQLite does not compress: nothing to do there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = {
    "verdicts": ("verdict_json", "inputs_json"),
    "decisions": ("body",),
    "applications": ("raw",),
    "rulesets": ("files_json",),
    "manual_items": ("reasons_json",),
    "events": ("details",),
}
"""The columns whose values can pass PostgreSQL's compression threshold."""


def _lz4_available(conn: sa.Connection) -> bool:
    """Whether the server was built with lz4 (PostgreSQL 14 or later, --with-lz4, as Debian's and the official image's are)."""
    if conn.dialect.server_version_info < (14,):
        return False
    enumvals = conn.execute(
        sa.text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    ).scalar()
    return bool(enumvals) and "lz4" in enumvals


def _set(method: str) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql" or not _lz4_available(conn):
        return
    for table, columns in COLUMNS.items():
        for column in columns:
            op.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET COMPRESSION {method}')


def upgrade() -> None:
    _set("lz4")


def downgrade() -> None:
    _set("pglz")
