"""HTTP to the register services: aiohttp's client, with mutual TLS, proxies and bounds on what a server can
make the robot hold.

Why aiohttp: a maintained client with a C parser (llhttp), limits on header lines, proxies and TLS
contexts; httpx's own transport (httpcore) spent 5–9 ms of CPU per call with 64 calls in flight
against aiohttp's 1 ms (`bench/http_stack.py`, README "Benchmarks").

One `ServiceHttp` per service (SSBTEK, the employer declarations), its aiohttp session opened on
first use in the running event loop:

- TLS with `tls.client_context` (verification always on; the organisation's client certificate).
- A proxy: the service's `proxy` setting, else HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment.
- Bounds: at most `concurrency` calls at once (also the pool's size); a deadline per call covering
  connecting, sending and the whole answer however slowly it drips; at most `max_headers` header lines
  of `max_header_bytes`; an answer of at most `max_answer_bytes`, read only once its bytes are reserved
  in the process's `AnswerBudget`.
- Redirects are never followed: a 3xx is `RegisterUnavailable` naming where it pointed (its Location), as
  an unavailable service for that call. Following one would send the question, personnummer included,
  to another host, past the https-only check of the configured address (issue 22).
- Failures: `Transient` for timeouts and network errors (worth another try); `RegisterUnavailable` for
  an answer beyond the bounds; `CertificateRefused` when TLS fails over a certificate (theirs not
  trusted, ours refused). That one is not retried, is logged as an error at once, and calls to the
  service then fail without a handshake for `certificate_hold_seconds`: a broken certificate costs one
  handshake per period, not one per application. (A server that resets the connection instead of sending
  its TLS alert cannot be told from a network failure, and is retried as one.)
"""

from __future__ import annotations

import asyncio
import ssl
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from robot import logs
from robot.adapters import ca_store
from robot.adapters.budget import AnswerBudget
from robot.adapters.calls import CertificateRefused, Transient
from robot.adapters.register_source import RegisterUnavailable
from robot.adapters.tls import Endpoint, client_context
from robot.config import AgiSettings, HttpSettings, Settings, SsbtekSettings

with ca_store.deferred():
    import aiohttp

log = logs.get("robot.http")

CHUNK = 64 * 1024
KEEPALIVE_SECONDS = 4.0
"""Idle connections are closed after this; servers commonly close them after 5–60 s."""
USER_AGENT = "bistandsrobot"


@dataclass(frozen=True)
class Answer:
    status: int
    content: bytes


class Exchange(Protocol):
    """What a register client needs from HTTP (tests stand in for it)."""

    async def post(self, url: str, headers: Mapping[str, str], body: bytes) -> Answer: ...

    async def aclose(self) -> None: ...


class CallObserver(Protocol):
    """Told about every call (the metrics listen; adapters do not know them)."""

    def call(self, service: str, seconds: float, outcome: str) -> None: ...

    def authority_error(self, authority: str) -> None: ...


class NoObserver:
    def call(self, service: str, seconds: float, outcome: str) -> None:
        pass

    def authority_error(self, authority: str) -> None:
        pass


@dataclass(frozen=True)
class CallBounds:
    concurrency: int
    connect_timeout: float
    read_timeout: float
    deadline: float
    proxy: str | None
    max_headers: int
    max_header_bytes: int
    max_answer_bytes: int
    certificate_hold: float

    @classmethod
    def of(cls, service: SsbtekSettings | AgiSettings, http: HttpSettings) -> CallBounds:
        return cls(service.concurrency, service.connect_timeout_seconds, service.timeout_seconds,
                   service.deadline_seconds, service.proxy, http.max_headers, http.max_header_bytes,
                   http.max_answer_bytes, http.certificate_hold_seconds)  # fmt: skip


class ServiceHttp:
    def __init__(
        self,
        service: str,
        context: ssl.SSLContext | None,
        bounds: CallBounds,
        budget: AnswerBudget,
        observer: CallObserver | None = None,
    ):
        self.service = service
        self.bounds = bounds
        self.budget = budget
        self.observer = observer or NoObserver()
        self._context = context
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(bounds.concurrency)
        self._held_until = 0.0
        self._held_reason = ""

    async def post(self, url: str, headers: Mapping[str, str], body: bytes) -> Answer:
        if time.monotonic() < self._held_until:
            self.observer.call(self.service, 0.0, "certificate")
            raise CertificateRefused(f"{self._held_reason} (calls held for {self.bounds.certificate_hold:g} s)")
        async with self._slots:
            started = time.perf_counter()
            outcome = "error"
            try:
                answer = await self._bounded(url, headers, body)
                outcome = "ok" if answer.status < 400 else f"http_{answer.status // 100}xx"
                return answer
            except CertificateRefused:
                outcome = "certificate"
                raise
            except Transient:
                outcome = "transient"
                raise
            finally:
                self.observer.call(self.service, time.perf_counter() - started, outcome)

    async def _bounded(self, url: str, headers: Mapping[str, str], body: bytes) -> Answer:
        b = self.bounds
        try:
            async with asyncio.timeout(b.deadline):
                try:
                    return await self._exchange(url, headers, body)
                except aiohttp.ConnectionTimeoutError:
                    raise Transient(f"timeout (no connection within {b.connect_timeout:g} s)") from None
                except aiohttp.ServerTimeoutError:
                    raise Transient(f"timeout (no answer within {b.read_timeout:g} s)") from None
        except TimeoutError:
            raise Transient(f"no complete answer within the deadline of {b.deadline:g} s") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise self._sorted(exc) from None

    async def _exchange(self, url: str, headers: Mapping[str, str], body: bytes) -> Answer:
        session = self._session or self._open(url)
        async with session.post(
            url, data=body, headers=headers, proxy=self.bounds.proxy, allow_redirects=False
        ) as response:
            if 300 <= response.status < 400:
                raise RegisterUnavailable(
                    redirect_refused(self.service, response.status, response.headers.get("Location"))
                )
            return Answer(response.status, await self._read(response))

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        """The whole answer, its bytes reserved in the budget before they are read."""
        limit = self.bounds.max_answer_bytes
        length = response.content_length
        if length is not None and length > limit:
            raise RegisterUnavailable(f"{self.service}'s answer is larger than {limit} bytes")
        reserved = min(length if length is not None else CHUNK, limit)
        if not self.budget.try_take(reserved):  # most often free: no waiter to build
            await self.budget.take(reserved)
        chunks: list[bytes] = []
        try:
            size = 0
            content = response.content
            while chunk := await content.read(CHUNK):  # `iter_chunked(CHUNK)`, without its iterator's frames
                size += len(chunk)
                if size > limit:
                    raise RegisterUnavailable(f"{self.service}'s answer is larger than {limit} bytes")
                if size > reserved:  # no length given (or a wrong one): grow, but never wait holding bytes
                    more = min(max(size - reserved, CHUNK), limit - reserved)
                    if not self.budget.try_take(more):
                        raise Transient(
                            "the answers in flight fill the memory budget (http.max_answers_in_flight_bytes)"
                        )
                    reserved += more
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            chunks.clear()  # a failure's traceback keeps this frame alive (retries wait holding it): not its bytes
            self.budget.give(reserved)

    def _sorted(self, exc: BaseException) -> Exception:
        problem = certificate_problem(exc)
        if problem is not None:
            self._held_until = time.monotonic() + self.bounds.certificate_hold
            self._held_reason = f"{self.service}: {problem}"
            log.error("tls.certificate_refused", service=self.service, reason=problem,
                      held_seconds=self.bounds.certificate_hold,
                      fix="renew or correct the client certificate and the CA bundle (ROBOT_*_CLIENT_CERT, _CA_BUNDLE)")  # fmt: skip
            return CertificateRefused(self._held_reason)
        if isinstance(exc, aiohttp.ClientResponseError):  # the parser refused the answer: too many or too long headers
            b = self.bounds
            return RegisterUnavailable(
                f"{self.service}'s answer is not HTTP within the limits ({b.max_headers} header lines of at most "
                f"{b.max_header_bytes} bytes)"
            )
        if isinstance(exc, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError | OSError):
            return Transient(f"transport error ({_NETWORK_ERRORS.get(type(exc), type(exc).__name__)})")
        return RegisterUnavailable(f"{self.service} cannot be called ({type(exc).__name__})")

    def _open(self, url: str) -> aiohttp.ClientSession:
        b = self.bounds
        if self._context is None and (b.proxy is not None or not url.startswith("http://")):
            ca_store.load_deferred()  # TLS without a context of its own: aiohttp's (an https proxy, say)
        connector = aiohttp.TCPConnector(
            ssl=self._context or True, limit=b.concurrency, keepalive_timeout=KEEPALIVE_SECONDS, ttl_dns_cache=300
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=b.connect_timeout, sock_read=b.read_timeout),
            trust_env=False,  # the proxy from the environment is read once (`env_proxy`), not on every call
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            skip_auto_headers=("Accept-Encoding",),  # never ask for compression: no zip bombs
            headers={"User-Agent": USER_AGENT},
            max_line_size=b.max_header_bytes,
            max_field_size=b.max_header_bytes,
            max_headers=b.max_headers,
        )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def service_http(
    endpoint: Endpoint,
    service: SsbtekSettings | AgiSettings,
    settings: Settings,
    budget: AnswerBudget | None = None,
    observer: CallObserver | None = None,
) -> ServiceHttp:
    """The HTTP of one register service from its settings; `budget` shared by every service of the process."""
    bounds = CallBounds.of(service, settings.http)
    return ServiceHttp(
        endpoint.service,
        client_context(endpoint) if endpoint.url.startswith("https") else None,
        replace(bounds, proxy=bounds.proxy or env_proxy(endpoint.url)),
        budget or AnswerBudget(settings.http.max_answers_in_flight_bytes),
        observer,
    )


def redirect_refused(service: str, status: int, location: str | None) -> str:
    """What a refused redirect says: the status and where it pointed (cut short, printable characters only)."""
    where = "".join(c for c in (location or "") if c.isprintable())[:200] or "no Location"
    return f"{service} answered HTTP {status}, a redirect to {where}: redirects are not followed"


def env_proxy(url: str) -> str | None:
    """HTTPS_PROXY (HTTP_PROXY for http) from the environment, unless NO_PROXY names the URL's host."""
    proxies = urllib.request.getproxies_environment()
    parts = urllib.parse.urlsplit(url)
    if not proxies or urllib.request.proxy_bypass_environment(parts.hostname or "", proxies):
        return None
    return proxies.get(parts.scheme)


_NETWORK_ERRORS = {
    aiohttp.ClientConnectorError: "cannot connect",
    aiohttp.ClientConnectorDNSError: "the name does not resolve",
    aiohttp.ServerDisconnectedError: "the server closed the connection",
    aiohttp.ClientPayloadError: "the answer was cut off",
}


def certificate_problem(exc: BaseException) -> str | None:
    """What TLS said about a certificate, anywhere in the exception's causes; None for any other failure."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, aiohttp.ClientConnectorCertificateError):  # aiohttp's wrapper: what TLS said is inside
            todo.append(e.certificate_error)
        elif isinstance(e, ssl.SSLCertVerificationError):
            return f"the server's certificate is not trusted ({e.verify_message or e.reason})"
        elif isinstance(e, ssl.SSLError) and any(word in (e.reason or "") for word in ("CERTIFICATE", "UNKNOWN_CA")):
            return f"the server refused the client certificate ({e.reason})"
        else:
            todo += [e.__cause__, e.__context__, getattr(e, "certificate_error", None), getattr(e, "os_error", None)]
    return None
