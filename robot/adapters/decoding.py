"""What every decoder of an agency's answer shares (SSBTEK's parts, the employer declarations): errors, amounts, dates.

A decoder either returns what the answer says or raises `PayloadError`; the adapter then puts that
authority in the person's `unavailable` (never "no income"). A `PayloadError` carries a `felkod`
for logs and ops: `UNREADABLE` when the answer does not have the expected form, or a specific code
when the answer is readable but says, or contains something that means, that its data cannot be
used as it stands (an unknown benefit, a provider that was not available, an error status). Its
message names fields and codes, never values that could be personal data.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from robot.formats.application import MAX_AMOUNT
from robot.formats.period import is_month, of

UNREADABLE = "UNREADABLE"


class PayloadError(ValueError):
    """An authority's answer that cannot be used. `felkod` says why, for logs (no personal data)."""

    def __init__(self, message: str, felkod: str = UNREADABLE):
        super().__init__(message)
        self.felkod = felkod


_CODE = re.compile(r"[^A-Za-z0-9:._ÅÄÖåäö -]")
_LONG_NUMBER = re.compile(r"[0-9]{6,}")


def code_text(value: Any) -> str:
    """A code from an answer, safe to put in a message or a log line: at most 24 characters, odd
    characters replaced, and no long digit run (which could be a personnummer) kept."""
    return _LONG_NUMBER.sub("#", _CODE.sub("?", str(value)))[:24]


def kronor(value: Any, where: str) -> Decimal:
    """A number from an answer as Decimal; raises PayloadError when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise PayloadError(f"{where}: not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise PayloadError(f"{where}: not a number") from None
    if not number.is_finite():
        raise PayloadError(f"{where}: not a number")
    return number


def whole_kronor(value: Any, where: str) -> int:
    """An amount as whole kronor (half up), between 0 and the register's maximum."""
    return rounded_kronor(kronor(value, where), where)


def rounded_kronor(number: Decimal, where: str) -> int:
    """A Decimal sum (after arithmetic on an answer's amounts) as whole kronor (half up), checked."""
    if not -1 <= number <= MAX_AMOUNT + 1:  # before rounding: 1e28 has more digits than the context holds
        raise PayloadError(f"{where}: outside 0–{MAX_AMOUNT}")
    return checked_amount(int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP)), where)


def checked_amount(amount: int, where: str) -> int:
    if not 0 <= amount <= MAX_AMOUNT:
        raise PayloadError(f"{where}: outside 0–{MAX_AMOUNT}")
    return amount


def iso_date(text: Any, where: str) -> dt.date:
    """An xs:date as written by the agencies: `YYYY-MM-DD`, possibly with a time zone (`2016-11-18+01:00`)."""
    if not isinstance(text, str):
        raise PayloadError(f"{where}: not a date")
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise PayloadError(f"{where}: not a date") from None


def month_of_date(text: Any, where: str) -> str:
    """The month (`YYYY-MM`) of a date `YYYY-MM-DD…`, or of a month given as `YYYY-MM`."""
    if isinstance(text, str) and is_month(text.strip()):
        return text.strip()
    return of(iso_date(text, where))


def base64_bytes(text: str, where: str) -> bytes:
    """The bytes of an xs:base64Binary element's text (line breaks allowed)."""
    try:
        return base64.b64decode(text, validate=True)  # the common case, one line: no copy without whitespace
    except (binascii.Error, ValueError):
        pass
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise PayloadError(f"{where}: not base64") from None


def twelve_digit(personnummer: str, sekel: str | None = None) -> str:
    """A personnummer with its century: as given when it has 12 digits, else `sekel` + the 10 digits."""
    digits = personnummer.strip()
    if len(digits) == 10 and sekel:
        return sekel.strip() + digits
    return digits
