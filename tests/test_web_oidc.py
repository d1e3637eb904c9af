"""OpenID Connect login against a minimal identity provider started in the test: discovery, JWKS,
authorize and token endpoints, ID tokens signed with a test key; PKCE and the nonce checked."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from robot.accounts import Role
from robot.accounts.service import actor_for, add_account, disable_account
from robot.queue import access_log, users
from robot.web.app import create_app

CLIENT_ID, CLIENT_SECRET = "bistandsrobot", "klienthemlighet"


class Provider:
    """Authorizes whoever `subject` names at once (no login page) and signs their ID token."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
        self.forger = RSAKey.generate_key(2048, parameters={"kid": "test-key", "alg": "RS256"})
        self.subject = "sub-anna"
        self.claims: dict = {"preferred_username": "anna.h"}
        self.forge = False
        self.codes: dict[str, dict] = {}
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery), Route("/jwks", self.jwks),
            Route("/authorize", self.authorize), Route("/token", self.token, methods=["POST"]),
        ])  # fmt: skip
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))

    def discovery(self, _request: Request) -> JSONResponse:
        return JSONResponse({
            "issuer": self.url, "authorization_endpoint": f"{self.url}/authorize", "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks", "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
        })  # fmt: skip

    def jwks(self, _request: Request) -> JSONResponse:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    def authorize(self, request: Request) -> RedirectResponse:
        q = request.query_params
        assert q["client_id"] == CLIENT_ID and q["response_type"] == "code" and "openid" in q["scope"].split()
        assert q["code_challenge_method"] == "S256" and q["nonce"]
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": q["nonce"], "challenge": q["code_challenge"], "redirect_uri": q["redirect_uri"]}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302)

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        basic = base64.b64decode(request.headers["authorization"].split()[1]).decode()
        grant = self.codes.pop(str(form["code"]), None)
        if grant is None or basic != f"{CLIENT_ID}:{CLIENT_SECRET}" or form["redirect_uri"] != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, 400)
        verifier = str(form["code_verifier"]).encode()
        if base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode() != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, 400)
        now = int(time.time())
        claims = {"iss": self.url, "sub": self.subject, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"], **self.claims}  # fmt: skip
        signed = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.forger if self.forge else self.key)
        return JSONResponse({"access_token": "at-" + secrets.token_hex(8), "token_type": "Bearer", "expires_in": 300,
                             "id_token": signed})  # fmt: skip

    def __enter__(self) -> Provider:
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(100):
            if self.server.started:
                return self
            time.sleep(0.05)
        raise RuntimeError("the test provider did not start")

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def provider():
    with Provider() as running:
        yield running


def oidc_app(workplace, settings, provider, **oidc):  # type: ignore[no-untyped-def]
    config = settings.model_copy(update={"oidc": settings.oidc.model_copy(update={
        "issuer": provider.url, "client_id": CLIENT_ID, "client_secret": SecretStr(CLIENT_SECRET), **oidc})})  # fmt: skip
    w = workplace.state.web
    return create_app(config, w.engine, w.clock, w.titles)


def through_provider(client: TestClient) -> httpx.Response:
    """The browser's part: our login link → the provider → back to our callback."""
    start = client.get("/login/oidc", follow_redirects=False)
    assert start.status_code == 302, start.text
    back = httpx.get(start.headers["location"], follow_redirects=False)
    callback = urlparse(back.headers["location"])
    assert callback.path == "/login/oidc/callback"
    return client.get(f"{callback.path}?{callback.query}", follow_redirects=False)


def bind(engine, user_id: str, subject: str, role: Role = Role.HANDLAGGARE) -> None:  # type: ignore[no-untyped-def]
    add_account(engine, actor_for(engine, "admin"), user_id, frozenset({role}), None, subject)


def test_the_login_page_offers_the_identity_provider(workplace, settings, provider):
    page = TestClient(oidc_app(workplace, settings, provider)).get("/login")
    assert 'href="/login/oidc"' in page.text and "Logga in med kommunens inloggning" in page.text


def test_a_person_with_an_account_logs_in_through_the_provider(workplace, settings, provider):
    engine = workplace.state.web.engine
    bind(engine, "anna.oidc", "sub-anna")
    client = TestClient(oidc_app(workplace, settings, provider))
    done = through_provider(client)
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert client.get("/manuell").status_code == 200
    assert "Inloggad som" in client.get("/manuell").text and "anna.oidc" in client.get("/manuell").text
    login = [e for e in access_log.entries(engine) if e.what == "login"][-1]
    assert login.user_id == "anna.oidc"


def test_nobody_gets_an_account_by_logging_in_unless_provisioning_is_on(workplace, settings, provider):
    engine = workplace.state.web.engine
    provider.subject, provider.claims = "sub-new", {"preferred_username": "ny.person"}
    client = TestClient(oidc_app(workplace, settings, provider))
    refused = through_provider(client)
    assert refused.status_code == 403 and "du har inget konto här" in refused.text
    assert users.account_by_subject(engine, "sub-new") is None
    assert client.get("/manuell", follow_redirects=False).status_code == 303
    provisioning = TestClient(oidc_app(workplace, settings, provider, provision_role="handlaggare"))
    assert through_provider(provisioning).status_code == 303
    made = users.account_by_subject(engine, "sub-new")
    assert made is not None and made.user_id == "ny.person" and made.roles == ("handlaggare",)
    assert made.created_by == "oidc-provisionering"


def test_another_claim_can_name_the_account(workplace, settings, provider):
    client = TestClient(oidc_app(workplace, settings, provider, user_claim="preferred_username"))
    assert through_provider(client).status_code == 303, "anna.h exists: her username claim names her account"
    assert "anna.h" in client.get("/manuell").text
    engine = workplace.state.web.engine
    bind(engine, "cia.n", "sub-cia")
    provider.claims = {"preferred_username": "cia.n"}  # but the provider vouches for sub-anna
    refused = through_provider(TestClient(oidc_app(workplace, settings, provider, user_claim="preferred_username")))
    assert refused.status_code == 403 and "hör till en annan person" in refused.text


def test_a_disabled_account_cannot_log_in_through_the_provider(workplace, settings, provider):
    engine = workplace.state.web.engine
    bind(engine, "anna.oidc", "sub-anna")
    disable_account(engine, actor_for(engine, "admin"), "anna.oidc")
    refused = through_provider(TestClient(oidc_app(workplace, settings, provider)))
    assert refused.status_code == 403 and "avstängt" in refused.text


def test_a_token_signed_with_another_key_is_refused(workplace, settings, provider):
    bind(workplace.state.web.engine, "anna.oidc", "sub-anna")
    provider.forge = True
    client = TestClient(oidc_app(workplace, settings, provider))
    refused = through_provider(client)
    assert refused.status_code == 403 and "ID-token kunde inte bekräftas" in refused.text
    assert "robot_session" not in client.cookies


def test_a_callback_without_the_flows_state_is_refused(workplace, settings, provider):
    bind(workplace.state.web.engine, "anna.oidc", "sub-anna")
    client = TestClient(oidc_app(workplace, settings, provider))
    start = client.get("/login/oidc", follow_redirects=False)
    back = urlparse(httpx.get(start.headers["location"], follow_redirects=False).headers["location"])
    code = parse_qs(back.query)["code"][0]
    forged = client.get(f"/login/oidc/callback?code={code}&state=gissat", follow_redirects=False)
    assert forged.status_code == 403 and "robot_session" not in client.cookies
    stranger = TestClient(oidc_app(workplace, settings, provider))
    assert stranger.get(f"{back.path}?{back.query}", follow_redirects=False).status_code == 403, "another browser"


def test_a_provider_that_does_not_answer_is_a_clear_page(workplace, settings):
    config = settings.model_copy(update={"oidc": settings.oidc.model_copy(update={
        "issuer": f"http://127.0.0.1:{_free_port()}", "client_id": CLIENT_ID})})  # fmt: skip
    w = workplace.state.web
    down = TestClient(create_app(config, w.engine, w.clock, w.titles)).get("/login/oidc")
    assert down.status_code == 502 and "Inloggningstjänsten svarar inte just nu" in down.text
