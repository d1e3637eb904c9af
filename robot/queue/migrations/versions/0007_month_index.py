"""A month's applications in application_id order from one index (the monthly report's pages).

The report reads a month a page at a time (`application_id > last ORDER BY application_id`). With an
index on the period alone the plan depended on fresh statistics: right after a national batch, before
autovacuum had analysed the table, PostgreSQL sorted the whole month again for every page. An index on
(period, application_id) answers each page as one range scan, whatever the statistics say.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 07:15:00
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index("ix_applications_month", ["period", "application_id"], unique=False)
        batch_op.drop_index("ix_applications_period")


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index("ix_applications_period", ["period"], unique=False)
        batch_op.drop_index("ix_applications_month")
