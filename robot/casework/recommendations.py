"""The robot's recommendations: list, look up, approve (fastställa) or reject.

Approving is bifall with the recommended amount. Rejecting needs a motivering and sends the
application to the manual-handling queue with reason REKOMMENDATION_AVVISAD, the robot's amount
kept as its proposal.
"""

from __future__ import annotations

from sqlalchemy import Engine

from robot.casework.errors import Conflict, Invalid, NotFound, choice, reference, require_actor, require_limit
from robot.casework.manual import MAX_NOTE, find_manual
from robot.clock import SYSTEM, Clock
from robot.formats.reasons import Code
from robot.formats.verdict import Reason
from robot.queue import cases
from robot.queue.cases import ManualItem, Recommendation
from robot.queue.states import RecommendationStatus
from robot.swedish.numbers import kr

STATUS_WORDS = {
    RecommendationStatus.PENDING: "väntar på beslut",
    RecommendationStatus.APPROVED: "fastställd",
    RecommendationStatus.REJECTED: "avvisad",
}


def list_recommendations(engine: Engine, status: str | None = "pending", limit: int = 100) -> list[Recommendation]:
    """Recommendations with `status` (pending, approved or rejected; None: all), oldest first."""
    return cases.recommendations(engine, choice(RecommendationStatus, status), require_limit(limit))


def find_recommendation(engine: Engine, ref: str | int) -> Recommendation:
    """A recommendation by its number or by the application id."""
    rec = cases.recommendation(engine, **reference(ref))
    if rec is None:
        raise NotFound(f"ingen rekommendation för {ref}")
    return rec


def approve_recommendation(
    engine: Engine, ref: str | int, actor: str | None, note: str | None = None, clock: Clock = SYSTEM
) -> Recommendation:
    """The handläggare fastställer the recommendation: bifall with the recommended amount."""
    actor = require_actor(actor)
    note = _note(note)
    rec = find_recommendation(engine, ref)
    if not cases.approve_recommendation(engine, rec.id, actor, note, clock.now()):
        raise _decided(find_recommendation(engine, rec.id))
    return find_recommendation(engine, rec.id)


def reject_recommendation(
    engine: Engine, ref: str | int, actor: str | None, note: str | None, clock: Clock = SYSTEM
) -> ManualItem:
    """The handläggare does not follow the recommendation: the application goes to manual handling."""
    actor = require_actor(actor)
    note = _note(note)
    if note is None:
        raise Invalid("ange varför rekommendationen avvisas", "note")
    rec = find_recommendation(engine, ref)
    reason = Reason(
        code=Code.REKOMMENDATION_AVVISAD,
        text=f"Handläggaren avvisade robotens rekommendation om bifall med {kr(rec.amount)}: {note}",
    )
    if not cases.reject_recommendation(engine, rec.id, actor, note, reason, clock.now()):
        raise _decided(find_recommendation(engine, rec.id))
    return find_manual(engine, rec.application_id)


def _decided(rec: Recommendation) -> Conflict:
    status = RecommendationStatus(rec.status)
    if status is RecommendationStatus.PENDING:  # its application changed state meanwhile
        return Conflict(f"rekommendation {rec.id} kan inte avvisas just nu; försök igen")
    return Conflict(f"rekommendation {rec.id} är redan {STATUS_WORDS[status]} av {rec.decided_by}")


def _note(note: str | None) -> str | None:
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise Invalid(f"motiveringen får vara högst {MAX_NOTE} tecken", "note")
    return note
