"""One HTTP POST to a register service, its failures sorted into worth-another-try and not."""

from __future__ import annotations

import asyncio
import random

import httpx

from robot.adapters.register_source import RegisterUnavailable

TRANSIENT_STATUS = frozenset({408, 429})
"""HTTP statuses worth another try besides 5xx."""


class Transient(Exception):
    """A failure worth another try; the message is the reason, free of personal data."""


async def post(
    transport: httpx.AsyncBaseTransport,
    semaphore: asyncio.Semaphore,
    url: httpx.URL,
    headers: httpx.Headers | dict[str, str],
    body: bytes,
    timeout: dict[str, float | None],
    service: str,
) -> httpx.Response:
    """POST `body`, at most as many at once as `semaphore` allows; the whole answer is read.

    Timeouts and network errors raise `Transient`; any other transport failure `RegisterUnavailable`.
    """
    try:
        async with semaphore:
            # A request built here (URL parsed once, headers set) skips httpx's per-call URL merging.
            request = httpx.Request("POST", url, headers=headers, content=body)
            request.extensions["timeout"] = timeout
            return await transport.handle_async_request(request)
    except httpx.TimeoutException as exc:
        raise Transient(f"timeout ({type(exc).__name__})") from None
    except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        raise Transient(f"transport error ({type(exc).__name__})") from None
    except httpx.HTTPError as exc:
        raise RegisterUnavailable(f"{service} cannot be called ({type(exc).__name__})") from None


def backoff(attempt: int, initial: float, maximum: float) -> float:
    """The wait after failed attempt n: initial × 2^(n−1), capped at `maximum`, plus up to `initial` of jitter."""
    return min(initial * 2 ** (attempt - 1), maximum) + random.uniform(0, initial)
