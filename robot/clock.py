"""Time, in one replaceable place: the queue asks a Clock, tests give it a fixed one.

`ROBOT_CLOCK_START` (an ISO 8601 instant with a time zone) makes a `robot` process's clock read that
instant at the Unix time `ROBOT_CLOCK_STARTED_AT` (default: when the process started) and run on at
real speed. Tests and benchmarks set both once, so that every process they start shares one
timeline and nothing they check depends on the day they run. In production neither is set and the
clock is the system's.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field

CLOCK_START_VARIABLE = "ROBOT_CLOCK_START"
CLOCK_STARTED_AT_VARIABLE = "ROBOT_CLOCK_STARTED_AT"


class Clock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass
class FixedClock(Clock):
    at: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC))

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


class StartedClock(Clock):
    """Read `start` at Unix time `started_at` and runs at real speed (leases expire, backoffs come due)."""

    def __init__(self, start: dt.datetime, started_at: float | None = None):
        self.offset = start.astimezone(dt.UTC) - dt.datetime.fromtimestamp(
            time.time() if started_at is None else started_at, dt.UTC
        )

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


def parse_start(value: str) -> dt.datetime:
    """An ISO 8601 instant with a time zone (`2026-12-02T08:00:00Z`); anything else is a ValueError."""
    start = dt.datetime.fromisoformat(value.strip())
    if start.tzinfo is None:
        raise ValueError(f"{CLOCK_START_VARIABLE} needs a time zone, e.g. 2026-12-02T08:00:00Z")
    return start


def from_environment() -> Clock:
    value = os.environ.get(CLOCK_START_VARIABLE, "").strip()
    if not value:
        return Clock()
    started_at = os.environ.get(CLOCK_STARTED_AT_VARIABLE, "").strip()
    try:
        return StartedClock(parse_start(value), float(started_at) if started_at else None)
    except ValueError as exc:
        raise SystemExit(f"robot: {CLOCK_START_VARIABLE}={value!r} is not an ISO 8601 instant: {exc}") from None


SYSTEM = from_environment()
