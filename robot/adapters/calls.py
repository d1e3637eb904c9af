"""How a failed call to a register service is sorted: worth another try, a certificate problem, or neither."""

from __future__ import annotations

import random

from robot.adapters.register_source import RegisterUnavailable

TRANSIENT_STATUS = frozenset({408, 429})
"""HTTP statuses worth another try besides 5xx."""


class Transient(Exception):
    """A failure worth another try; the message is the reason, free of personal data."""


class CertificateRefused(RegisterUnavailable):
    """TLS failed over a certificate (the server's not trusted, or ours refused): never retried at once; the
    application waits like for an outage, and ops must act (the message says what TLS said)."""


def backoff(attempt: int, initial: float, maximum: float) -> float:
    """The wait after failed attempt n: initial × 2^(n−1), capped at `maximum`, plus up to `initial` of jitter."""
    return min(initial * 2 ** (attempt - 1), maximum) + random.uniform(0, initial)
