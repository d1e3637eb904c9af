"""The accounts and the morning the casework tests act as and at."""

from __future__ import annotations

import datetime as dt

from robot.accounts import Actor, Role
from robot.clock import FixedClock

CLOCK = FixedClock(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC))
ANNA = Actor("anna.h", frozenset({Role.HANDLAGGARE}))
BO = Actor("bo", frozenset({Role.HANDLAGGARE}))
TEA = Actor("tea", frozenset({Role.TEAMLEDARE}))
VERA = Actor("vera", frozenset({Role.VERKSAMHET}))
ADA = Actor("ada", frozenset({Role.ADMIN}))
