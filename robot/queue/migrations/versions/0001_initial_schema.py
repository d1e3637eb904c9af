"""Initial schema: applications, rulesets, verdicts, manual items, recommendations, events, batch runs.

Verdicts and events are append-only: triggers refuse UPDATE and DELETE on both.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 12:33:41.992396
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(length=80), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("district", sa.String(length=100), nullable=True),
        sa.Column("available_at", sa.DateTime(), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("cutoff", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("waits", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(length=120), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.Column("fencing_token", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("application_id", name=op.f("uq_applications_application_id")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index("ix_applications_claim", ["state", "deadline", "submitted_at"], unique=False)
        batch_op.create_index("ix_applications_lease", ["state", "lease_expires_at"], unique=False)
        batch_op.create_index("ix_applications_period", ["period"], unique=False)
        batch_op.create_index("ix_applications_retry", ["state", "next_attempt_at"], unique=False)

    op.create_table(
        "batch_runs",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("worker_id", sa.String(length=120), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_batch_runs")),
    )
    op.create_table(
        "rulesets",
        sa.Column("identifier", sa.String(length=160), nullable=False),
        sa.Column("version", sa.String(length=60), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("files_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("identifier", name=op.f("pk_rulesets")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("application_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["application_pk"], ["applications.id"], name=op.f("fk_events_application_pk")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_application", ["application_pk"], unique=False)

    op.create_table(
        "verdicts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("application_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ruleset", sa.String(length=160), nullable=False),
        sa.Column("ruleset_identifier", sa.String(length=160), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("stickprov", sa.Boolean(), nullable=False),
        sa.Column("reason_codes", sa.String(length=400), nullable=False),
        sa.Column("verdict_json", sa.Text(), nullable=False),
        sa.Column("inputs_json", sa.Text(), nullable=False),
        sa.Column("worker_id", sa.String(length=120), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["application_pk"], ["applications.id"], name=op.f("fk_verdicts_application_pk")),
        sa.ForeignKeyConstraint(
            ["ruleset_identifier"], ["rulesets.identifier"], name=op.f("fk_verdicts_ruleset_identifier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verdicts")),
        sa.UniqueConstraint("application_pk", "ruleset", name=op.f("uq_verdicts_application_pk_ruleset")),
    )
    op.create_table(
        "manual_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("application_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("verdict_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("reasons_json", sa.Text(), nullable=False),
        sa.Column("reason_codes", sa.String(length=400), nullable=False),
        sa.Column("stickprov", sa.Boolean(), nullable=False),
        sa.Column("proposal_amount", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assignee", sa.String(length=120), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolution_amount", sa.Integer(), nullable=True),
        sa.Column("resolved_by", sa.String(length=120), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("stickprov_correct", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["application_pk"], ["applications.id"], name=op.f("fk_manual_items_application_pk")),
        sa.ForeignKeyConstraint(["verdict_pk"], ["verdicts.id"], name=op.f("fk_manual_items_verdict_pk")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_items")),
        sa.UniqueConstraint("application_pk", name=op.f("uq_manual_items_application_pk")),
    )
    with op.batch_alter_table("manual_items", schema=None) as batch_op:
        batch_op.create_index("ix_manual_items_status", ["status", "deadline"], unique=False)

    op.create_table(
        "recommendations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("application_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("verdict_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_pk"], ["applications.id"], name=op.f("fk_recommendations_application_pk")
        ),
        sa.ForeignKeyConstraint(["verdict_pk"], ["verdicts.id"], name=op.f("fk_recommendations_verdict_pk")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendations")),
        sa.UniqueConstraint("application_pk", name=op.f("uq_recommendations_application_pk")),
    )
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.create_index("ix_recommendations_status", ["status"], unique=False)
    _append_only_triggers()


APPEND_ONLY = ("verdicts", "events")


def _append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION robot_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
            END $$
            """
        )
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
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS robot_refuse_change()")
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendations_status")

    op.drop_table("recommendations")
    with op.batch_alter_table("manual_items", schema=None) as batch_op:
        batch_op.drop_index("ix_manual_items_status")

    op.drop_table("manual_items")
    op.drop_table("verdicts")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_application")

    op.drop_table("events")
    op.drop_table("rulesets")
    op.drop_table("batch_runs")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_retry")
        batch_op.drop_index("ix_applications_period")
        batch_op.drop_index("ix_applications_lease")
        batch_op.drop_index("ix_applications_claim")

    op.drop_table("applications")
