"""Bands written as text in the rules: ages "4-6", household sizes "3-4" or "5-", months "11-3"."""

from __future__ import annotations

import re

from robot.chain.errors import RulesError

_BAND = re.compile(r"^\s*(\d+)\s*(?:(-)\s*(\d+)?)?\s*$")


def parse_band(text: object, where: str, what: str) -> tuple[int, int | None]:
    """ "3" → (3, 3); "3-4" → (3, 4); "5-" → (5, None) meaning 5 and above."""
    m = _BAND.match(str(text))
    if not m:
        raise RulesError(where, f"{what}: {text!r} är inte ett intervall som 3, 3-4 eller 5-")
    lo = int(m.group(1))
    if not m.group(2):
        return lo, lo
    hi = int(m.group(3)) if m.group(3) else None
    if hi is not None and hi < lo:
        raise RulesError(where, f"{what}: {text!r} slutar innan det börjar")
    return lo, hi


def month_set(text: object, where: str, what: str) -> frozenset[int]:
    """ "11-3" → {11, 12, 1, 2, 3}: a season may wrap over the new year."""
    m = re.match(r"^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$", str(text)) or re.match(r"^\s*(\d{1,2})\s*$", str(text))
    if not m:
        raise RulesError(where, f"{what}: {text!r} är inte ett månadsintervall som 11-3")
    start = int(m.group(1))
    end = int(m.group(2)) if m.lastindex == 2 else start
    if not (1 <= start <= 12 and 1 <= end <= 12):
        raise RulesError(where, f"{what}: månader ska vara 1–12, inte {text!r}")
    months = []
    m_ = start
    while True:
        months.append(m_)
        if m_ == end:
            break
        m_ = m_ % 12 + 1
    return frozenset(months)


def band_text(lo: int, hi: int | None) -> str:
    if hi is None:
        return f"{lo} eller fler"
    return str(lo) if lo == hi else f"{lo}–{hi}"


def household_text(lo: int, hi: int | None) -> str:
    """ "hushåll med 1 person", "hushåll med 3–4 personer", "hushåll med 5 eller fler personer"."""
    return f"hushåll med {band_text(lo, hi)} {'person' if (lo, hi) == (1, 1) else 'personer'}"


def in_band(value: int, lo: int, hi: int | None) -> bool:
    return value >= lo and (hi is None or value <= hi)
