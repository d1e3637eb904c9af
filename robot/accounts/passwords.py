"""Local account passwords, hashed with Argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile).

A new password is checked against the 30 000 most common passwords of leaked password lists and
scored for how easy it is to guess (zxcvbn, both offline, shipped in the package: OWASP ASVS 2.1.7 and
NIST SP 800-63B 5.1.1.2). `password1234` is in the list; `123456789012` is a sequence.
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 1024
MIN_SCORE = 3
"""zxcvbn's score 0–4; 3 is at least 10^8 guesses ("safely unguessable" online and against a slow hash)."""
SCORED_LENGTH = 72
"""zxcvbn scores at most this many characters (its own limit); a longer password is scored by its start."""

_hasher = PasswordHasher()

DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")
"""Verified against when an account does not exist, so a login takes as long either way."""


def problem(password: str) -> str | None:
    """Why a new password is refused (Swedish), or None."""
    if len(password) < MIN_LENGTH:
        return f"lösenordet måste ha minst {MIN_LENGTH} tecken"
    if len(password) > MAX_LENGTH:
        return f"lösenordet får ha högst {MAX_LENGTH} tecken"
    if password != password.strip():
        return "lösenordet får inte börja eller sluta med blanksteg"
    if password.lower() in _common():
        return "lösenordet finns i listor över vanliga och läckta lösenord: välj ett annat"
    if _score(password) < MIN_SCORE:
        return "lösenordet är för lätt att gissa (ett vanligt ord, en följd eller en upprepning): välj ett längre eller ovanligare"
    return None


@functools.cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _score(password: str) -> int:
    from zxcvbn import zxcvbn

    return int(zxcvbn(password[:SCORED_LENGTH], max_length=SCORED_LENGTH)["score"])


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
