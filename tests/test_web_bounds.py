"""The web app bounds every request: the body's size as it streams in, requests in flight, and (in the
server) header size, header and body deadlines, idle connections and open connections. Every refusal
is a Swedish page with the security headers."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi.testclient import TestClient

from robot.config import WebSettings
from robot.web import server
from tests.web_support import csrf

LIMIT = 64 * 1024


def _login_form(client: TestClient) -> dict[str, str]:
    return {"user_id": "anna.h", "password": "x", "csrf_token": csrf(client.get("/login").text)}


def test_a_body_declared_too_large_is_refused_before_it_is_read(workplace):
    client = TestClient(workplace)
    read = []

    def body() -> Iterator[bytes]:
        read.append(1)
        yield b"user_id=" + b"a" * (LIMIT + 10)

    answer = client.post("/login", content=body(), headers={"content-length": str(790 * 1024 * 1024),
                                                            "content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert answer.status_code == 413 and "Förfrågan är för stor" in answer.text
    assert "script-src 'none'" in answer.headers["content-security-policy"]


def test_a_chunked_body_is_refused_at_the_first_chunk_past_the_limit(workplace):
    client = TestClient(workplace)
    form = _login_form(client)

    def chunks() -> Iterator[bytes]:
        yield "&".join(f"{k}={v}" for k, v in form.items()).encode() + b"&next="
        for _ in range(20):
            yield b"a" * 65536

    answer = client.post("/login", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413 and "större än webbplatsen tar emot" in answer.text
    assert answer.headers["x-frame-options"] == "DENY"


def test_a_resolution_with_the_longest_note_fits(workplace):
    from tests.web_support import logged_in, post

    anna = logged_in(workplace, "anna.h")
    post(anna, "/manuell/EL-1/ta")
    done = post(anna, "/manuell/EL-1/avsluta", decision="avslag", note="å" * 4000)
    assert done.status_code == 303, done.text


def test_requests_beyond_those_in_flight_get_a_swedish_503(workplace, settings):
    from robot.web.bounds import RequestBounds

    TestClient(workplace).get("/healthz")  # builds the middleware stack
    bounds = _find(workplace.middleware_stack, RequestBounds)
    bounds.in_flight = settings.web.max_requests_in_flight
    busy = TestClient(workplace).get("/login")
    assert busy.status_code == 503 and "för många förfrågningar" in busy.text
    assert "content-security-policy" in busy.headers
    bounds.in_flight = 0
    assert TestClient(workplace).get("/login").status_code == 200


def _find(app, kind):  # type: ignore[no-untyped-def]
    while app is not None and not isinstance(app, kind):
        app = getattr(app, "app", None)
    return app


# The server --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def bounded_server(app, **limits) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """`robot web`'s uvicorn (robot/web/server.py) in a thread on a free loopback port."""
    web = WebSettings(**limits)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False,
                            lifespan="off", **server.options(web))  # fmt: skip
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if uv.started:
            break
        time.sleep(0.05)
    try:
        yield port
    finally:
        uv.should_exit = True
        thread.join(10)


def _closed(conn: socket.socket, within: float) -> bool:
    """Whether the server closes the connection within `within` seconds (whatever it sent first)."""
    conn.settimeout(within)
    try:
        while conn.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def _get(port: int, path: str = "/healthz") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
        return answer


@pytest.fixture
def app(workplace):
    return workplace


def test_the_server_answers_413_while_a_chunked_body_is_still_streaming(app):
    with bounded_server(app) as port, socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")  # fmt: skip
        chunk = b"10000\r\n" + b"a" * 65536 + b"\r\n"
        answer, sent = b"", 0
        c.settimeout(5)
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            while sent < 50 * 1024 * 1024 and not answer:
                if select.select([c], [], [], 0)[0]:
                    answer = c.recv(65536)
                    break
                c.sendall(chunk)
                sent += 65536
        if not answer:
            answer = c.recv(65536)
        assert answer.startswith(b"HTTP/1.1 413"), "answered while the client was still sending"
        assert sent < 5 * 1024 * 1024 and b"content-security-policy" in answer.lower()


def test_a_connection_that_sends_nothing_is_closed_after_the_header_deadline(app):
    with bounded_server(app, header_timeout_seconds=0.5) as port, socket.create_connection(("127.0.0.1", port)) as c:
        started = time.monotonic()
        assert _closed(c, 5)
        assert time.monotonic() - started < 3


def test_headers_sent_a_byte_at_a_time_do_not_move_the_deadline(app):
    with bounded_server(app, header_timeout_seconds=1) as port, socket.create_connection(("127.0.0.1", port)) as c:
        started = time.monotonic()
        c.settimeout(0.2)
        closed = False
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            try:
                c.sendall(bytes([byte]))
                if c.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except (ConnectionResetError, BrokenPipeError):
                closed = True
                break
        assert closed and time.monotonic() - started < 4


def test_a_body_sent_too_slowly_is_cut_off(app):
    with bounded_server(app, body_timeout_seconds=0.5) as port, socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Content-Length: 1000\r\n\r\nuser_id=")  # fmt: skip
        started = time.monotonic()
        assert _closed(c, 5) and time.monotonic() - started < 3


def test_headers_beyond_the_limit_get_400_and_a_closed_connection(app):
    with bounded_server(app, max_header_bytes=4096) as port, socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        c.settimeout(5)
        answer = b""
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            for _ in range(1000):  # headers without end: 1 MB if they were all read
                if select.select([c], [], [], 0.001)[0]:
                    answer = c.recv(100)
                    break
                c.sendall(b"X-Endless: " + b"a" * 1000 + b"\r\n")
        assert answer.startswith(b"HTTP/1.1 400")


def test_an_idle_keep_alive_connection_is_closed(app):
    with bounded_server(app, keep_alive_seconds=1) as port, socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        c.settimeout(5)
        assert c.recv(65536).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        assert _closed(c, 5) and time.monotonic() - started < 3


def test_at_the_connection_cap_a_new_connection_closes_the_longest_idle_one_and_is_served(app):
    with bounded_server(app, max_connections=20, header_timeout_seconds=30) as port:
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
        try:
            time.sleep(0.3)
            assert not any(_closed(c, 0.01) for c in idle), "20 idle connections: all open at the cap"
            assert _get(port).startswith(b"HTTP/1.1 200"), "a request is served at the cap"
            assert _closed(idle[0], 3), "the connection that waited longest made room"
            assert not any(_closed(c, 0.01) for c in idle[2:])
        finally:
            for c in idle:
                c.close()


def test_when_every_connection_is_being_answered_one_more_is_closed_at_once(app):
    with bounded_server(app, max_connections=2) as port:
        a, b = (socket.create_connection(("127.0.0.1", port)) for _ in range(2))
        try:
            for c in (a, b):  # a request whose body never comes: being answered, never idle
                c.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
            time.sleep(0.3)
            extra = socket.create_connection(("127.0.0.1", port))
            assert _closed(extra, 3)
            extra.close()
        finally:
            a.close()
            b.close()
