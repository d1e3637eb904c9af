"""Security: hash chains on the append-only tables, purge-aware triggers, conflicts and purges.

- `ledger_heads`, and the ledger's columns on every chained table, its existing rows chained in id
  order (robot/queue/ledger.py); the append-only triggers now also refuse TRUNCATE (PostgreSQL)
  and let a purge blank personal columns, nothing else (robot/queue/appendonly.py).
- `applications.conflict_of` (a re-submission with other content, kept as its own application)
  and `applications.purged_at`; `recommendations.amount` may be null once purged.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

from robot.queue.appendonly import attach, detach, drop_triggers, guard_heads

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CHAINED = {
    "verdicts": ("amount", "verdict_json", "inputs_json"),
    "decisions": ("amount", "body"),
    "access_log": ("address",),
    "events": ("details",),
}
"""Table → its personal columns, as in robot/queue/ledger.py CHAINS."""


def upgrade() -> None:
    op.create_table(
        "ledger_heads",
        sa.Column("chain", sa.String(length=40), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_ledger_heads")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.add_column(
            "applications",
            sa.Column(
                "conflict_of",
                sa.BigInteger(),
                sa.ForeignKey("applications.id", name=op.f("fk_applications_conflict_of")),
                nullable=True,
            ),
        )
        op.alter_column("recommendations", "amount", existing_type=sa.Integer(), nullable=True)
    else:
        # SQLite adds a column with its foreign key in place; changing a column rebuilds the table.
        op.execute(
            "ALTER TABLE applications ADD COLUMN conflict_of INTEGER "
            "CONSTRAINT fk_applications_conflict_of REFERENCES applications (id)"
        )
        with op.batch_alter_table("recommendations") as batch:
            batch.alter_column("amount", existing_type=sa.Integer(), nullable=True)
    op.add_column("applications", sa.Column("purged_at", sa.DateTime(), nullable=True))
    for table, personal in CHAINED.items():
        attach(op, table, personal)
    guard_heads(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    drop_triggers(bind, "ledger_heads")
    for table in CHAINED:
        detach(op, table)
    if bind.dialect.name == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION robot_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
            END $$
            """
        )
        for table in ("verdicts", "events"):
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION robot_refuse_change()"
            )
        op.execute("DROP FUNCTION IF EXISTS robot_append_only()")
        op.execute("DROP FUNCTION IF EXISTS robot_ledger_head()")
    else:
        for table in ("verdicts", "events"):
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
                )
    if bind.dialect.name == "postgresql":
        op.alter_column("recommendations", "amount", existing_type=sa.Integer(), nullable=False)
    else:
        with op.batch_alter_table("recommendations") as batch:
            batch.alter_column("amount", existing_type=sa.Integer(), nullable=False)
    op.execute('ALTER TABLE applications DROP COLUMN "purged_at"')
    if bind.dialect.name == "postgresql":
        op.drop_constraint(op.f("fk_applications_conflict_of"), "applications", type_="foreignkey")
    op.execute('ALTER TABLE applications DROP COLUMN "conflict_of"')
    op.drop_table("ledger_heads")
