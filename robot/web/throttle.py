"""Failed logins per (name typed, address), kept in this process over a sliding window.

The name counts whether or not an account has it, so a throttled login looks the same for an
existing account and an unknown one, and a guesser at one address never locks the account for
anyone at another. Names are kept only as a keyed hash (a password typed into the name field is not
kept); the number of (name, address) pairs is bounded, the oldest pairs forgotten first (the
per-address count in the access log still holds then).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections import OrderedDict, deque

MAX_PAIRS = 100_000


class LoginThrottle:
    def __init__(self, max_pairs: int = MAX_PAIRS):
        self._key = secrets.token_bytes(32)
        self._failures: OrderedDict[bytes, deque[dt.datetime]] = OrderedDict()
        self._max_pairs = max_pairs

    def _pair(self, name: str, address: str | None) -> bytes:
        return hmac.new(self._key, f"{name.strip().lower()}\0{address or ''}".encode(), hashlib.sha256).digest()

    def failures(self, name: str, address: str | None, since: dt.datetime) -> int:
        pair = self._pair(name, address)
        times = self._failures.get(pair)
        if times is None:
            return 0
        while times and times[0] < since:
            times.popleft()
        if not times:
            del self._failures[pair]
        return len(times)

    def failed(self, name: str, address: str | None, at: dt.datetime) -> None:
        pair = self._pair(name, address)
        self._failures.setdefault(pair, deque()).append(at)
        self._failures.move_to_end(pair)
        while len(self._failures) > self._max_pairs:
            self._failures.popitem(last=False)
