"""/rekommendationer: the robot's recommendations (bifall with an amount) waiting for a handläggare,
earliest deadline first (each application listed is in the access log as seen in a list).
/rekommendationer/<application_id> shows what lies behind one, and only from there can it be approved
(fastställa): showing it is logged as a review, and the approval carries the review code it was shown
with (`casework.review`). Rejecting needs a motivering and sends the application to the manual queue."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from robot.accounts import Actor
from robot.casework import Conflict, Invalid, NotFound, Recommendation, show_for_review
from robot.queue import access_log, cases
from robot.queue.access_log import What
from robot.queue.states import RecommendationStatus
from robot.queue.worklist import recommendation_page
from robot.swedish.casework import sentence
from robot.web import actions, casefile, forms, sessions
from robot.web.context import Web, web
from robot.web.pages.queue import page_number
from robot.web.security import client_address
from robot.web.sessions import Session

router = APIRouter()
DONE = {"faststalld": "Rekommendationen är fastställd: bifall med det rekommenderade beloppet."}


def _recommendation(w: Web, application_id: str) -> Recommendation:
    rec = cases.recommendation(w.engine, application_id=application_id)
    if rec is None:
        raise NotFound("Det finns ingen rekommendation för den ansökan.")
    return rec


@router.get("/rekommendationer")
def listing(
    request: Request, w: Annotated[Web, Depends(web)], session: Annotated[Session, Depends(sessions.signed_in)]
) -> Response:
    actor = actions.case_worker(w, session.actor, None, What.VIEW_LIST, client_address(request))
    size = w.settings.web.page_size
    number = page_number(request.query_params.get("sida"))
    rows, total = recommendation_page(w.engine, RecommendationStatus.PENDING, (number - 1) * size, size)
    access_log.record_list(w.engine, actor, [r.application_id for r in rows], client_address(request), w.clock)
    pages = max(1, math.ceil(total / size))
    return w.page(
        request, "recommendations.html", rows=rows, total=total, page=number, pages=pages,
        previous=f"/rekommendationer?sida={number - 1}" if number > 1 else None,
        next=f"/rekommendationer?sida={number + 1}" if number < pages else None,
        done=DONE.get(request.query_params.get("klart", "")), error=None,
    )  # fmt: skip


def _render(
    w: Web, request: Request, actor: Actor, rec: Recommendation, status: int = 200, error: str | None = None,
    note_error: str | None = None, note: str = "",
) -> Response:  # fmt: skip
    review = show_for_review(w.engine, rec, actor, address=client_address(request), clock=w.clock)
    case = casefile.load(w.engine, rec.application_id)
    return w.page(
        request, "recommendation.html", status, rec=rec, case=case, error=error, note_error=note_error, note=note,
        done=DONE.get(request.query_params.get("klart", "")), review_code=review.code,
    )  # fmt: skip


@router.get("/rekommendationer/{application_id}")
def show(
    application_id: str, request: Request, w: Annotated[Web, Depends(web)],
    session: Annotated[Session, Depends(sessions.signed_in)],
) -> Response:  # fmt: skip
    actor = actions.case_worker(w, session.actor, application_id, What.VIEW_ITEM, client_address(request))
    return _render(w, request, actor, _recommendation(w, application_id))


def _decide(
    w: Web, request: Request, session: Session, application_id: str, what: What,
    action: Callable[[Actor, Recommendation], object], done: str, note: str,
) -> Response:  # fmt: skip
    """Approve or reject; on success to `done`, else the recommendation's page says why."""
    address = client_address(request)
    actor = actions.case_worker(w, session.actor, application_id, what, address)
    rec = _recommendation(w, application_id)
    try:
        actions.logged(w, actor, application_id, what, address, lambda: action(actor, rec))
    except Invalid as exc:
        return _render(w, request, actor, rec, 422, note_error=sentence(str(exc)), note=note[:5000])
    except Conflict as exc:
        return _render(w, request, actor, _recommendation(w, application_id), 409, error=sentence(str(exc)))
    return RedirectResponse(done, status_code=303)


@router.post("/rekommendationer/{application_id}/faststall")
def approve(
    application_id: str, request: Request, w: Annotated[Web, Depends(web)],
    session: Annotated[Session, Depends(sessions.posted)], note: Annotated[str, Form()] = "",
    granskat: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    note = forms.plain(note)
    return _decide(w, request, session, application_id, What.APPROVE,
                   lambda actor, rec: actions.approve(w, actor, rec, granskat or None, note or None),
                   "/rekommendationer?klart=faststalld", note)  # fmt: skip


@router.post("/rekommendationer/{application_id}/avvisa")
def reject(
    application_id: str, request: Request, w: Annotated[Web, Depends(web)],
    session: Annotated[Session, Depends(sessions.posted)], note: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    note = forms.plain(note)
    return _decide(w, request, session, application_id, What.REJECT,
                   lambda actor, rec: actions.reject(w, actor, rec, note or None),
                   f"/manuell/{application_id}?klart=avvisad", note)  # fmt: skip
