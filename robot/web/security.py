"""Security headers on every response, CSRF checks, the client's address, safe redirects.

The Content-Security-Policy allows no script at all and styles only from our own stylesheet (no
inline `<style>` or `style=`): the pages are plain HTML forms. Pages are never cached, so the back
button after logging out shows nothing of the last person's data.
"""

from __future__ import annotations

import hmac
import re
import time
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from robot import logs

CSP = (
    "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
log = logs.get("robot.web")


class SecurityHeaders:
    """Adds the headers above (and HSTS behind TLS), no-store for pages; logs one line per request
    with the path but never the query string."""

    def __init__(self, app: ASGIApp, tls: bool):
        self.app = app
        self.tls = tls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                static = scope["path"].startswith("/static/")
                message["headers"] = _secured(message.get("headers", []), self.tls, static)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if not scope["path"].startswith("/static/"):
                log.info(
                    "web_request", method=scope["method"], path=scope["path"], status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 1),
                )  # fmt: skip


def _secured(headers: list[tuple[bytes, bytes]], tls: bool, static: bool = False) -> list[tuple[bytes, bytes]]:
    kept = [h for h in headers if h[0].lower() != b"cache-control"]
    kept += HEADERS
    kept.append((b"cache-control", b"public, max-age=3600" if static else b"no-store"))
    if tls:
        kept.append((b"strict-transport-security", b"max-age=31536000"))
    return kept


def with_security_headers(response: Response, tls: bool) -> Response:
    """The headers on a response that is sent past the middleware (the 500 page)."""
    response.raw_headers = _secured(list(response.raw_headers), tls)
    return response


def same(expected: str | None, given: str | None) -> bool:
    """A CSRF token check in constant time; a missing token never matches."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def client_address(scope_or_request: Any) -> str | None:
    """The client's address (uvicorn puts the one from a trusted proxy's X-Forwarded-For here)."""
    client = getattr(scope_or_request, "client", None)
    return client.host[:64] if client else None


_LOCAL_PATH = re.compile(r"^/(?![/\\])[A-Za-z0-9/._~-]*$")


def local_path(target: str | None, default: str = "/") -> str:
    """Where to go after login: only a path on this site (no open redirect), without a query string."""
    return target if target and _LOCAL_PATH.match(target) else default
