"""Swedish personnummer (and samordningsnummer) in the 12-digit form YYYYMMDDNNNC."""

from __future__ import annotations

import datetime as dt
import re

_TWELVE_DIGITS = re.compile(r"^[0-9]{12}$")


def luhn_ok(digits: str) -> bool:
    """Luhn check over a string of digits (the check digit last)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def birth_date(pnr: str) -> dt.date:
    """Birth date encoded in a personnummer; samordningsnummer have 60 added to the day."""
    year, month, day = int(pnr[0:4]), int(pnr[4:6]), int(pnr[6:8])
    if day > 60:
        day -= 60
    return dt.date(year, month, day)


def problem(pnr: str) -> str | None:
    """Why `pnr` is not a valid personnummer, in Swedish, or None if it is valid."""
    if not _TWELVE_DIGITS.match(pnr):
        return "ska vara 12 siffror (ÅÅÅÅMMDDNNNN)"
    try:
        born = birth_date(pnr)
    except ValueError:
        return "innehåller inget giltigt födelsedatum"
    if born.year < 1890:
        return "innehåller inget giltigt födelsedatum"
    if not luhn_ok(pnr[2:]):
        return "har fel kontrollsiffra"
    return None


def with_check_digit(first_eleven: str) -> str:
    """Complete 11 digits (YYYYMMDDNNN) with the Luhn check digit; for test data and samples."""
    for c in "0123456789":
        if luhn_ok(first_eleven[2:] + c):
            return first_eleven + c
    raise AssertionError("unreachable: one digit always satisfies Luhn")
