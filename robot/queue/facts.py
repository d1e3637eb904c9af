"""What decides money or access, held against the records it must agree with (`robot db verify`, issue 22).

Some facts live in tables the robot updates (a handläggare resolves an item, an account is disabled),
so the tables cannot be append-only. Each such fact is either out of the runtime role's reach on
PostgreSQL (column grants, `grants.py`), or equal to an append-only, chained record written in the
same transaction, or both; `verify` names every row where they disagree:

    users.roles                       the roles in the account's latest chained event (account_added …)
    users.disabled                    an account_disabled event is final
    recommendations.amount            the amount of its verdict (chained)
    manual_items.resolution(_amount)  the decision record (chained) named by its manual_resolved event
    decision_deliveries 'delivered'   a delivery attempt that delivered it (append-only)
    applications.raw                  its raw_sha256, and that the digest in its enqueued event (chained)

So a change through the runtime role is refused (PostgreSQL) or shows here, and one through the
ledger shows in the event log with its actor. Purged rows (`retention.py`) are left out: their
personal data, amounts included, is gone on both sides.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, not_, select

from robot.queue.db import read
from robot.queue.ledger import Break
from robot.queue.outbox import DELIVERED
from robot.queue.schema import applications as A
from robot.queue.schema import decision_deliveries as DD
from robot.queue.schema import decisions as D
from robot.queue.schema import delivery_attempts as DA
from robot.queue.schema import events as E
from robot.queue.schema import manual_items as M
from robot.queue.schema import recommendations as R
from robot.queue.schema import users as U
from robot.queue.schema import verdicts as V
from robot.queue.states import ManualStatus

RESOLVED = ManualStatus.RESOLVED.value
ACCOUNT_FINAL = {"account_disabled": True, "account_enabled": False}


def verify(engine: Engine) -> list[Break]:
    """Every row whose fact disagrees with its record, in a fixed order (table, then id)."""
    with read(engine) as conn:
        return [
            *_accounts(conn),
            *_recommendations(conn),
            *_resolutions(conn),
            *_deliveries(conn),
            *_applications(conn),
        ]


def _details(conn: Connection, kinds: tuple[str, ...]) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Chained events of `kinds` in order, with their details (purged ones left out)."""
    query = select(E.c.id, E.c.kind, E.c.application_pk, E.c.details).where(E.c.kind.in_(kinds)).order_by(E.c.id)
    for row in conn.execute(query.execution_options(yield_per=1000)):
        if row.details:
            yield row, json.loads(row.details)


def _accounts(conn: Connection) -> list[Break]:
    roles: dict[str, str] = {}
    disabled: dict[str, bool] = {}
    for row, details in _details(conn, ("account_added", "account_roles_set", *ACCOUNT_FINAL)):
        user = details.get("user_id")
        if "roles" in details:
            roles[user] = details["roles"]
        if row.kind in ACCOUNT_FINAL:
            disabled[user] = ACCOUNT_FINAL[row.kind]
    found = []
    for row in conn.execute(select(U.c.id, U.c.user_id, U.c.roles, U.c.disabled).order_by(U.c.id)):
        if row.user_id not in roles:
            found.append(
                Break("users", row.id, f"account {row.user_id} has no event that added it: written outside the robot")
            )
        elif _role_set(row.roles) != _role_set(roles[row.user_id]):
            found.append(Break("users", row.id, f"account {row.user_id}'s roles ({row.roles}) are not those its events "
                                                f"gave it ({roles[row.user_id]}): changed outside the robot"))  # fmt: skip
        elif disabled.get(row.user_id) and not row.disabled:
            found.append(
                Break("users", row.id, f"account {row.user_id} was disabled, and is active again without an event")
            )
    return found


def _role_set(roles: str) -> frozenset[str]:
    return frozenset(r for r in roles.split(",") if r)


def _recommendations(conn: Connection) -> list[Break]:
    query = (
        select(R.c.id, A.c.application_id)
        .join(V, V.c.id == R.c.verdict_pk)
        .join(A, A.c.id == R.c.application_pk)
        .where(V.c.purged_at.is_(None), R.c.amount.is_distinct_from(V.c.amount))
        .order_by(R.c.id)
    )
    return [
        Break("recommendations", row.id, f"the amount of {row.application_id}'s recommendation is not its verdict's: changed outside the robot")
        for row in conn.execute(query)
    ]  # fmt: skip


def _resolutions(conn: Connection) -> list[Break]:
    records: dict[int, str] = {}
    for _, details in _details(conn, ("manual_resolved",)):
        if "item" in details and "record" in details:
            records[details["item"]] = details["record"]
    wanted = set(records.values())
    query = select(D.c.event_id, D.c.decision, D.c.amount, D.c.purged_at)
    decided = {
        row.event_id: row for row in conn.execute(query.execution_options(yield_per=1000)) if row.event_id in wanted
    }
    found = []
    query = (
        select(M.c.id, M.c.resolution, M.c.resolution_amount)
        .join(A, A.c.id == M.c.application_pk)
        .where(M.c.status == RESOLVED, A.c.purged_at.is_(None))  # purged: the event's details are gone too
        .order_by(M.c.id)
    )
    for row in conn.execute(query):
        record = decided.get(records.get(row.id, ""))
        if record is None:
            found.append(
                Break("manual_items", row.id, "resolved without a manual_resolved event and its decision record")
            )
        elif record.purged_at is None and (record.amount != row.resolution_amount or record.decision != row.resolution):
            found.append(Break("manual_items", row.id, f"the resolution ({row.resolution}, amount) is not that of its "
                                                       f"decision record {record.event_id}: changed outside the robot"))  # fmt: skip
    return found


def _deliveries(conn: Connection) -> list[Break]:
    attempt = exists().where(DA.c.decision_pk == DD.c.decision_pk, DA.c.result == DELIVERED)
    query = (
        select(DD.c.decision_pk, D.c.event_id)
        .join(D, D.c.id == DD.c.decision_pk)
        .where(and_(DD.c.status == DELIVERED, not_(attempt)))
        .order_by(DD.c.decision_pk)
    )
    return [
        Break("decision_deliveries", row.decision_pk, f"record {row.event_id} is marked delivered without an attempt that delivered it")
        for row in conn.execute(query)
    ]  # fmt: skip


def _applications(conn: Connection) -> list[Break]:
    digests: dict[int, str] = {}
    for row, details in _details(conn, ("enqueued", "conflict_stored")):
        if "digest" in details and row.application_pk is not None:
            digests[row.application_pk] = details["digest"]
    found = []
    query = select(A.c.id, A.c.application_id, A.c.raw, A.c.raw_sha256).where(A.c.purged_at.is_(None)).order_by(A.c.id)
    for row in conn.execute(query.execution_options(yield_per=500)):
        if hashlib.sha256(row.raw).hexdigest() != row.raw_sha256:
            found.append(
                Break(
                    "applications",
                    row.id,
                    f"{row.application_id}'s document does not match its digest: changed after it was received",
                )
            )
        elif digests.get(row.id, row.raw_sha256) != row.raw_sha256:
            found.append(
                Break(
                    "applications",
                    row.id,
                    f"{row.application_id}'s document and digest are not those received (its enqueued event)",
                )
            )
    return found
