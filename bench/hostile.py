"""Hostile HTTP servers on this machine, for the register clients' bounds (issue 16, item 5).

Each is a plain threaded socket server that answers every request in one bad way:

    endless_headers   header lines forever ("X-Flood-N: ...")
    long_header       one header line that never ends
    huge_body         a Content-Length of 4 GiB, then bytes forever
    endless_chunks    chunked transfer encoding, chunks forever (no length announced)
    slow_drip         a valid answer announced, then one byte every `drip_seconds`
    sized             a valid answer of `body_bytes` bytes (for the memory budget)
    redirect          307 Temporary Redirect to `location` (issue 22: redirects are never followed)

`TlsRequired` wraps a server socket in TLS that demands a client certificate from a given CA: the
handshake of a client without one, or with one from another CA, ends in an alert (as a real SSBTEK's
load balancer sends), not in a silent close.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BEHAVIOURS = ("endless_headers", "long_header", "huge_body", "endless_chunks", "slow_drip", "sized", "redirect")


@dataclass(frozen=True)
class TlsRequired:
    certfile: Path
    keyfile: Path
    client_ca: Path


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock = self.request
        try:
            if self.server.tls is not None:
                # The handshake is done apart from the wrap: a failing wrap closes the socket at once, and a
                # close with the client's request unread resets the connection before the client reads the alert.
                sock = self.server.tls_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
                try:
                    sock.do_handshake()
                except ssl.SSLError:
                    _linger(sock)  # as web servers close: the alert is read, not lost to a reset
                    return
            _read_request(sock)
            self.server.requests += 1
            getattr(self, self.server.behaviour)(sock)
        except (OSError, ssl.SSLError):
            pass  # the client gave up: that is the point

    def endless_headers(self, sock: socket.socket) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n")
        block = b"".join(b"X-Flood-%d: %s\r\n" % (i, b"v" * 40) for i in range(1000))
        while not self.server.stopping.is_set():
            sock.sendall(block)

    def long_header(self, sock: socket.socket) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nX-Long: ")
        block = b"v" * 65536
        while not self.server.stopping.is_set():
            sock.sendall(block)

    def huge_body(self, sock: socket.socket) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 4294967296\r\n\r\n")
        block = b"<x>" * 21846
        while not self.server.stopping.is_set():
            sock.sendall(block)

    def endless_chunks(self, sock: socket.socket) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        while not self.server.stopping.is_set():
            sock.sendall(chunk)

    def slow_drip(self, sock: socket.socket) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            if self.server.stopping.wait(self.server.drip_seconds):
                return
            sock.sendall(b"x")

    def sized(self, sock: socket.socket) -> None:
        n = self.server.body_bytes
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n" % n)
        block = b"x" * 65536
        while n > 0:
            sock.sendall(block[: min(n, len(block))])
            n -= len(block)
        time.sleep(0.05)

    def redirect(self, sock: socket.socket) -> None:
        sock.sendall(
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n"
            % self.server.location.encode()
        )
        time.sleep(0.05)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self, behaviour: str, tls: TlsRequired | None, drip_seconds: float, body_bytes: int, location: str = ""
    ):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.location = location
        self.requests = 0
        self.behaviour = behaviour
        self.tls = tls
        self.drip_seconds = drip_seconds
        self.body_bytes = body_bytes
        self.stopping = threading.Event()
        if tls is not None:
            self.tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(tls.client_ca))
            self.tls_context.load_cert_chain(str(tls.certfile), str(tls.keyfile))
            self.tls_context.verify_mode = ssl.CERT_REQUIRED


@contextlib.contextmanager
def hostile_server(
    behaviour: str,
    *,
    tls: TlsRequired | None = None,
    drip_seconds: float = 0.2,
    body_bytes: int = 1024,
    location: str = "",
    served: list[int] | None = None,
) -> Iterator[str]:
    """Serve `behaviour` on 127.0.0.1 (a free port) for the block; yields the base URL. `served`, when
    given, receives how many requests the server read (appended at the end of the block)."""
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"unknown behaviour {behaviour!r}; one of {', '.join(BEHAVIOURS)}")
    server = _Server(behaviour, tls, drip_seconds, body_bytes, location)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        if served is not None:
            served.append(server.requests)


def _linger(sock: socket.socket, seconds: float = 5.0) -> None:
    """Stop sending, then read what the client still sends (its request) before closing, so that closing
    does not reset the connection and the client reads the TLS alert sent before."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(seconds)
        while sock.recv(65536):
            pass


def _read_request(sock: socket.socket) -> None:
    """Read the request's head and its Content-Length body (enough for a POST from our clients)."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        if not more:
            return
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        more = sock.recv(65536)
        if not more:
            return
        body += more
