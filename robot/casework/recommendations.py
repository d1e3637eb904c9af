"""The robot's recommendations: list, look up, approve (fastställa) or reject.

Approving is bifall with the recommended amount. Rejecting needs a motivering and sends the
application to the manual-handling queue with reason REKOMMENDATION_AVVISAD, the robot's amount
kept as its proposal.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy import Engine

from robot.accounts import Actor
from robot.casework.errors import Conflict, Invalid, NotFound, choice, find_by_reference, may_work, require_limit
from robot.casework.manual import clean_note, find_manual
from robot.casework.records import approval_motivering, grounds, new_record
from robot.casework.review import reviewed_at
from robot.clock import SYSTEM, Clock
from robot.config import Settings, load_settings
from robot.formats.reasons import Code
from robot.formats.verdict import Reason
from robot.queue import cases
from robot.queue.cases import ManualItem, Page, Recommendation
from robot.queue.states import RecommendationStatus
from robot.swedish.casework import RECOMMENDATION_STATUS as STATUS_WORDS
from robot.swedish.numbers import kr


def list_recommendations(engine: Engine, status: str | None = "pending", limit: int = 100) -> Page[Recommendation]:
    """Recommendations with `status` (pending, approved or rejected; None: all), oldest first."""
    return cases.recommendations(engine, choice(RecommendationStatus, status), require_limit(limit))


def find_recommendation(engine: Engine, ref: str | int) -> Recommendation:
    """A recommendation by its number (R12, or 12 as an int) or by the application id."""
    rec = find_by_reference(ref, "R", partial(cases.recommendation, engine))
    if rec is None:
        raise NotFound(f"ingen rekommendation för {ref}")
    return rec


def approve_recommendation(
    engine: Engine,
    ref: str | int,
    actor: Actor,
    *,
    reviewed: str | None,
    note: str | None = None,
    settings: Settings | None = None,
    clock: Clock = SYSTEM,
) -> Recommendation:
    """The handläggare fastställer the recommendation: bifall with the recommended amount.

    Only after they were shown its calculation and reasons (`review.show_for_review`), recently
    (`casework.review_valid_minutes`); `reviewed` is the review code they were shown with it (`review.py`),
    else Conflict.
    """
    may_work(actor)
    settings = settings or load_settings()
    note = clean_note(note)
    rec = find_recommendation(engine, ref)
    now = clock.now()
    if rec.status == RecommendationStatus.PENDING:  # a decided one is refused below, saying by whom
        seen = reviewed_at(engine, rec, actor, reviewed, now=now, valid_minutes=settings.casework.review_valid_minutes)
    else:
        seen = None
    g = grounds(engine, rec.application_id)
    new = new_record(
        g, decision="bifall", amount=rec.amount, actor=actor, at=now, basis="robotens_forslag",
        motivering=approval_motivering(g.verdict, g.period, note), lagrum=settings.output.lagrum, reviewed_at=seen,
    )  # fmt: skip
    details = {"via": actor.channel} | ({"reviewed_at": seen.isoformat()} if seen else {})
    if not cases.approve_recommendation(engine, rec.id, actor.user_id, note, new, now, **details):
        raise _decided(find_recommendation(engine, rec.id), "fastställas")
    return find_recommendation(engine, rec.id)


def reject_recommendation(
    engine: Engine,
    ref: str | int,
    actor: Actor,
    *,
    note: str | None,
    settings: Settings | None = None,
    clock: Clock = SYSTEM,
) -> ManualItem:
    """The handläggare does not follow the recommendation: the application goes to manual handling."""
    may_work(actor)
    settings = settings or load_settings()
    note = clean_note(note)
    if note is None:
        raise Invalid("ange varför rekommendationen avvisas", "note")
    rec = find_recommendation(engine, ref)
    now = clock.now()
    new = new_record(
        grounds(engine, rec.application_id), decision="overlamnad", amount=None, actor=actor, at=now,
        basis="manuell_handlaggning", motivering=note, lagrum=settings.output.lagrum,
    )  # fmt: skip
    reason = Reason(
        code=Code.REKOMMENDATION_AVVISAD,
        text=f"Handläggaren avvisade robotens rekommendation om bifall med {kr(rec.amount)}: {note}",
    )
    if not cases.reject_recommendation(engine, rec.id, actor.user_id, note, reason, new, now, via=actor.channel):
        raise _decided(find_recommendation(engine, rec.id), "avvisas")
    return find_manual(engine, rec.application_id)


def _decided(rec: Recommendation, action: str) -> Conflict:
    status = RecommendationStatus(rec.status)
    if status is RecommendationStatus.PENDING:  # its application changed state meanwhile
        return Conflict(f"rekommendation {rec.ref} kan inte {action} just nu; försök igen")
    return Conflict(f"rekommendation {rec.ref} är redan {STATUS_WORDS[status]} av {rec.decided_by}")
