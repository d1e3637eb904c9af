"""Months and dates in Swedish: "november 2026", "12 december 2026"."""

from __future__ import annotations

import datetime as dt
import functools
import re
from zoneinfo import ZoneInfo

from robot.clock import SYSTEM, Clock
from robot.swedish.numbers import NONE

MONTH_NAMES = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
STOCKHOLM = ZoneInfo("Europe/Stockholm")


_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


@functools.lru_cache(maxsize=512)  # the chain names the same few months in every verdict
def month_name(month: str | None) -> str:
    """ "2026-11" → "november 2026"; anything that is not a month as it is ("–" for none)."""
    if not month or not _MONTH.fullmatch(month):
        return month or NONE
    return f"{MONTH_NAMES[int(month[5:7]) - 1]} {month[:4]}"


def day_text(day: dt.date) -> str:
    """ 2026-12-12 → "12 december 2026"."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def local_date(moment: dt.datetime | None) -> str:
    """An instant as its date in Sweden, ÅÅÅÅ-MM-DD (for lists and tables); "–" for none."""
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d") if moment else NONE


def local_time(moment: dt.datetime | str | None, *, seconds: bool = False) -> str:
    """An instant as date and time in Sweden with its zone, ÅÅÅÅ-MM-DD TT:MM CET (CEST in summer); "–" for
    none. The one way every page and command shows a time. An ISO 8601 text is read first; a naive
    instant is taken as UTC (how the database hands some back)."""
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment)
        except ValueError:
            return moment or NONE
    if moment is None:
        return NONE
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else "") + " %Z")


def today(clock: Clock = SYSTEM) -> dt.date:
    """The date in Sweden now (by `clock`): the as-of date of an evaluation."""
    return clock.now().astimezone(STOCKHOLM).date()
