"""Which adults an assessed application was about (a digest per personnummer), to find a household's
earlier verdicts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "application_persons",
        sa.Column("application_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_pk"], ["applications.id"], name=op.f("fk_application_persons_application_pk")
        ),
        sa.PrimaryKeyConstraint("application_pk", "person_key", name=op.f("pk_application_persons")),
    )
    with op.batch_alter_table("application_persons", schema=None) as batch_op:
        batch_op.create_index("ix_application_persons_person", ["person_key"], unique=False)


def downgrade() -> None:
    op.drop_table("application_persons")
