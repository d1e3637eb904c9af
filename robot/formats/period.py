"""Months as `YYYY-MM` strings and the dates the rules derive from them."""

from __future__ import annotations

import datetime as dt
import functools
import re

MONTH_PATTERN = r"^(19[0-9]{2}|2[01][0-9]{2})-(0[1-9]|1[0-2])$"
"""A month from 1900-01 to 2199-12: the rules reach back years from a period (history, control
months), so a year near 1 or 9999 would leave the calendar; no application concerns such a month."""
_MONTH = re.compile(MONTH_PATTERN)
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
"""The days of the months MONTH_PATTERN admits: the robot's calendar, wherever a date is typed or read."""


def is_month(text: str) -> bool:
    return bool(_MONTH.match(text))


@functools.lru_cache(maxsize=1024)  # the chain asks for the same few months in every verdict
def first_day(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def last_day(month: str) -> dt.date:
    return add_months(first_day(month), 1) - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after the month of `day`."""
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


@functools.lru_cache(maxsize=1024)
def shift(month: str, months: int) -> str:
    d = add_months(first_day(month), months)
    return f"{d.year:04d}-{d.month:02d}"


def index(month: str) -> int:
    """Months since year 0: the difference of two is the number of months between them."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
