"""The outbox: `beslut/1` decision records (append-only), their delivery state and attempts, the deliverer's lease.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = ("decisions", "delivery_attempts")


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("application_pk", ID, nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("basis", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("supersedes", sa.String(length=36), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["application_pk"], ["applications.id"], name=op.f("fk_decisions_application_pk")),
        sa.ForeignKeyConstraint(["supersedes"], ["decisions.event_id"], name=op.f("fk_decisions_supersedes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("event_id", name=op.f("uq_decisions_event_id")),
        sa.UniqueConstraint("supersedes", name=op.f("uq_decisions_supersedes")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index("ix_decisions_application", ["application_pk"], unique=False)

    op.create_table(
        "decision_deliveries",
        sa.Column("decision_pk", ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=400), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("target", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["decision_pk"], ["decisions.id"], name=op.f("fk_decision_deliveries_decision_pk")),
        sa.PrimaryKeyConstraint("decision_pk", name=op.f("pk_decision_deliveries")),
    )
    with op.batch_alter_table("decision_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_decision_deliveries_status", ["status", "decision_pk"], unique=False)

    op.create_table(
        "delivery_attempts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("decision_pk", ID, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=400), nullable=True),
        sa.Column("deliverer", sa.String(length=120), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["decision_pk"], ["decisions.id"], name=op.f("fk_delivery_attempts_decision_pk")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_attempts_decision", ["decision_pk"], unique=False)

    leases = op.create_table(
        "outbox_leases",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=True),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_outbox_leases")),
    )
    op.bulk_insert(leases, [{"name": "decisions", "owner": None, "token": 0, "expires_at": None}])
    _append_only_triggers()


def _append_only_triggers() -> None:
    """As for verdicts and events (0001, which also created robot_refuse_change() on PostgreSQL)."""
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION robot_refuse_change()"
            )
    else:
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
                )


def downgrade() -> None:
    for table in APPEND_ONLY:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    op.drop_table("outbox_leases")
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_attempts_decision")
    op.drop_table("delivery_attempts")
    with op.batch_alter_table("decision_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_deliveries_status")
    op.drop_table("decision_deliveries")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_application")
    op.drop_table("decisions")
