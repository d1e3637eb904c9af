"""Signed-in sessions: a random token in an HttpOnly cookie, its hash and CSRF token in the database.

A session ends at logout, after `web.idle_minutes` without a request, `web.session_hours` after
login, or when its account is disabled. The account's roles are read on every request, so a role
taken away takes effect at once. FastAPI dependencies here give a page the signed-in person
(`signed_in`) and check every form post's `csrf_token` (`posted`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, Request
from starlette.responses import Response

from robot.accounts import Actor, NotAllowed, Permission, UnknownAccount
from robot.accounts.service import actor_for
from robot.queue import access_log, web_sessions
from robot.queue.access_log import Outcome, What
from robot.queue.web_sessions import StoredSession
from robot.web.context import Web, web
from robot.web.security import client_address, same

COOKIE = "robot_session"
FORM_ACTIONS = {
    "ta": What.CLAIM, "slapp": What.RELEASE, "avsluta": What.RESOLVE, "faststall": What.APPROVE,
    "avvisa": What.REJECT, "logout": What.LOGOUT,
}  # fmt: skip
"""The last part of a form's path → what it does, for the access log."""
TOUCH_EVERY = dt.timedelta(minutes=1)
"""A session's last use is written at most this often (not on every request)."""


@dataclass(frozen=True)
class Session:
    token_hash: str
    actor: Actor
    csrf_token: str
    method: str


class LoginRequired(Exception):
    """No valid session: pages redirect to /login, form posts get 403."""


class Forbidden(Exception):
    """A valid session without the role or the CSRF token the request needs (403). Swedish message."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(w: Web, response: Response, user_id: str, method: str) -> None:
    """A new session for `user_id`, its cookie on `response`; stale sessions are cleared on the way."""
    now = w.clock.now()
    settings = w.settings.web
    web_sessions.end_stale(w.engine, now - dt.timedelta(minutes=settings.idle_minutes), now)
    token = secrets.token_urlsafe(32)
    web_sessions.create(
        w.engine,
        StoredSession(_hash(token), user_id, secrets.token_urlsafe(32), method, now, now,
                      now + dt.timedelta(hours=settings.session_hours)),
    )  # fmt: skip
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies, path="/")


def end(w: Web, request: Request, response: Response) -> None:
    token = request.cookies.get(COOKIE)
    if token:
        web_sessions.end(w.engine, _hash(token))
    response.delete_cookie(COOKIE, httponly=True, samesite="lax", secure=w.settings.web.secure_cookies, path="/")


def current(request: Request, w: Annotated[Web, Depends(web)]) -> Session | None:
    """The request's session, if it has a valid one (looked up once per request)."""
    if hasattr(request.state, "session"):
        return request.state.session
    request.state.session = None
    token = request.cookies.get(COOKIE)
    stored = web_sessions.find(w.engine, _hash(token)) if token else None
    if stored is None:
        return None
    now = w.clock.now()
    idle = dt.timedelta(minutes=w.settings.web.idle_minutes)
    if now >= stored.expires_at or now - stored.last_seen_at > idle:
        web_sessions.end(w.engine, stored.token_hash)
        request.state.expired = True
        return None
    try:
        actor = actor_for(w.engine, stored.user_id, "web")
    except UnknownAccount:  # disabled (or removed) since login
        web_sessions.end(w.engine, stored.token_hash)
        return None
    if now - stored.last_seen_at >= TOUCH_EVERY:
        web_sessions.touch(w.engine, stored.token_hash, now)
    request.state.session = Session(stored.token_hash, actor, stored.csrf_token, stored.method)
    return request.state.session


def signed_in(session: Annotated[Session | None, Depends(current)]) -> Session:
    if session is None:
        raise LoginRequired
    return session


def posted(
    request: Request,
    w: Annotated[Web, Depends(web)],
    session: Annotated[Session | None, Depends(current)],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Session:
    """A form post: it needs a session and that session's CSRF token, or it is refused (403). A signed-in
    person's refused post is in the access log (what the form would have done, refused)."""
    if session is None:
        raise Forbidden("Du är inte inloggad, eller så har sessionen gått ut. Logga in och försök igen.")
    if not same(session.csrf_token, csrf_token):
        application_id = str(request.path_params.get("application_id", ""))[:80] or None
        what = FORM_ACTIONS.get(request.url.path.rstrip("/").rsplit("/", 1)[-1], What.FORM)
        access_log.record_access(
            w.engine, session.actor, application_id, what, Outcome.REFUSED, client_address(request), w.clock
        )
        raise Forbidden("Formuläret saknar en giltig säkerhetskod (csrf_token). Ladda om sidan och försök igen.")
    return session


def allowed(session: Session, permission: Permission) -> Actor:
    """The session's actor if their roles allow `permission`; otherwise 403."""
    if not session.actor.can(permission):
        raise Forbidden(_refusal(session.actor, permission))
    return session.actor


def _refusal(actor: Actor, permission: Permission) -> str:
    try:
        actor.require(permission)
    except NotAllowed as exc:
        return f"Du saknar behörighet: {exc}."
    return "Du saknar behörighet."
