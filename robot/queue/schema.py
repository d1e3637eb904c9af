"""Tables. All times are stored as UTC (naive in the database, aware in Python).

`verdicts`, `events`, `decisions` (the `beslut/1` records) and `access_log` are append-only and
hash-chained (`ledger.py`): the code never updates or deletes them, triggers refuse UPDATE, DELETE and
TRUNCATE except a purge's blanking of personal data (`appendonly.py`), and each row carries the
ledger's columns (`ledger_columns`). `delivery_attempts` is append-only too.
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

    def bind_processor(self, dialect):  # type: ignore[no-untyped-def]
        """SQLAlchemy's processor (this type's conversion, then the dialect's: on SQLite a string), remembering
        what it made of the last UTC time: a batch's rows repeat a few in a row (its `now`, a period's deadlines),
        and converting them again was most of a row's parameter processing (intake: a third of its insert)."""
        convert = super().bind_processor(dialect)
        last: list[tuple[dt.datetime | None, object]] = [(None, None)]

        def process(value):  # type: ignore[no-untyped-def]
            # Only exact datetimes in UTC itself: equal ones are then the same instant and convert alike.
            if type(value) is not dt.datetime or value.tzinfo is not dt.UTC:
                return convert(value)
            seen, made = last[0]
            if value != seen:
                made = convert(value)
                last[0] = (value, made)
            return made

        return process


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

access_log = Table(
    "access_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("user_id", String(120)),
    Column("channel", String(8), nullable=False),
    Column("application_id", String(80)),
    Column("what", String(40), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("address", String(64)),
    *ledger_columns(),
)
Index("ix_access_log_at", access_log.c.at)
Index("ix_access_log_user", access_log.c.user_id, access_log.c.at)
Index("ix_access_log_application", access_log.c.application_id, access_log.c.at)
Index("ix_access_log_address", access_log.c.address, access_log.c.what, access_log.c.at)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("method", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)
Index("ix_web_sessions_user", web_sessions.c.user_id)



decisions = Table(
    "decisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("application_pk", Id, ForeignKey("applications.id"), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("basis", String(32), nullable=False),
    Column("amount", Integer),
    Column("decided_by", String(120), nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    Column("supersedes", String(36), ForeignKey("decisions.event_id"), unique=True),
    Column("body", Text, nullable=False),
    *ledger_columns(),
)
"""The `beslut/1` records (the outbox), in the order they were written; `body` is what is delivered."""
Index("ix_decisions_application", decisions.c.application_pk)

decision_deliveries = Table(
    "decision_deliveries",
    metadata,
    Column("decision_pk", Id, ForeignKey("decisions.id"), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("last_error", String(400)),
    Column("delivered_at", UtcDateTime),
    Column("target", String(255)),
)
"""Where each record stands: pending or delivered (written with the record, in the same transaction)."""
Index("ix_decision_deliveries_status", decision_deliveries.c.status, decision_deliveries.c.decision_pk)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("decision_pk", Id, ForeignKey("decisions.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("target", String(255), nullable=False),
    Column("result", String(16), nullable=False),
    Column("detail", String(400)),
    Column("deliverer", String(120), nullable=False),
    Column("duration_ms", Integer, nullable=False),
)
Index("ix_delivery_attempts_decision", delivery_attempts.c.decision_pk)

application_persons = Table(
    "application_persons",
    metadata,
    Column("application_pk", Id, ForeignKey("applications.id"), primary_key=True),
    Column("person_key", String(64), primary_key=True),
)
"""Which adults an assessed application was about, by a digest of each personnummer: how the robot finds
its own earlier verdicts for a household (a child's work income so far this year). The digest is an
index, not a secret (personnummer are few enough to guess from it); it is personal data like the raw
application beside it, written with the first verdict and removed with the case by a purge."""
Index("ix_application_persons_person", application_persons.c.person_key)

outbox_leases = Table(
    "outbox_leases",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("owner", String(120)),
    Column("token", BigInteger, nullable=False),
    Column("expires_at", UtcDateTime),
)
"""One deliverer at a time: the holder of the lease named `decisions` sends; the token fences it."""

APPEND_ONLY_TABLES = ("verdicts", "events", "decisions", "delivery_attempts", "access_log")
ledger_heads = Table(
    "ledger_heads",
    metadata,
    Column("chain", String(40), primary_key=True),
    Column("last_id", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
)
"""Per hash chain: the id and row hash of its last row. Locked by every writer to the chain."""
