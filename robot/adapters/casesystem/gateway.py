"""HTTP through the municipality's API gateway: OAuth2 client credentials, optional mutual TLS, bounds.

The client is authlib's `AsyncOAuth2Client` (httpx) with the client-credentials grant: the first call
fetches a token at ROBOT_GATEWAY_TOKEN_URL (client id and secret by HTTP Basic), every call carries it
as `Authorization: Bearer`, and a token is fetched anew `renew_before_seconds` before it expires (authlib's
leeway, under its lock: one renewal however many calls wait). As for SSBTEK (adapters/http.py): the
server is always verified (CA bundle, else certifi's), the client certificate is used when configured,
plain http only for an address on this machine, redirects are never followed, every call has a
connect and a read timeout and an overall deadline, and an answer larger than `max_answer_bytes` is
refused while it is read. Failures are `GatewayError`s whose message names no person.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError

from robot.adapters.http import env_proxy
from robot.adapters.tls import Endpoint, client_context, is_local
from robot.config import Settings

USER_AGENT = "bistandsrobot-casesystem"


class GatewayError(Exception):
    """A call did not get a usable answer; `transient` when another try later may work."""

    def __init__(self, message: str, *, transient: bool = True, status: int | None = None):
        super().__init__(message)
        self.transient = transient
        self.status = status


def _oauth_client_class() -> Any:
    # authlib ≥1.7 prefers the httpx2 package and warns when it falls back to httpx (which it supports).
    import authlib.deprecate  # its import adds an "always" filter for its warnings: before ours, not over it

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
        from authlib.integrations.httpx_client import AsyncOAuth2Client
    return AsyncOAuth2Client


def check_settings(settings: Settings) -> None:
    """Refuse settings that would not work or not be safe, naming the variable to fix (at start)."""
    cm, gw = settings.caremanagement, settings.gateway
    needed = {
        "ROBOT_CAREMANAGEMENT_URL": cm.url, "ROBOT_PARTY_URL": settings.party.url,
        "ROBOT_GATEWAY_TOKEN_URL": gw.token_url, "ROBOT_GATEWAY_CLIENT_ID": gw.client_id,
        "ROBOT_GATEWAY_CLIENT_SECRET": gw.client_secret,
    }  # fmt: skip
    missing = [name for name, value in needed.items() if not value]
    if missing:
        raise ValueError(f"ROBOT_CASESYSTEM=caremanagement needs {', '.join(missing)}")
    for name, url in (("ROBOT_CAREMANAGEMENT_URL", cm.url), ("ROBOT_PARTY_URL", settings.party.url),
                      ("ROBOT_GATEWAY_TOKEN_URL", gw.token_url)):  # fmt: skip
        scheme = httpx.URL(str(url)).scheme
        if scheme not in ("http", "https"):
            raise ValueError(f"{name}: {url!r} is not an http(s) URL")
        if scheme == "http" and not is_local(str(url)):
            raise ValueError(f"{name}: the gateway is called over https; http is only for a stub on this machine")
        if scheme == "http" and cm.client_cert is not None:
            raise ValueError(f"{name}: a client certificate is configured, so the gateway must be called over https")
    if cm.client_key is not None and cm.client_cert is None:
        raise ValueError("ROBOT_CAREMANAGEMENT_CLIENT_KEY is set without ROBOT_CAREMANAGEMENT_CLIENT_CERT")


class Gateway:
    """One authenticated, bounded HTTP client for every call to caremanagement and party."""

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None):
        check_settings(settings)
        cm, gw = settings.caremanagement, settings.gateway
        assert gw.client_secret is not None and cm.url is not None
        endpoint = Endpoint("caremanagement", "ROBOT_CAREMANAGEMENT", cm.url, cm.client_cert, cm.client_key,
                            cm.ca_bundle)  # fmt: skip
        self.max_answer_bytes = cm.max_answer_bytes
        self.deadline = cm.connect_timeout_seconds + 2 * cm.timeout_seconds
        self._first_token = asyncio.Lock()
        self._client = _oauth_client_class()(
            client_id=gw.client_id,
            client_secret=gw.client_secret.get_secret_value(),
            scope=gw.scope,
            token_endpoint=gw.token_url,
            grant_type="client_credentials",
            leeway=gw.renew_before_seconds,
            timeout=httpx.Timeout(cm.timeout_seconds, connect=cm.connect_timeout_seconds),
            follow_redirects=False,
            verify=client_context(endpoint),
            proxy=env_proxy(cm.url),
            trust_env=False,
            transport=transport,
            headers={
                "user-agent": USER_AGENT,
                "accept": "application/json, application/problem+json",
                "accept-encoding": "identity",
            },  # never ask for compression: no zip bombs
        )

    async def call(self, method: str, url: str, *, params: dict[str, Any] | None = None,
                   body: Any = None) -> tuple[int, Any, httpx.Headers]:  # fmt: skip
        """One call: (status, the JSON answer or None, headers). Raises GatewayError, never for a 4xx
        the caller expects to read (404); 401/403 and 5xx are errors."""
        try:
            async with asyncio.timeout(self.deadline):
                await self._ensure_token()
                content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
                headers = {"content-type": "application/json"} if content is not None else None
                async with self._client.stream(method, url, params=params, content=content, headers=headers) as answer:
                    raw = b"" if 300 <= answer.status_code < 400 else await self._read(answer)
        except TimeoutError:
            raise GatewayError(f"no complete answer within {self.deadline:g} s") from None
        except httpx.TimeoutException:
            raise GatewayError("timeout") from None
        except httpx.HTTPError as exc:
            raise GatewayError(f"transport error ({type(exc).__name__})") from None
        except GatewayError:
            raise
        except (AuthlibBaseError, ValueError, KeyError) as exc:  # the token endpoint said no, or nothing usable
            raise GatewayError(f"no token from the gateway ({type(exc).__name__})", transient=True) from None
        status = answer.status_code
        if 300 <= status < 400:
            raise GatewayError(f"HTTP {status}: redirects are not followed", transient=False, status=status)
        if status in (401, 403):
            self._client.token = None  # a token without expires_in is never renewed by age: fetch anew next call
            raise GatewayError(f"HTTP {status}: the gateway refused the robot's token", status=status)
        if status >= 500:
            raise GatewayError(f"HTTP {status}", status=status)
        try:
            value = json.loads(raw) if raw else None
        except ValueError:
            raise GatewayError(f"HTTP {status}: the answer is not JSON", status=status) from None
        return status, value, answer.headers

    async def _ensure_token(self) -> None:
        if self._client.token:
            return
        async with self._first_token:
            if not self._client.token:
                await self._client.fetch_token()

    async def _read(self, answer: httpx.Response) -> bytes:
        limit = self.max_answer_bytes
        length = answer.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            raise GatewayError(f"the answer is larger than {limit} bytes", transient=False)
        chunks, size = [], 0
        try:
            async for chunk in answer.aiter_raw():
                size += len(chunk)
                if size > limit:
                    raise GatewayError(f"the answer is larger than {limit} bytes", transient=False)
                chunks.append(chunk)
        except httpx.StreamConsumed:  # an answer httpx already holds in memory (a transport in tests)
            chunks, size = [answer.content], len(answer.content)
            if size > limit:
                raise GatewayError(f"the answer is larger than {limit} bytes", transient=False) from None
        return b"".join(chunks)

    async def aclose(self) -> None:
        await self._client.aclose()
