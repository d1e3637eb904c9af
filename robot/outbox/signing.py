"""The `X-Signature` header of an HTTP delivery: `sha256=<hex HMAC-SHA256 of the body with the shared secret>`."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def signature(secret: bytes, body: bytes) -> str:
    return PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether `header` signs `body` with `secret` (compared in constant time)."""
    return header is not None and hmac.compare_digest(signature(secret, body), header.strip())
