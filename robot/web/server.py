"""The web app's HTTP server: uvicorn with h11, bounded so that no client can hold it.

uvicorn alone arms no timer until a first answer is sent (a connection that sends nothing, or a
header a byte at a time, stays open for ever) and has no cap on open connections (its
`limit_concurrency` answers 503 only once a request arrives, while an idle connection keeps its
file). `BoundedH11` adds, per connection:

- a deadline for the request's headers (`web.header_timeout_seconds`), from the connection or from the
  end of the last answer, not moved by data that arrives before the headers end;
- a deadline for the body (`web.body_timeout_seconds`), from the end of the headers;
- a cap on open connections (`web.max_connections`): at the cap, a new connection closes the one that
  has waited longest for a request's headers (an idle or slow connection, never one being answered),
  or is closed itself if every connection is being answered. A flood of idle connections thus
  evicts itself: whoever sends a request at once is served.

h11 bounds the headers' size (`web.max_header_bytes`; beyond it uvicorn answers 400 and closes) and
uvicorn closes an idle keep-alive connection after `web.keep_alive_seconds`. The body's size and the
requests in flight are bounded in the app (robot/web/bounds.py). A reverse proxy in front (compose.yaml)
sets the same bounds once more and terminates TLS.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from robot.config import WebSettings


class BoundedH11(H11Protocol):
    limits: ClassVar[WebSettings] = WebSettings()
    waiting: ClassVar[OrderedDict[BoundedH11, None]] = OrderedDict()
    """This server's connections waiting for a request's headers, longest-waiting first."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        self._phase: str | None = None
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            if not self.waiting:
                transport.abort()
                return
            oldest, _ = self.waiting.popitem(last=False)
            oldest.transport.abort()
        self._watch()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._arm(None)
        super().connection_lost(exc)

    def _watch(self) -> None:
        """Arm the deadline of what the client owes now: the headers, the body, or nothing."""
        state = self.conn.their_state
        phase = "headers" if state is h11.IDLE else "body" if state is h11.SEND_BODY else None
        if phase != self._phase:
            self._arm(phase)

    def _arm(self, phase: str | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._phase, self._deadline = phase, None
        if phase == "headers":
            self.waiting[self] = None
        else:
            self.waiting.pop(self, None)
        if phase is not None:
            seconds = self.limits.header_timeout_seconds if phase == "headers" else self.limits.body_timeout_seconds
            self._deadline = self.loop.call_later(seconds, self._expired)

    def _expired(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.abort()


def protocol(limits: WebSettings) -> type[BoundedH11]:
    """The protocol class for one server (its own limits and its own waiting connections)."""
    return type("BoundedH11", (BoundedH11,), {"limits": limits, "waiting": OrderedDict()})


def options(limits: WebSettings) -> dict[str, Any]:
    """uvicorn's settings for these bounds (everything but the app, the address and the logging)."""
    return {
        "http": protocol(limits),
        "h11_max_incomplete_event_size": limits.max_header_bytes,
        "timeout_keep_alive": limits.keep_alive_seconds,
        "backlog": min(2048, limits.max_connections * 2),
        "server_header": False,
    }
