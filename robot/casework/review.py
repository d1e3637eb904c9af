"""Meaningful review (GDPR art. 22; the EDPB guidelines on automated decisions): a recommendation is
approved only by someone who has been shown its calculation and reasons.

Showing a pending recommendation to a handläggare (its web page, `robot recommendations show`, the
CLI's `approve` before it asks) is a review: the access log records it (`What.REVIEW`), on the
server side, with who and when. Approving then needs (1) a review of that recommendation by the same
person in the access log, and (2) the review code of what they saw: a short digest of the
recommendation's number, application, amount and verdict, shown with the calculation. A code that
does not match the recommendation as it is now (another recommendation, a stale page) is refused, so
nobody approves R1 R2 … without having looked at each. (3) The review must be recent: one more than
`casework.review_valid_minutes` (default 480, a working day) before the approval no longer counts, so
a review from last week is not a review of today's decision. The review's time goes into the decision
record (`beslut/1` `reviewed_at`) and the event log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import Engine

from robot.accounts import Actor
from robot.casework.errors import Conflict, may_work
from robot.clock import SYSTEM, Clock
from robot.formats.verdict import Verdict
from robot.queue import access_log
from robot.queue.access_log import What
from robot.queue.cases import Recommendation
from robot.queue.records import application_row, stored_verdict
from robot.queue.states import RecommendationStatus
from robot.swedish.words import duration


@dataclass(frozen=True)
class Review:
    """What one person was shown: the recommendation, the robot's verdict behind it, and its review code."""

    recommendation: Recommendation
    verdict: Verdict | None
    code: str


def review_code(rec: Recommendation, verdict_id: int | None) -> str:
    """Eight hex digits naming this recommendation as it stands (number, application, amount, verdict)."""
    named = f"review/1:{rec.id}:{rec.application_id}:{rec.amount}:{verdict_id}"
    return hashlib.sha256(named.encode()).hexdigest()[:8]


def show_for_review(
    engine: Engine, rec: Recommendation, actor: Actor, *, address: str | None = None, clock: Clock = SYSTEM
) -> Review:
    """`rec` is being shown to `actor` with its calculation: logged as a review while it is pending
    (otherwise as a plain view). Called by whatever shows it, just before it does."""
    may_work(actor)
    verdict_id, verdict = _verdict(engine, rec.application_id)
    what = What.REVIEW if rec.status == RecommendationStatus.PENDING else What.VIEW_ITEM
    access_log.record_access(engine, actor, rec.application_id, what, address=address, clock=clock)
    return Review(rec, verdict, review_code(rec, verdict_id))


def reviewed_at(
    engine: Engine, rec: Recommendation, actor: Actor, code: str | None, *, now: dt.datetime, valid_minutes: int
) -> dt.datetime:
    """When `actor` reviewed `rec` as it stands now; Conflict if they have not, if `code` names something
    else, or if their last review is more than `valid_minutes` before `now` (`casework.review_valid_minutes`)."""
    at = access_log.last_review(engine, actor.user_id, rec.application_id)
    if at is None:
        raise Conflict(
            f"rekommendation {rec.ref} kan fastställas först när du har öppnat den och gått igenom "
            "beräkningen och skälen",
            "reviewed",
        )
    current = review_code(rec, _verdict(engine, rec.application_id)[0])
    given = (code or "").strip().lower()[:40]
    if not given:
        raise Conflict(f"ange granskningskoden som visas med beräkningen för rekommendation {rec.ref}", "reviewed")
    if given != current:
        raise Conflict(
            f"granskningskoden {given} stämmer inte med rekommendation {rec.ref} som den ser ut nu; öppna den "
            "igen och gå igenom beräkningen",
            "reviewed",
        )
    if now - at > dt.timedelta(minutes=valid_minutes):
        raise Conflict(
            f"din granskning av rekommendation {rec.ref} gjordes för mer än {duration(valid_minutes)} sedan; "
            "öppna den igen och gå igenom beräkningen och skälen innan du fastställer den",
            "reviewed",
        )
    return at


def _verdict(engine: Engine, application_id: str) -> tuple[int | None, Verdict | None]:
    row = application_row(engine, application_id)
    stored = stored_verdict(engine, row.id) if row is not None else None
    return (stored.id, stored.verdict) if stored is not None else (None, None)
