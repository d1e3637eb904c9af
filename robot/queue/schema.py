"""Tables. All times are stored as UTC (naive in the database, aware in Python).

`verdicts` and `events` are append-only and hash-chained (`ledger.py`): the code never updates or
deletes them, triggers refuse UPDATE, DELETE and TRUNCATE except a purge's blanking of personal
data (`appendonly.py`), and each row carries the ledger's columns (`ledger_columns`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer, "sqlite")


class UtcDateTime(TypeDecorator):
    """Aware datetimes in Python, naive UTC in the database, the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware ones")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect):  # type: ignore[override]
        return None if value is None else value.replace(tzinfo=dt.UTC)


def ledger_columns() -> list[Column]:
    """The columns every hash-chained (append-only) table carries; see `ledger.py`.

    Nullable in the database only so that they could be added to tables that already held rows;
    the ledger always fills the hashes, and `robot db verify` reports a row without them.
    """
    return [
        Column("content_hash", String(64)),
        Column("row_hash", String(64)),
        Column("personal_hash", String(64)),
        Column("purged_at", UtcDateTime),
    ]


applications = Table(
    "applications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("application_id", String(80), nullable=False, unique=True),
    Column("raw", LargeBinary, nullable=False),
    Column("raw_sha256", String(64), nullable=False),
    Column("source", String(255), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("period", String(7)),
    Column("channel", String(16)),
    Column("district", String(100)),
    Column("available_at", UtcDateTime, nullable=False),
    Column("deadline", UtcDateTime, nullable=False),
    Column("cutoff", UtcDateTime, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("waits", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime),
    Column("lease_owner", String(120)),
    Column("lease_expires_at", UtcDateTime),
    Column("fencing_token", BigInteger, nullable=False, default=0),
    Column("last_error", Text),
    Column("updated_at", UtcDateTime, nullable=False),
    # A re-submission whose content differs from the stored application: that application.
    Column("conflict_of", Id, ForeignKey("applications.id")),
    # When the personal data was removed (`robot db purge`): raw, source and last error are blank.
    Column("purged_at", UtcDateTime),
)
Index("ix_applications_claim", applications.c.state, applications.c.deadline, applications.c.submitted_at)
Index("ix_applications_lease", applications.c.state, applications.c.lease_expires_at)
Index("ix_applications_retry", applications.c.state, applications.c.next_attempt_at)
Index("ix_applications_period", applications.c.period)

rulesets = Table(
    "rulesets",
    metadata,
    Column("identifier", String(160), primary_key=True),
    Column("version", String(60), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("files_json", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

verdicts = Table(
    "verdicts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("application_pk", Id, ForeignKey("applications.id"), nullable=False),
    Column("ruleset", String(160), nullable=False),
    Column("ruleset_identifier", String(160), ForeignKey("rulesets.identifier"), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("amount", Integer),
    Column("stickprov", Boolean, nullable=False),
    Column("reason_codes", String(400), nullable=False),
    Column("verdict_json", Text, nullable=False),
    Column("inputs_json", Text, nullable=False),
    Column("worker_id", String(120), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    *ledger_columns(),
    UniqueConstraint("application_pk", "ruleset"),
)

manual_items = Table(
    "manual_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("application_pk", Id, ForeignKey("applications.id"), nullable=False, unique=True),
    Column("verdict_pk", Id, ForeignKey("verdicts.id")),
    Column("reasons_json", Text, nullable=False),
    Column("reason_codes", String(400), nullable=False),
    Column("stickprov", Boolean, nullable=False),
    Column("proposal_amount", Integer),
    Column("deadline", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("assignee", String(120)),
    Column("claimed_at", UtcDateTime),
    Column("resolution", String(16)),
    Column("resolution_amount", Integer),
    Column("resolved_by", String(120)),
    Column("resolved_at", UtcDateTime),
    Column("note", Text),
    Column("stickprov_correct", Boolean),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_manual_items_status", manual_items.c.status, manual_items.c.deadline)

recommendations = Table(
    "recommendations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("application_pk", Id, ForeignKey("applications.id"), nullable=False, unique=True),
    Column("verdict_pk", Id, ForeignKey("verdicts.id"), nullable=False),
    Column("amount", Integer),  # null only once purged (`robot db purge`)
    Column("status", String(16), nullable=False),
    Column("decided_by", String(120)),
    Column("decided_at", UtcDateTime),
    Column("note", Text),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_recommendations_status", recommendations.c.status)

events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("application_pk", Id, ForeignKey("applications.id")),
    Column("kind", String(40), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("from_state", String(16)),
    Column("to_state", String(16)),
    Column("details", Text),
    *ledger_columns(),
)
Index("ix_events_application", events.c.application_pk)

batch_runs = Table(
    "batch_runs",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("trigger", String(20), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("worker_id", String(120), nullable=False),
    Column("processed", Integer),
)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", String(64), nullable=False, unique=True),
    Column("roles", String(120), nullable=False),
    Column("password_hash", String(255)),
    Column("oidc_subject", String(255), unique=True),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(120), nullable=False),
    Column("disabled_at", UtcDateTime),
    Column("disabled_by", String(120)),
)

ledger_heads = Table(
    "ledger_heads",
    metadata,
    Column("chain", String(40), primary_key=True),
    Column("last_id", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
)
"""Per hash chain: the id and row hash of its last row. Locked by every writer to the chain."""
