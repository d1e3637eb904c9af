"""The web app: FastAPI with server-rendered Swedish pages, plain forms, no script.

`create_app` wires the pages, the security headers, the OpenID Connect login (when configured) and
what refusals look like: a page that needs a login sends you to /login; a role that does not allow
it, a form without its CSRF token: 403; no such item: 404. Every answer is a Swedish page.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from robot.accounts import NotAllowed
from robot.casework import NotFound
from robot.clock import SYSTEM, Clock
from robot.config import Settings
from robot.observability.app import observability_routes
from robot.swedish.casework import sentence
from robot.web import auth, oidc
from robot.web.bounds import RequestBounds
from robot.web.context import STATIC, Web
from robot.web.pages import admin, item, operations, queue, recommendations, report
from robot.web.security import SecurityHeaders, local_path, with_security_headers
from robot.web.sessions import Forbidden, LoginRequired

STATUS_TITLES = {
    400: "Felaktig förfrågan",
    403: "Åtkomst nekad",
    404: "Sidan finns inte",
    405: "Det går inte att göra så här",
    413: "Förfrågan är för stor",
    422: "Uppgifterna kunde inte läsas",
    429: "För många förfrågningar",
    500: "Något gick fel",
    503: "Tjänsten är upptagen",
}
MESSAGES = {
    400: "Förfrågan kunde inte läsas.",
    404: "Det finns ingen sida med den adressen.",
    405: "Sidan tar inte emot den sortens förfrågan.",
    413: "Det som skickades är större än webbplatsen tar emot.",
    500: "Ett tekniskt fel uppstod. Försök igen om en stund; kvarstår felet, kontakta driften.",
    503: "Webbplatsen har för många förfrågningar just nu. Försök igen om en stund.",
}


def create_app(
    settings: Settings, engine: Engine, clock: Clock = SYSTEM, titles: dict[str, str] | None = None
) -> FastAPI:
    app = FastAPI(title="bistandsrobot", docs_url=None, redoc_url=None, openapi_url=None)
    w = Web(engine=engine, settings=settings, clock=clock, titles=dict(titles or {}))
    if settings.oidc.enabled:
        w.oidc = oidc.OidcLogin(settings.oidc)
    app.state.web = w
    for module in (auth, oidc, queue, item, recommendations, report, operations, admin):
        app.include_router(module.router)
    app.router.routes.extend(observability_routes(engine, settings, clock))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    secret = settings.web.secret_key.get_secret_value() if settings.web.secret_key else secrets.token_urlsafe(32)
    app.add_middleware(
        SessionMiddleware, secret_key=secret, session_cookie=oidc.STATE_COOKIE, max_age=600, path="/login/oidc",
        same_site="lax", https_only=settings.web.secure_cookies,
    )  # fmt: skip
    page = _refusals(app, w)

    async def refuse(scope: Scope, receive: Receive, send: Send, status: int) -> None:
        await page(Request(scope, receive), status, MESSAGES[status])(scope, receive, send)

    app.add_middleware(RequestBounds, max_body_bytes=settings.web.max_body_bytes,
                       max_in_flight=settings.web.max_requests_in_flight, refuse=refuse)  # fmt: skip
    app.add_middleware(SecurityHeaders, tls=settings.web.secure_cookies)
    return app


def _refusals(app: FastAPI, w: Web) -> Callable[..., Response]:
    """The error pages; returns the function that makes one (status, Swedish message)."""

    def page(request: Request, status: int, message: str, login_link: bool = False) -> Response:
        title = STATUS_TITLES.get(status, "Något gick fel")
        return w.page(request, "error.html", status, title=title, message=message, login_link=login_link)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        expired = "&meddelande=utgangen" if getattr(request.state, "expired", False) else ""
        target = local_path(request.url.path, "/")
        return RedirectResponse(f"/login?nasta={target}{expired}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return page(request, 403, str(exc), login_link=getattr(request.state, "session", None) is None)

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, exc: NotAllowed) -> Response:
        return page(request, 403, f"Du saknar behörighet: {exc}.")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return page(request, 404, sentence(str(exc)))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return page(request, exc.status_code, MESSAGES.get(exc.status_code, "Förfrågan kunde inte utföras."))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, _exc: RequestValidationError) -> Response:
        return page(request, 422, "Formuläret innehöll uppgifter som inte kunde läsas. Ladda om sidan och försök igen.")

    @app.exception_handler(Exception)
    async def failed(request: Request, _exc: Exception) -> Response:
        # Starlette sends this answer from outside every middleware: the headers are added here.
        return with_security_headers(page(request, 500, MESSAGES[500]), w.settings.web.secure_cookies)

    return page
