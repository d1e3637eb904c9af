"""/manuell/<application_id>: one manual item with everything behind it, and what a handläggare does
with it: take it (`ta`), release it (`slapp`), resolve it (`avsluta`). Every view and every action
is in the access log; only the one who took the item, or a teamledare, may resolve or release it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from robot.accounts import Actor, Permission
from robot.casework import Conflict, Invalid, NotFound
from robot.queue import access_log, cases
from robot.queue.access_log import What
from robot.queue.cases import ManualItem
from robot.queue.states import ManualStatus
from robot.swedish.casework import sentence
from robot.web import actions, casefile, forms, sessions
from robot.web.context import Web, web
from robot.web.security import client_address
from robot.web.sessions import Session

router = APIRouter()
DONE = {
    "tagit": "Du har tagit ärendet.",
    "slappt": "Ärendet är släppt och ligger öppet i kön igen.",
    "avslutat": "Ärendet är avslutat och har lämnat kön.",
    "avvisad": "Rekommendationen är avvisad; ansökan ligger nu i manuella kön.",
}
NOT_FOUND = "Det finns inget ärende i manuella kön för den ansökan."


def _item(w: Web, application_id: str) -> ManualItem:
    item = cases.manual_item(w.engine, application_id=application_id)
    if item is None:
        raise NotFound(NOT_FOUND)
    return item


def render(
    w: Web, request: Request, actor: Actor, item: ManualItem, status: int = 200, error: str | None = None,
    errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    """The item page; viewing it is recorded in the access log."""
    access_log.record_access(w.engine, actor, item.application_id, What.VIEW_ITEM, address=client_address(request),
                             clock=w.clock)  # fmt: skip
    case = casefile.load(w.engine, item.application_id)
    mine = item.status == ManualStatus.CLAIMED and item.assignee == actor.user_id
    override = actor.can(Permission.OVERRIDE)
    return w.page(
        request, "item.html", status, item=item, case=case, reasons=casefile.reason_items(item.reasons, w.titles),
        mine=mine, may_resolve=item.status != ManualStatus.RESOLVED and (mine or override),
        may_release=item.status == ManualStatus.CLAIMED and (mine or override),
        done=DONE.get(request.query_params.get("klart", "")), error=error, errors=errors or {},
        form=form or {}, decisions=forms.DECISIONS,
    )  # fmt: skip


@router.get("/manuell/{application_id}")
def show(
    application_id: str, request: Request, w: Annotated[Web, Depends(web)],
    session: Annotated[Session, Depends(sessions.signed_in)],
) -> Response:  # fmt: skip
    actor = actions.case_worker(w, session.actor, application_id, What.VIEW_ITEM, client_address(request))
    return render(w, request, actor, _item(w, application_id))


def _act(
    w: Web, request: Request, session: Session, application_id: str, what: What,
    action: Callable[[Actor, ManualItem], object], done: str, form: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    """Run an action on the item; on success back to the item (or the queue), else the page says why."""
    actor = actions.case_worker(w, session.actor, application_id, what, client_address(request))
    item = _item(w, application_id)
    try:
        actions.logged(w, actor, application_id, what, client_address(request), lambda: action(actor, item))
    except Invalid as exc:
        errors = getattr(exc, "errors", None) or {exc.field or "": sentence(str(exc))}
        return render(w, request, actor, _item(w, application_id), 422, errors=errors, form=form)
    except Conflict as exc:
        return render(w, request, actor, _item(w, application_id), 409, error=sentence(str(exc)), form=form)
    target = "/manuell" if done == "avslutat" else f"/manuell/{application_id}"
    return RedirectResponse(f"{target}?klart={done}", status_code=303)


@router.post("/manuell/{application_id}/ta")
def take(
    application_id: str, request: Request, w: Annotated[Web, Depends(web)],
    session: Annotated[Session, Depends(sessions.posted)],
) -> Response:  # fmt: skip
    return _act(w, request, session, application_id, What.CLAIM, lambda a, i: actions.claim(w, a, i), "tagit")


@router.post("/manuell/{application_id}/slapp")
def release(
    application_id: str, request: Request, w: Annotated[Web, Depends(web)],
    session: Annotated[Session, Depends(sessions.posted)],
) -> Response:  # fmt: skip
    return _act(w, request, session, application_id, What.RELEASE, lambda a, i: actions.release(w, a, i), "slappt")


@router.post("/manuell/{application_id}/avsluta")
def resolve(
    application_id: str, request: Request, w: Annotated[Web, Depends(web)],
    session: Annotated[Session, Depends(sessions.posted)],
    decision: Annotated[str, Form()] = "", amount: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
    stickprov: Annotated[str, Form()] = "", bekrafta: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    typed = {"decision": decision, "amount": amount[:40], "note": note[:5000], "stickprov": stickprov,
             "bekrafta": bekrafta}  # fmt: skip

    def act(actor: Actor, item: ManualItem) -> ManualItem:
        actions.may_resolve(actor, item)  # who may comes first: someone else's item is 403 whatever the form says
        read = forms.resolution(decision, amount, note, stickprov, item.stickprov, bekrafta)
        if read.errors:
            raise forms.FormErrors(read.errors)
        return actions.resolve(
            w, actor, item, read.decision, read.amount, read.note, read.stickprov_correct, read.confirm_amount
        )

    return _act(w, request, session, application_id, What.RESOLVE, act, "avslutat", typed)
