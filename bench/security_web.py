"""The web app's probes of issue 22 (`python -m bench.security` runs them; alone: `python -m bench.security_web`).

`robot web` runs on the demo's processed samples (bench/web.py) on a loopback port, and a client
acts as an attacker would: a 790 MB body to /login (declared, and chunked), 20 000 idle connections
(fewer if the file limit is lower; loopback only), six wrong passwords for an existing and for an
unknown account, a guesser locking a handläggare out from another address, `password1234` as a new
password, the security headers on every error page, `sida=²` and `9999-12-31`, and notes with
control characters. The server's memory (VmRSS, VmHWM from /proc) is printed with each bound.

The bench is "the proxy" at 127.0.0.1 (`[web] forwarded_allow_ips`), so it names the client's address
in X-Forwarded-For as nginx does in compose.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from bench.browser import serve
from bench.harness import Workspace, vm_hwm
from bench.web import PASSWORD, prepare
from robot.accounts import Role
from robot.accounts.service import actor_for, add_account, os_user
from robot.config import WebSettings

BIG_BODY = 790 * 1024 * 1024
IDLE_CONNECTIONS = 20_000
HEADER_TIMEOUT = 10
"""The server's header deadline ([web] header_timeout_seconds, its default)."""
MEMORY_LIMIT_MB = 250
"""Before the bounds, one 790 MB body took the server from 131 MB to 958 MB."""


@dataclass
class Server:
    base: str
    port: int
    pid: int
    workspace: Workspace


def _pid_on(port: int) -> int:
    """The process listening on a loopback port (the `robot web` the bench started)."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":
                    inode = fields[9]
    for proc in (p for p in os.listdir("/proc") if p.isdigit()):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{proc}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{proc}/fd/{fd}") == f"socket:[{inode}]":
                        return int(proc)
    raise RuntimeError(f"no process listens on {port}")


@contextlib.contextmanager
def web_server() -> Iterator[Server]:
    with Workspace.create() as ws:
        prepare(ws, None)
        engine = ws.engine()
        add_account(engine, actor_for(engine, "admin"), os_user(), frozenset({Role.ADMIN, Role.TEAMLEDARE}))
        engine.dispose()
        with serve(ws) as base:
            port = int(base.rsplit(":", 1)[1])
            yield Server(base, port, _pid_on(port), ws)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def _client(server: Server, address: str = "192.0.2.10") -> httpx.Client:
    return httpx.Client(base_url=server.base, timeout=30, headers={"x-forwarded-for": address})


def _login(http: httpx.Client, user_id: str, password: str) -> httpx.Response:
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").text).group(1)  # type: ignore[union-attr]
    return http.post("/login", data={"user_id": user_id, "password": password, "csrf_token": token})


# Bodies and connections --------------------------------------------------------------------------------


def _stream(port: int, chunked: bool, total: int = BIG_BODY) -> tuple[str, int]:
    """POST /login with a `total`-byte body, sent until the server answers or closes; (status line, bytes sent)."""
    head = "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {total}\r\n\r\n"
    block = b"a" * (1024 * 1024)
    piece = f"{len(block):x}\r\n".encode() + block + b"\r\n" if chunked else block
    sent, answer = 0, b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(head.encode())
        with contextlib.suppress(OSError):
            while sent < total:
                if select.select([conn], [], [], 0)[0]:
                    answer = conn.recv(65536)
                    break
                conn.sendall(piece)
                sent += len(block)
        if not answer:
            with contextlib.suppress(OSError):
                answer = conn.recv(65536)
    return (answer.split(b"\r\n", 1)[0].decode("latin-1") or "closed without an answer"), sent


def big_body(server: Server) -> list[security.Result]:
    before, start_peak = rss_mb(server.pid), vm_hwm(server.pid) / 1024 / 1024
    declared = _stream(server.port, chunked=False)
    chunked = _stream(server.port, chunked=True)
    threads = [threading.Thread(target=_stream, args=(server.port, True)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    peak = vm_hwm(server.pid) / 1024 / 1024
    held = "413" in declared[0] and "413" in chunked[0] and peak < MEMORY_LIMIT_MB
    detail = (f"declared 790 MB: {declared[0]} after {declared[1] // 1024} kB sent; chunked: {chunked[0]} after "
              f"{chunked[1] // 1024} kB; then 3 at once; server RSS {before:.0f} MB before (peak {start_peak:.0f} MB "
              f"since start), peak {peak:.0f} MB after")  # fmt: skip
    return [security.Result("web: a 790 MB body to /login is refused while it streams, memory bounded", held, detail)]


def _raise_file_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(hard, wanted) if hard != resource.RLIM_INFINITY else wanted
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _closed(conn: socket.socket) -> bool:
    try:
        return conn.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def idle_connections(server: Server, wanted: int = IDLE_CONNECTIONS) -> list[security.Result]:
    count = min(wanted, _raise_file_limit(wanted + 300) - 300)
    before = rss_mb(server.pid)
    held: list[socket.socket] = []
    failed = 0
    deadline = time.monotonic() + 120
    try:
        while len(held) + failed < count and time.monotonic() < deadline:
            try:
                conn = socket.create_connection(("127.0.0.1", server.port), timeout=3)
                conn.setblocking(False)
                held.append(conn)
            except OSError:
                failed += 1
        opened_in = time.monotonic() - deadline + 120
        time.sleep(1)  # the server accepts what the kernel queued
        during = rss_mb(server.pid)
        open_at_server = sum(not _closed(c) for c in held)
        started = time.monotonic()
        with _client(server) as http:
            page = http.get("/login")
        answered = time.monotonic() - started
        time.sleep(max(0.0, HEADER_TIMEOUT + 1 - (time.monotonic() - started)))
        closed_later = sum(_closed(c) for c in held)
        peak = vm_hwm(server.pid) / 1024 / 1024
    finally:
        for c in held:
            c.close()
    cap = WebSettings().max_connections
    ok = page.status_code == 200 and open_at_server <= cap and closed_later == len(held) and peak < MEMORY_LIMIT_MB
    detail = (f"{len(held)} opened in {opened_in:.0f} s ({failed} not accepted in time), {open_at_server} of them left "
              f"open by the server (the cap), all {closed_later} closed by the {HEADER_TIMEOUT} s header deadline; /login answered "
              f"{page.status_code} in {answered * 1000:.0f} ms meanwhile; server RSS {before:.0f} MB before, "
              f"{during:.0f} MB with them open, peak {peak:.0f} MB")  # fmt: skip
    return [
        security.Result(f"web: {count} idle connections neither exhaust the server nor lock anyone out", ok, detail)
    ]


# Login ------------------------------------------------------------------------------------------------------


def _visible_page(response: httpx.Response, name: str) -> str:
    return re.sub(r'value="[^"]*"', "", response.text).replace(name, "NAMN")


def enumeration(server: Server) -> list[security.Result]:
    seen = {}
    for n, name in enumerate(("anna.h", "finns.inte")):
        with _client(server, f"198.51.100.{n + 1}") as http:
            answers = [_login(http, name, "gissat-losenord-1") for _ in range(6)]
            seen[name] = [(a.status_code, _visible_page(a, name)) for a in answers]
    same = seen["anna.h"] == seen["finns.inte"]
    statuses = [status for status, _ in seen["anna.h"]]
    return [security.Result("web: six wrong passwords, an existing and an unknown account: the same answers", same,
                   f"statuses {statuses} for both; pages identical: {same}")]  # fmt: skip


def lock_out(server: Server) -> list[security.Result]:
    with _client(server, "203.0.113.66") as guesser:
        locked = [_login(guesser, "tea.l", "gissat-losenord-1").status_code for _ in range(6)][-1]
    with _client(server, "192.0.2.44") as elsewhere:
        tea = _login(elsewhere, "tea.l", PASSWORD)
    where = tea.headers.get("location", "")
    ok = locked == 429 and tea.status_code == 303 and not where.startswith("/login")
    return [security.Result("web: a guesser cannot lock a handläggare out from elsewhere", ok,
                   f"guesser's sixth attempt {locked}; tea.l from another address: {tea.status_code} to {where}")]  # fmt: skip


def breached_password(server: Server) -> list[security.Result]:
    done = _cli(server.workspace, "users", "add", "ny.person", "--role", "handlaggare", "--password-stdin",
                stdin="password1234\n")  # fmt: skip
    said = done.stderr.strip().splitlines()[-1][:110] if done.stderr.strip() else f"exit {done.returncode}"
    return [security.Result("web: password1234 is refused as a new password (common and leaked)",
                   done.returncode != 0 and "läckta" in done.stderr, said)]  # fmt: skip


def _cli(ws: Workspace, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`robot …` as the operating-system user (a teamledare and admin in these workspaces)."""
    return subprocess.run([sys.executable, "-m", "robot", *args], input=stdin, env=ws.env(), capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


# Pages ------------------------------------------------------------------------------------------------------


def _headers_held(response: httpx.Response) -> bool:
    policy = response.headers.get("content-security-policy", "")
    return "script-src 'none'" in policy and response.headers.get("x-frame-options") == "DENY"


def error_pages(server: Server) -> list[security.Result]:
    with _client(server, "192.0.2.99") as http:
        _login(http, "anna.h", PASSWORD)
        answers = {
            "404": http.get("/finns-inte"),
            "405": http.put("/manuell"),
            "403": http.get("/admin/konton"),
            "413": http.post("/login", content=b"a" * (1024 * 1024),
                             headers={"content-type": "application/x-www-form-urlencoded"}),
        }  # fmt: skip
    with _client(server, "192.0.2.98") as guesser:
        for _ in range(5):
            _login(guesser, "vera.v", "gissat-losenord-1")
        answers["429"] = _login(guesser, "vera.v", "gissat-losenord-1")
    ok = all(str(a.status_code) == k and _headers_held(a) for k, a in answers.items())
    return [security.Result("web: every error page carries the security headers", ok,
                   ", ".join(f"{k}: {a.status_code}{' with CSP' if _headers_held(a) else ' WITHOUT CSP'}"
                             for k, a in answers.items()))]  # fmt: skip


def query_input(server: Server) -> list[security.Result]:
    results = []
    with _client(server, "192.0.2.97") as http:
        _login(http, "anna.h", PASSWORD)
        for path, says in (("/manuell?sida=²", ""), ("/manuell?senast=9999-12-31", "Ange ett datum mellan")):
            answer = http.get(path)
            results.append(security.Result(f"web: {path} is a Swedish answer, not a 500", answer.status_code == 200
                                  and says in answer.text and _headers_held(answer), f"{answer.status_code}"
                                  + (f", says '{says}…'" if says else "")))  # fmt: skip
    return results


def _raw_controls(text: str) -> list[str]:
    return [f"U+{ord(ch):04X}" for ch in ("\x1b", "\x07", "\u202e", "\x9b") if ch in text]


def control_characters(server: Server) -> list[security.Result]:
    manual = re.findall(r'href="/manuell/([^"?]+)"', _logged_in_get(server, "/manuell"))
    first, second = manual[0], manual[1]
    _cli(server.workspace, "manual", "claim", second)
    _cli(server.workspace, "manual", "resolve", second, "-d", "avslag", "--note", f"Nej {security.ESCAPES}")
    with _client(server, "192.0.2.96") as http:
        _login(http, "anna.h", PASSWORD)
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/drift").text).group(1)  # type: ignore[union-attr]
        http.post(f"/manuell/{first}/ta", data={"csrf_token": token})
        http.post(f"/manuell/{first}/avsluta", data={"csrf_token": token, "decision": "avslag",
                                                     "note": f"Avslag {security.ESCAPES}"})  # fmt: skip
        typed = http.get(f"/manuell/{first}").text
        from_cli = http.get(f"/manuell/{second}").text
    return [
        security.Result("web: a note typed with ESC, BEL, U+202E is shown without them", "Avslag" in typed
               and not _raw_controls(typed), f"raw in page: {_raw_controls(typed) or 'none'}"),
        security.Result("web: a note from the CLI with ESC, BEL, U+202E is shown as visible escapes", "Nej" in from_cli
               and not _raw_controls(from_cli) and "\\u202e" in from_cli,
               f"raw in page: {_raw_controls(from_cli) or 'none'}; shown as \\u202e"),
    ]  # fmt: skip


def _logged_in_get(server: Server, path: str) -> str:
    with _client(server, "192.0.2.95") as http:
        _login(http, "anna.h", PASSWORD)
        return http.get(path).text


# The family -------------------------------------------------------------------------------------------------


def web_bounds() -> list[security.Result]:
    with web_server() as server:
        return big_body(server) + idle_connections(server)


def web_login() -> list[security.Result]:
    with web_server() as server:
        return enumeration(server) + lock_out(server) + breached_password(server)


def web_pages() -> list[security.Result]:
    with web_server() as server:
        return error_pages(server) + query_input(server) + control_characters(server)


def main() -> None:
    results = web_bounds() + web_login() + web_pages()
    for result in results:
        print(result.line())
    sys.exit(1 if any(r.held is False for r in results) else 0)


# Last: bench/security.py imports this module's families, and these use its Result (either may load first).
from bench import security  # noqa: E402

if __name__ == "__main__":
    main()
