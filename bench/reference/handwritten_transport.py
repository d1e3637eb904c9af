"""The hand-written HTTP/1.1 transport the SSBTEK client used until issue 15 (robot/adapters/ssbtek/transport.py
on main before aiohttp), kept only as the reference `bench/http_stack.py` measures the chosen stack against.
Not used by the robot.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import Any

import httptools
import httpx

_DEFAULT_PORTS = {"http": 80, "https": 443}


class _StaleConnection(Exception):
    """A reused connection was closed by the server before any of the answer arrived."""


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: writes a request, parses the answer as it arrives."""

    def __init__(self, limit: int):
        self.limit = limit
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.last_used = time.monotonic()
        self.closed = False
        self._answer: asyncio.Future[None] | None = None
        self._writable: asyncio.Future[None] | None = None
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.size = 0
        self.started = False
        self.complete = False
        self.keep_alive = True
        self.error: Exception | None = None

    # asyncio.Protocol -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.started = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            # A callback's own error (the answer is too large) is kept; anything else is the parser's.
            self._finish(self.error or httpx.RemoteProtocolError(f"unreadable HTTP answer: {exc}"))
            self.close()

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.complete:
            if not self.started:
                self._finish(_StaleConnection())
            else:
                self._finish(httpx.RemoteProtocolError("the server closed the connection mid-answer"))
        if self._writable is not None and not self._writable.done():
            self._writable.set_exception(httpx.WriteError("the connection closed while writing"))

    def pause_writing(self) -> None:
        self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._writable = None

    # httptools callbacks ----------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size > self.limit:
            self.error = httpx.RemoteProtocolError(f"the answer is larger than {self.limit} bytes")
            raise self.error  # stops the parser; data_received reports it
        self.body.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self.status < 200:  # an interim answer (100 Continue): the real one follows
            self.headers, self.body, self.size = [], [], 0
            return
        self.complete = True
        self._finish(None)

    def _finish(self, error: Exception | None) -> None:
        self.error = self.error or error
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(None)

    # Use --------------------------------------------------------------------------------------

    def usable(self, now: float, expiry: float) -> bool:
        return not self.closed and now - self.last_used < expiry and self.transport is not None

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def round_trip(
        self, request: httpx.Request, body: bytes, timeouts: dict[str, Any], limit: int
    ) -> tuple[httpx.Response, bool]:
        """Send one request and read its whole answer; returns the response and whether the connection can be reused."""
        assert self.transport is not None
        self._reset()
        self.limit = limit
        loop = asyncio.get_running_loop()
        self._answer = loop.create_future()
        self.transport.write(_head(request, len(body)) + body)
        if self._writable is not None:
            try:
                async with asyncio.timeout(timeouts.get("write")):
                    await self._writable
            except TimeoutError:
                raise httpx.WriteTimeout(f"no progress within {timeouts.get('write')} s", request=request) from None
        try:
            async with asyncio.timeout(timeouts.get("read")):
                await self._answer
        except TimeoutError:
            raise httpx.ReadTimeout(f"no answer within {timeouts.get('read')} s", request=request) from None
        if isinstance(self.error, _StaleConnection):
            raise self.error
        if self.error is not None:
            raise type(self.error)(str(self.error), request=request) from None  # type: ignore[call-arg]
        reusable = self.keep_alive and not self.closed
        self.last_used = time.monotonic()
        response = httpx.Response(
            self.status,
            headers=self.headers,
            content=b"".join(self.body),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )
        return response, reusable


def _head(request: httpx.Request, length: int) -> bytes:
    """The request line and headers; Content-Length from the body, Host from the URL unless given."""
    url = request.url
    lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), url.raw_path)]
    has_host = False
    for name, value in request.headers.raw:
        lower = name.lower()
        if lower in (b"content-length", b"transfer-encoding"):
            continue
        has_host = has_host or lower == b"host"
        if b"\r" in value or b"\n" in value:
            raise httpx.LocalProtocolError("a header value contains a line break", request=request)
        lines.append(name + b": " + value)
    if not has_host:
        lines.append(b"Host: " + url.netloc)
    lines.append(b"Content-Length: %d" % length)
    return b"\r\n".join(lines) + b"\r\n\r\n"


class KeepAliveTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        max_idle_connections: int = 64,
        keepalive_expiry: float = 10.0,
        max_response_bytes: int = 16 * 1024 * 1024,
    ):
        self._ssl = ssl_context
        self._max_idle = max_idle_connections
        self._expiry = keepalive_expiry
        self._limit = max_response_bytes
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise httpx.ConnectError("the transport is closed", request=request)
        url = request.url
        scheme = url.scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"unsupported scheme {scheme!r}", request=request)
        key = (scheme, url.host, url.port or _DEFAULT_PORTS[scheme])
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        body = await request.aread()
        while True:
            connection = self._take_idle(key)
            reused = connection is not None
            if connection is None:
                connection = await self._connect(request, key, timeouts.get("connect"))
            try:
                response, reusable = await connection.round_trip(request, body, timeouts, self._limit)
            except _StaleConnection:
                connection.close()
                if reused:
                    continue
                raise httpx.RemoteProtocolError(
                    "the server closed the connection without answering", request=request
                ) from None
            except BaseException:
                connection.close()
                raise
            if reusable and not self._closed:
                self._put_idle(key, connection)
            else:
                connection.close()
            return response

    def _take_idle(self, key: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(key)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.usable(now, self._expiry):
                return connection
            connection.close()
        return None

    def _put_idle(self, key: tuple[str, str, int], connection: _Connection) -> None:
        idle = self._idle.setdefault(key, [])
        if len(idle) >= self._max_idle:
            idle.pop(0).close()
        idle.append(connection)

    async def _connect(self, request: httpx.Request, key: tuple[str, str, int], seconds: float | None) -> _Connection:
        scheme, host, port = key
        context = (self._ssl or ssl.create_default_context()) if scheme == "https" else None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(seconds):
                _, connection = await loop.create_connection(
                    lambda: _Connection(self._limit), host, port, ssl=context, server_hostname=host if context else None
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"no connection within {seconds} s", request=request) from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from None
        return connection

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
