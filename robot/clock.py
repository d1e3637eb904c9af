"""Time, in one replaceable place: the queue asks a Clock, tests give it a fixed one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


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


SYSTEM = Clock()
