"""Bounds on every request inside the app: the body's size as it streams in, and requests in flight.

A body that declares more than `web.max_body_bytes` is refused (413) before a byte of it is read; one
that sends more than it declared, or is chunked, is refused at the first chunk past the limit, so the
server never holds more than the limit of any body. Beyond `web.max_requests_in_flight` requests at
once, a request gets 503 at once. Both answers are the app's Swedish error page with the security
headers (this middleware sits inside `SecurityHeaders`).

Starlette's own `RequestBodyLimitMiddleware` (FastAPI's `max_body_size`) counts the same way but
answers an English plain-text 413 from outside the app's middleware, without the security headers.
Timeouts and the connection cap are the server's job (robot/web/server.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Refusal = Callable[[Scope, Receive, Send, int], Awaitable[None]]
"""Sends the app's error page for a status (413, 503)."""


class BodyTooLarge(HTTPException):
    """Raised from `receive` past the limit: FastAPI passes it to the app's 413 handler."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


class RequestBounds:
    def __init__(self, app: ASGIApp, max_body_bytes: int, max_in_flight: int, refuse: Refusal):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_in_flight = max_in_flight
        self.refuse = refuse
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            await self.refuse(scope, receive, send, 503)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self.refuse(scope, receive, send, 413)
            return
        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        self.in_flight += 1
        try:
            await self.app(scope, bounded_receive, watched_send)
        except BodyTooLarge:  # the body was read outside a route (FastAPI's handler would have answered)
            if started:
                raise
            await self.refuse(scope, receive, send, 413)
        finally:
            self.in_flight -= 1


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
