"""The access log: every view of an application's personal data and every action on it, with who,
when, which application, what and through which channel (the CLI or the web). Logins and logouts
are in it too. Append-only: the database refuses UPDATE and DELETE (migration 0004).

The social services' law on personal data expects a municipality to be able to show who looked at
whose data; `robot audit` prints this log. Both channels write it: a list as one row per application
listed (`record_list`), a recommendation shown for approval as a review (`last_review` is what
approving asks, `robot.casework.review`). It holds user ids and application ids, never
personnummer, names or amounts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sqlalchemy import Engine, func, select

from robot.clock import SYSTEM, Clock
from robot.queue import ledger
from robot.queue.db import read
from robot.queue.schema import access_log as L


class What(StrEnum):
    VIEW_ITEM = "view_item"
    """The application's personal data was shown (a manual item, a recommendation, a verdict)."""
    CLAIM = "claim"
    RELEASE = "release"
    RESOLVE = "resolve"
    APPROVE = "approve"
    REJECT = "reject"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    VIEW_LIST = "view_list"
    """The application was shown in a list (its id, month and amount), one entry per application shown."""
    CORRECT = "correct"
    """A decision in force was corrected by a new record (`robot decisions correct`)."""
    FORM = "form"
    """A web form other than a case action (an administrator's), when it is refused."""
    REVIEW = "review"
    """A recommendation's calculation and reasons were shown to the person who may approve it: the
    review that approving requires (`casework.review`)."""


WHAT_NAMES = {
    What.VIEW_ITEM: "visade ansökan",
    What.CLAIM: "tog ärendet",
    What.RELEASE: "släppte ärendet",
    What.RESOLVE: "avslutade ärendet",
    What.APPROVE: "fastställde rekommendationen",
    What.REJECT: "avvisade rekommendationen",
    What.LOGIN: "loggade in",
    What.LOGIN_FAILED: "misslyckad inloggning",
    What.LOGOUT: "loggade ut",
    What.VIEW_LIST: "såg ansökan i en lista",
    What.REVIEW: "granskade rekommendationens beräkning",
    What.FORM: "skickade ett formulär",
    What.CORRECT: "rättade beslutet",
}
"""Swedish for the log's readers (administrators, the data protection officer)."""


class Outcome(StrEnum):
    OK = "ok"
    DENIED = "denied"
    """The person's roles do not allow it (the web answers 403)."""
    REFUSED = "refused"
    """Allowed, but refused as asked: the item was taken by someone else, a field was missing."""


OUTCOME_NAMES = {Outcome.OK: "utfört", Outcome.DENIED: "nekat (behörighet saknas)", Outcome.REFUSED: "avvisat"}


class Who(Protocol):
    """The person acting (an `accounts.Actor`): their user id and the channel they act through."""

    @property
    def user_id(self) -> str: ...

    @property
    def channel(self) -> str: ...


@dataclass(frozen=True)
class Access:
    id: int
    at: dt.datetime
    user_id: str | None
    channel: str
    application_id: str | None
    what: str
    outcome: str
    address: str | None


def record_access(
    engine: Engine,
    who: Who,
    application_id: str | None,
    what: What,
    outcome: Outcome = Outcome.OK,
    address: str | None = None,
    clock: Clock = SYSTEM,
) -> None:
    """Append one entry: `who` did `what` with `application_id` (None for a login or logout)."""
    record(engine, clock.now(), who.user_id, who.channel, what, application_id, outcome, address)


def record_list(
    engine: Engine, who: Who, application_ids: list[str], address: str | None = None, clock: Clock = SYSTEM
) -> None:
    """Append one VIEW_LIST entry per application a list showed (in one transaction)."""
    if not application_ids:
        return
    at = clock.now()
    with engine.begin() as conn:
        ledger.append(conn, L, [{
            "at": at, "user_id": who.user_id, "channel": who.channel, "application_id": application_id,
            "what": What.VIEW_LIST.value, "outcome": Outcome.OK.value, "address": address,
        } for application_id in dict.fromkeys(application_ids)])  # fmt: skip


def last_review(engine: Engine, user_id: str, application_id: str) -> dt.datetime | None:
    """When `user_id` was last shown this application's recommendation for review (None: never)."""
    query = select(func.max(L.c.at)).where(
        L.c.application_id == application_id, L.c.user_id == user_id,
        L.c.what == What.REVIEW.value, L.c.outcome == Outcome.OK.value,
    )  # fmt: skip
    with read(engine) as conn:
        return conn.execute(query).scalar_one()


def record(
    engine: Engine,
    at: dt.datetime,
    user_id: str | None,
    channel: str,
    what: What,
    application_id: str | None = None,
    outcome: Outcome = Outcome.OK,
    address: str | None = None,
) -> None:
    with engine.begin() as conn:
        ledger.append(conn, L, [{
            "at": at, "user_id": user_id, "channel": channel, "application_id": application_id, "what": what.value,
            "outcome": outcome.value, "address": address,
        }])  # fmt: skip


def entries(
    engine: Engine,
    user_id: str | None = None,
    application_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> list[Access]:
    """Entries, oldest first, filtered by person, application and time (`since` ≤ at < `until`)."""
    order = (L.c.at.desc(), L.c.id.desc()) if newest_first else (L.c.at, L.c.id)
    query = select(*(L.c[f.name] for f in dataclasses.fields(Access))).order_by(*order).offset(offset)
    for condition in _filters(user_id, application_id, since, until):
        query = query.where(condition)
    if limit is not None:
        query = query.limit(limit)
    with read(engine) as conn:
        return [Access(**row._mapping) for row in conn.execute(query)]


def count(
    engine: Engine,
    user_id: str | None = None,
    application_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> int:
    query = select(func.count()).select_from(L)
    for condition in _filters(user_id, application_id, since, until):
        query = query.where(condition)
    with read(engine) as conn:
        return conn.execute(query).scalar_one()


def login_failures(engine: Engine, user_id: str | None, address: str | None, since: dt.datetime) -> tuple[int, int]:
    """Failed logins (wrong passwords, not attempts refused while throttled) since `since`: for this
    account, and from this address."""
    failed = (L.c.what == What.LOGIN_FAILED.value) & (L.c.outcome == Outcome.REFUSED.value) & (L.c.at >= since)
    with read(engine) as conn:
        by_user = (
            conn.execute(select(func.count()).where(failed, L.c.user_id == user_id)).scalar_one() if user_id else 0
        )
        by_address = (
            conn.execute(select(func.count()).where(failed, L.c.address == address)).scalar_one() if address else 0
        )
    return by_user, by_address


def _filters(user_id, application_id, since, until) -> list:  # type: ignore[no-untyped-def]
    found = []
    if user_id:
        found.append(L.c.user_id == user_id)
    if application_id:
        found.append(L.c.application_id == application_id)
    if since is not None:
        found.append(L.c.at >= since)
    if until is not None:
        found.append(L.c.at < until)
    return found
