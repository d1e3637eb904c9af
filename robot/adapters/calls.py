"""How a failed call to a register service is sorted: worth another try, a certificate problem, or neither."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from robot.adapters.register_source import RegisterUnavailable

if TYPE_CHECKING:
    from tenacity import RetryCallState

TRANSIENT_STATUS = frozenset({408, 429})
"""HTTP statuses worth another try besides 5xx."""
T = TypeVar("T")


class Transient(Exception):
    """A failure worth another try; the message is the reason, free of personal data."""


class CertificateRefused(RegisterUnavailable):
    """TLS failed over a certificate (the server's not trusted, or ours refused): never retried at once; the
    application waits like for an outage, and ops must act (the message says what TLS said)."""


def backoff(attempt: int, initial: float, maximum: float) -> float:
    """The wait after failed attempt n: initial × 2^(n−1), capped at `maximum`, plus up to `initial` of jitter."""
    return min(initial * 2 ** (attempt - 1), maximum) + random.uniform(0, initial)


async def retrying(
    attempt: Callable[[], Awaitable[T]],
    tries: int,
    initial: float,
    maximum: float,
    on_retry: Callable[[int, float, str], None],
) -> T:
    """`attempt()`, tried again after each `Transient` failure with `backoff`, at most `tries` times in all;
    the last `Transient` is raised. `on_retry(n, wait, reason)` before each wait.

    The first attempt runs without tenacity: most calls succeed at once, and building the retry machinery
    for each of them cost more CPU than the call's HTTP. Nor is tenacity imported until a call fails.
    """
    try:
        return await attempt()
    except Transient as exc:
        if tries == 1:
            raise
        wait = backoff(1, initial, maximum)
        on_retry(1, wait, str(exc))
    await asyncio.sleep(wait)
    from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

    def before_sleep(state: RetryCallState) -> None:
        outcome = state.outcome
        reason = str(outcome.exception()) if outcome is not None and outcome.failed else "?"
        on_retry(state.attempt_number + 1, state.upcoming_sleep, reason)

    async for attempt_ in AsyncRetrying(
        stop=stop_after_attempt(tries - 1),
        # Attempt n of this loop is attempt n + 1 of the call: its wait continues the same backoff.
        wait=lambda state: backoff(state.attempt_number + 1, initial, maximum),
        retry=retry_if_exception_type(Transient),
        before_sleep=before_sleep,
        reraise=True,
    ):
        with attempt_:
            return await attempt()
    raise AssertionError("unreachable")  # pragma: no cover
