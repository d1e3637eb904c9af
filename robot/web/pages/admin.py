"""/admin/konton: accounts (administrators): add one, disable one. /admin/atkomstlogg: the access log,
filtered by person, application and dates. Neither shows any applicant's personal data."""

from __future__ import annotations

import math
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from robot.accounts import NotAllowed, Permission, Role
from robot.accounts.roles import ROLE_NAMES
from robot.accounts.service import AccountError, add_account, disable_account, list_accounts, parse_roles
from robot.queue import access_log
from robot.queue.access_log import OUTCOME_NAMES, WHAT_NAMES
from robot.swedish.casework import sentence
from robot.web import forms, sessions
from robot.web.context import Web, web
from robot.web.pages.queue import page_number
from robot.web.sessions import Session

router = APIRouter()
DONE = {"tillagt": "Kontot är tillagt.", "avstangt": "Kontot är avstängt."}


def _accounts_page(
    w: Web, request: Request, session: Session, status: int = 200, error: str | None = None,
    form: dict[str, object] | None = None,
) -> Response:  # fmt: skip
    actor = sessions.allowed(session, Permission.MANAGE_ACCOUNTS)
    return w.page(
        request, "admin_accounts.html", status, accounts=list_accounts(w.engine, actor), roles=list(Role),
        role_names=ROLE_NAMES, error=error, form=form or {}, done=DONE.get(request.query_params.get("klart", "")),
    )  # fmt: skip


@router.get("/admin/konton")
def accounts(
    request: Request, w: Annotated[Web, Depends(web)], session: Annotated[Session, Depends(sessions.signed_in)]
) -> Response:
    return _accounts_page(w, request, session)


@router.post("/admin/konton")
def add(
    request: Request, w: Annotated[Web, Depends(web)], session: Annotated[Session, Depends(sessions.posted)],
    user_id: Annotated[str, Form()] = "", roles: Annotated[list[str] | None, Form()] = None,
    password: Annotated[str, Form()] = "", oidc_subject: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    actor = sessions.allowed(session, Permission.MANAGE_ACCOUNTS)
    form = {"user_id": user_id[:64], "roles": roles or [], "oidc_subject": oidc_subject[:255]}
    try:
        add_account(w.engine, actor, user_id, parse_roles(roles or []), password or None, oidc_subject.strip() or None,
                    w.clock)  # fmt: skip
    except (AccountError, NotAllowed) as exc:
        return _accounts_page(w, request, session, 422, sentence(str(exc)), form)
    return RedirectResponse("/admin/konton?klart=tillagt", status_code=303)


@router.post("/admin/konton/{user_id}/stang-av")
def disable(
    user_id: str, request: Request, w: Annotated[Web, Depends(web)],
    session: Annotated[Session, Depends(sessions.posted)],
) -> Response:  # fmt: skip
    actor = sessions.allowed(session, Permission.MANAGE_ACCOUNTS)
    try:
        disable_account(w.engine, actor, user_id, w.clock)
    except AccountError as exc:
        return _accounts_page(w, request, session, 409, sentence(str(exc)))
    return RedirectResponse("/admin/konton?klart=avstangt", status_code=303)


AUDIT_FIELDS = ("anvandare", "ansokan", "fran", "till")


@router.get("/admin/atkomstlogg")
def audit(
    request: Request, w: Annotated[Web, Depends(web)], session: Annotated[Session, Depends(sessions.signed_in)]
) -> Response:
    sessions.allowed(session, Permission.VIEW_AUDIT)
    q = {name: request.query_params.get(name, "").strip()[:80] for name in AUDIT_FIELDS}
    errors = {}
    since, problem = forms.day(q["fran"])
    if problem:
        errors["fran"] = problem
    until, problem = forms.day(q["till"])
    if problem:
        errors["till"] = problem
    filters = dict(
        user_id=q["anvandare"].lower() or None, application_id=q["ansokan"] or None,
        since=forms.start_of(since) if since else None, until=forms.end_of(until) if until else None,
    )  # fmt: skip
    size = w.settings.web.page_size
    number = page_number(request.query_params.get("sida"))
    total = access_log.count(w.engine, **filters)
    pages = max(1, math.ceil(total / size))
    rows = access_log.entries(w.engine, **filters, limit=size, offset=(number - 1) * size, newest_first=True)
    kept = {k: v for k, v in q.items() if v}
    return w.page(
        request, "audit.html", q=q, errors=errors, rows=rows, total=total, page=number, pages=pages,
        what_names=WHAT_NAMES, outcome_names=OUTCOME_NAMES,
        previous="/admin/atkomstlogg?" + urlencode({**kept, "sida": number - 1}) if number > 1 else None,
        next="/admin/atkomstlogg?" + urlencode({**kept, "sida": number + 1}) if number < pages else None,
    )  # fmt: skip
