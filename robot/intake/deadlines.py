"""When an application may be processed, when its manual item is due, and when SSBTEK waits end.

All three follow from the period and the configured payment day: a payment for period P is made
on P's payment day; a manual item is due `manual_lead_days` before it; SSBTEK retries stop
`ssbtek_cutoff_days` before it, so that a handläggare still has time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from robot.config import Settings
from robot.formats import period as months


@dataclass(frozen=True)
class Deadlines:
    available_at: dt.datetime
    deadline: dt.datetime
    cutoff: dt.datetime


def payment_day(period: str, settings: Settings) -> dt.date:
    start = months.first_day(period)
    return start.replace(day=settings.payment.day)


def deadlines_for(period: str | None, received_at: dt.datetime, settings: Settings) -> Deadlines:
    """An application without a usable period is due at once (it goes to manual handling anyway)."""
    if period is None:
        return Deadlines(received_at, received_at, received_at)
    tz = ZoneInfo(settings.schedule.timezone)
    pay = dt.datetime.combine(payment_day(period, settings), dt.time(0, 0), tz)
    deadline = (pay - dt.timedelta(days=settings.payment.manual_lead_days)).astimezone(dt.UTC)
    cutoff = (pay - dt.timedelta(days=settings.payment.ssbtek_cutoff_days)).astimezone(dt.UTC)
    available = received_at
    if settings.queue.hold_until_batch:
        first_batch = dt.datetime.combine(
            months.first_day(period), dt.time(settings.schedule.hour, settings.schedule.minute), tz
        ).astimezone(dt.UTC)
        available = max(received_at, first_batch)
    return Deadlines(available, deadline, cutoff)
