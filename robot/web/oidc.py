"""Logging in through the municipality's identity provider with OpenID Connect (authlib).

The authorization code flow with PKCE and a nonce; the ID token's signature (the provider's JWKS),
issuer, audience, expiry and nonce are checked by authlib. The person must have an active account:
`oidc.user_claim` names the claim that identifies it (`sub`: the account's OIDC subject; any other
claim: the account's user id). Nobody gets an account by logging in unless `oidc.provision_role` is
set. The short-lived state of the flow is in a signed cookie limited to /login/oidc.
"""

from __future__ import annotations

from typing import Any

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Request
from joserfc.errors import JoseError
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from robot.accounts import Actor, Role
from robot.accounts.service import AccountError, add_account, normalize_user_id
from robot.config import OidcSettings
from robot.queue import access_log, users
from robot.queue.access_log import Outcome, What
from robot.web import sessions
from robot.web.context import Web
from robot.web.security import client_address, log

router = APIRouter()
STATE_COOKIE = "robot_oidc"
PROVISIONER = Actor("oidc-provisionering", frozenset({Role.ADMIN}), "web")
"""Who adds an account at first login when `oidc.provision_role` allows it (the event log shows this)."""


class OidcLogin:
    def __init__(self, settings: OidcSettings):
        self.settings = settings
        self.oauth = OAuth()
        self.client = self.oauth.register(
            "idp",
            client_id=settings.client_id,
            client_secret=settings.client_secret.get_secret_value() if settings.client_secret else None,
            server_metadata_url=settings.discovery_url(),
            client_kwargs={"scope": settings.scopes, "code_challenge_method": "S256"},
        )

    @property
    def label(self) -> str:
        return self.settings.label


class Refused(Exception):
    """The provider vouched for someone who may not log in here (Swedish message)."""


def account_for(w: Web, claims: dict[str, Any]) -> str:
    """The user id of the active account these ID-token claims belong to (or a new one, if provisioning is on)."""
    settings = w.settings.oidc
    subject = str(claims.get("sub") or "")
    if not subject:
        raise Refused("identitetsleverantören skickade ingen identitet (sub)")
    if settings.user_claim == "sub":
        stored = users.account_by_subject(w.engine, subject)
        wanted = claims.get("preferred_username") or subject
    else:
        wanted = claims.get(settings.user_claim)
        if not isinstance(wanted, str) or not wanted.strip():
            raise Refused(f"identitetsleverantören skickade inte anspråket {settings.user_claim}")
        try:
            stored = users.account(w.engine, normalize_user_id(wanted))
        except AccountError as exc:
            raise Refused(str(exc)) from None
        if stored is not None and stored.oidc_subject and stored.oidc_subject != subject:
            raise Refused(f"kontot {stored.user_id} hör till en annan person hos identitetsleverantören")
    if stored is None:
        if settings.provision_role is None:
            raise Refused("du har inget konto här; be en administratör lägga till det")
        try:
            account = add_account(w.engine, PROVISIONER, str(wanted), frozenset({Role(settings.provision_role)}),
                                  None, subject, w.clock)  # fmt: skip
        except AccountError as exc:
            raise Refused(str(exc)) from None
        return account.user_id
    if stored.disabled:
        raise Refused(f"kontot {stored.user_id} är avstängt")
    return stored.user_id


@router.get("/login/oidc")
async def start(request: Request) -> Response:
    w: Web = request.app.state.web
    if w.oidc is None:
        return RedirectResponse("/login", status_code=303)
    redirect_uri = w.settings.oidc.redirect_url or str(request.url_for("oidc_callback"))
    try:
        return await w.oidc.client.authorize_redirect(request, redirect_uri)
    except Exception as exc:  # the provider's discovery document cannot be fetched or read
        return _failed(w, request, 502, "Inloggningstjänsten svarar inte just nu. Försök igen om en stund.", exc)


@router.get("/login/oidc/callback", name="oidc_callback")
async def callback(request: Request) -> Response:
    w: Web = request.app.state.web
    if w.oidc is None:
        return RedirectResponse("/login", status_code=303)
    try:
        token = await w.oidc.client.authorize_access_token(request)
    except OAuthError as exc:
        return _failed(w, request, 403, f"Inloggningen godtogs inte: {exc.description or exc.error}.", exc)
    except (JoseError, AuthlibBaseError) as exc:  # a bad signature, issuer, audience, expiry or nonce
        return _failed(w, request, 403, "Inloggningen godtogs inte: ID-token kunde inte bekräftas.", exc)
    except Exception as exc:
        return _failed(w, request, 502, "Inloggningstjänsten svarade inte som väntat. Försök igen.", exc)
    claims = token.get("userinfo")
    if not claims:  # no ID token: nothing vouches for who this is
        return _failed(w, request, 403, "Inloggningstjänsten skickade ingen ID-token.", None)
    try:
        user_id = await run_in_threadpool(account_for, w, dict(claims))
    except Refused as exc:
        return _failed(w, request, 403, f"Du kan inte logga in: {exc}.", None)
    response = RedirectResponse("/", status_code=303)
    await run_in_threadpool(sessions.start, w, response, user_id, "oidc")
    await run_in_threadpool(
        access_log.record,
        w.engine,
        w.clock.now(),
        user_id,
        "web",
        What.LOGIN,
        None,
        Outcome.OK,
        client_address(request),
    )
    return response


def _failed(w: Web, request: Request, status: int, message: str, exc: Exception | None) -> Response:
    log.warning("oidc_login_failed", status=status, error=type(exc).__name__ if exc else "refused")
    access_log.record(
        w.engine, w.clock.now(), None, "web", What.LOGIN_FAILED, None, Outcome.REFUSED, client_address(request)
    )
    return w.page(request, "error.html", status, title="Inloggningen misslyckades", message=message, login_link=True)
