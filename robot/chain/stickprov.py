"""Stickprov draws: a keyed HMAC of application id, period and purpose, as a number in [0, 1).

Unpredictable to applicants (the key is secret) and reproducible for audit (the same key, id and
period always give the same draw). The draws are recorded with each verdict, so a verdict can be
re-run from its recorded inputs even after the key has been rotated.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

DEVELOPMENT_KEY = b"bistandsrobot-development-key-not-secret"
BASE = "bas"


def draw(key: bytes, application_id: str, period: str, purpose: str) -> float:
    message = f"{application_id}|{period}|{purpose}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def cost_purpose(cost_type: str) -> str:
    return f"kostnad:{cost_type}"


@dataclass(frozen=True)
class StickprovInput:
    """What the stickprov step needs besides the rules: the key or recorded draws, and an override.

    `rate_override` comes from ROBOT_STICKPROV_RATE and replaces the base rate; 0 turns every
    random selection off, per cost type included.
    """

    key: bytes = DEVELOPMENT_KEY
    rate_override: float | None = None
    recorded: dict[str, float] | None = field(default=None)
    draw_missing: bool = False
    """With recorded draws: compute a draw the recording lacks (what-if runs under other rates)
    instead of failing (a replay must use exactly what was recorded)."""

    def draw(self, application_id: str, period: str, purpose: str) -> float:
        if self.recorded is not None:
            if purpose in self.recorded:
                return self.recorded[purpose]
            if not self.draw_missing:
                raise KeyError(f"no recorded stickprov draw for {purpose!r}")
        return draw(self.key, application_id, period, purpose)

    def key_fingerprint(self) -> str:
        """Identifies the key without revealing it (shown by `robot config show`)."""
        return hmac.new(self.key, b"fingerprint", hashlib.sha256).hexdigest()[:12]
