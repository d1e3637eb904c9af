"""Reading the handläggare's form input: what they typed, or what is wrong with it in Swedish,
naming the form field (the same names casework's errors use: `decision`, `amount`, `note`,
`stickprov_correct`)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from robot.casework import Invalid
from robot.formats.period import FIRST_DAY, LAST_DAY
from robot.swedish.dates import STOCKHOLM

DECISIONS = ("bifall", "delavslag", "avslag", "overlamnad")
"""The decisions a handläggare can take on a manual item, in the order the form offers them."""
_AMOUNT = re.compile(r"^[0-9]{1,8}$")


@dataclass
class Resolution:
    decision: str
    amount: int | None
    note: str | None
    stickprov_correct: bool | None
    confirm_amount: bool = False
    """The handläggare confirmed an amount far from the robot's proposal (casework asks for it)."""
    errors: dict[str, str] = field(default_factory=dict)
    """Form field → what is wrong with it (Swedish)."""


class FormErrors(Invalid):
    """Several fields at fault at once (form field → Swedish message)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()), next(iter(errors)))
        self.errors = errors


def amount(text: str | None) -> tuple[int | None, str | None]:
    """Whole kronor as typed ("13 370", "13370 kr"): the amount, or why it cannot be read."""
    cleaned = (text or "").replace("\u00a0", "").replace(" ", "").removesuffix("kr")
    if not cleaned:
        return None, None
    if not _AMOUNT.match(cleaned):
        return None, "Ange beloppet i hela kronor med siffror, till exempel 13 370."
    return int(cleaned), None


def resolution(
    decision: str, amount_text: str, note: str, stickprov: str, is_stickprov: bool, confirm: str = ""
) -> Resolution:
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = "Välj ett beslut: bifall, delavslag, avslag eller överlämnad till verksamhetssystemet."
    value, problem = amount(amount_text)
    if problem:
        errors["amount"] = problem
    correct = {"korrekt": True, "felaktig": False}.get(stickprov)
    if is_stickprov and correct is None:
        errors["stickprov_correct"] = "Ärendet är ett stickprov: ange om ansökan var korrekt."
    confirmed = confirm == "ja"
    return Resolution(
        decision, value, plain(note).strip() or None, correct if is_stickprov else None, confirmed, errors
    )


_UNSEEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Controls (ESC, BEL, C1), format characters (bidi overrides such as U+202E, zero-width), separators."""


def plain(text: str) -> str:
    """A typed note without control, format or separator characters: line breaks become "\n", a tab
    a space, and escape sequences, bidi overrides and zero-width characters are dropped (the page
    would show them, and U+202E reverses what follows)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if text.isascii() and text.replace("\n", "").isprintable():
        return text
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in _UNSEEN)


# The dates a filter takes (the robot's calendar): 9999-12-31 or 0001-01-01 would overflow a day later, or in UTC.
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def day(text: str | None) -> tuple[dt.date | None, str | None]:
    """A date typed as ÅÅÅÅ-MM-DD, between 1900 and 2199."""
    if not text:
        return None, None
    try:
        parsed = dt.date.fromisoformat(text) if _DAY.match(text) else None
    except ValueError:
        parsed = None
    if parsed is None:
        return None, "Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2026-12-19."
    if not FIRST_DAY <= parsed <= LAST_DAY:
        return None, f"Ange ett datum mellan {FIRST_DAY.isoformat()} och {LAST_DAY.isoformat()}."
    return parsed, None


def end_of(day_: dt.date) -> dt.datetime:
    """The first instant after `day_` in Sweden: "due by 19 december" is "before 20 December 00:00"."""
    return dt.datetime.combine(day_ + dt.timedelta(days=1), dt.time(), STOCKHOLM)


def start_of(day_: dt.date) -> dt.datetime:
    return dt.datetime.combine(day_, dt.time(), STOCKHOLM)
