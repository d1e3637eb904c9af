"""Logging in with a local password, logging out, and refusing password guessing.

Every login, failed login and logout is in the access log with the client's address. Failed logins
are counted over `web.login_window_minutes`, per (name, address) pair (`web.login_failures_per_user`,
robot/web/throttle.py) and per address (`web.login_failures_per_address`, from the access log); at a
limit, login from that address is refused (429) until the oldest failures age out. Never per account
alone: a guesser elsewhere cannot lock a handläggare out. An unknown name and an existing one get the
same answers at the same counts (no enumeration), and both take as long (the password check runs
either way).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from robot.accounts import Permission
from robot.accounts.service import AccountError, authenticate, normalize_user_id
from robot.queue import access_log, users
from robot.queue.access_log import Outcome, What
from robot.web import sessions
from robot.web.context import Web, web
from robot.web.security import client_address, local_path, same
from robot.web.sessions import Session

router = APIRouter()
LOGIN_COOKIE = "robot_login"
"""A random value in a cookie and in the login form (double submit): the login form's CSRF token."""

MESSAGES = {
    "utloggad": "Du är utloggad.",
    "utgangen": "Sessionen har gått ut. Logga in igen.",
}


def home_for(session: Session) -> str:
    """The first page a person's roles let them use."""
    actor = session.actor
    if actor.can(Permission.WORK_CASES):
        return "/manuell"
    if actor.can(Permission.VIEW_REPORTS):
        return "/rapport"
    if actor.can(Permission.MANAGE_ACCOUNTS):
        return "/admin/konton"
    return "/drift"


@router.get("/")
def root(session: Annotated[Session, Depends(sessions.signed_in)]) -> Response:
    return RedirectResponse(home_for(session), status_code=303)


def _login_page(w: Web, request: Request, status: int = 200, error: str | None = None, user_id: str = "") -> Response:
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    message = MESSAGES.get(request.query_params.get("meddelande", ""))
    response = w.page(
        request, "login.html", status, login_token=token, error=error, user_id=user_id, message=message,
        next=local_path(request.query_params.get("nasta"), ""), oidc=w.oidc,
    )  # fmt: skip
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                        secure=w.settings.web.secure_cookies, path="/login")  # fmt: skip
    return response


@router.get("/login")
def login_form(
    request: Request, w: Annotated[Web, Depends(web)], session: Annotated[Session | None, Depends(sessions.current)]
) -> Response:
    if session is not None:
        return RedirectResponse(home_for(session), status_code=303)
    return _login_page(w, request)


@router.post("/login")
def login(
    request: Request,
    w: Annotated[Web, Depends(web)],
    user_id: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
    next: Annotated[str, Form()] = "",
) -> Response:
    if not same(request.cookies.get(LOGIN_COOKIE), csrf_token):
        raise sessions.Forbidden("Inloggningsformuläret saknar en giltig säkerhetskod. Ladda om sidan och försök igen.")
    address = client_address(request)
    account = _existing_account(w, user_id)
    wait = _throttled(w, user_id, address)
    if wait is not None:
        access_log.record(w.engine, w.clock.now(), account, "web", What.LOGIN_FAILED, None, Outcome.DENIED, address)
        minutes = max(1, int(wait.total_seconds() // 60) + 1)
        error = f"För många misslyckade inloggningar. Försök igen om {minutes} minuter."
        return _login_page(w, request, 429, error, user_id[:64])
    actor = authenticate(w.engine, user_id, password, w.clock) if user_id and password else None
    if actor is None:
        access_log.record(w.engine, w.clock.now(), account, "web", What.LOGIN_FAILED, None, Outcome.REFUSED, address)
        w.login_throttle.failed(user_id, address, w.clock.now())
        return _login_page(w, request, 401, "Fel användarnamn eller lösenord.", user_id[:64])
    response = RedirectResponse(local_path(next) if next else "/", status_code=303)
    sessions.start(w, response, actor.user_id, "password")
    access_log.record(w.engine, w.clock.now(), actor.user_id, "web", What.LOGIN, None, Outcome.OK, address)
    response.delete_cookie(LOGIN_COOKIE, path="/login", secure=w.settings.web.secure_cookies, httponly=True,
                           samesite="strict")  # fmt: skip
    return response


@router.post("/logout")
def logout(
    request: Request, w: Annotated[Web, Depends(web)], session: Annotated[Session, Depends(sessions.posted)]
) -> Response:
    response = RedirectResponse("/login?meddelande=utloggad", status_code=303)
    sessions.end(w, request, response)
    access_log.record_access(w.engine, session.actor, None, What.LOGOUT, address=client_address(request), clock=w.clock)
    return response


def _existing_account(w: Web, user_id: str) -> str | None:
    """The user id of the account a login names, if there is one (what a failed login is counted against)."""
    try:
        normalized = normalize_user_id(user_id)
    except AccountError:
        return None
    return normalized if users.account(w.engine, normalized) is not None else None


def _throttled(w: Web, name: str, address: str | None) -> dt.timedelta | None:
    """How long until a login with this name from this address may be tried again, or None if now."""
    settings = w.settings.web
    now = w.clock.now()
    window = dt.timedelta(minutes=settings.login_window_minutes)
    by_pair = w.login_throttle.failures(name, address, now - window)
    _, by_address = access_log.login_failures(w.engine, None, address, now - window)
    if by_pair < settings.login_failures_per_user and by_address < settings.login_failures_per_address:
        return None
    return window
