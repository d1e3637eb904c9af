"""Local account passwords, hashed with Argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 1024

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
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
