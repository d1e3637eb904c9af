"""The retry policy: when a failed attempt is tried again, and when it becomes a manual item.

- Waiting for SSBTEK (unreachable, or an authority the rules need answered with an error) does not
  use up attempts: RETRY_WAIT with backoff, never past the cut-off (`payment.ssbtek_cutoff_days`
  before payment day); at the cut-off the chain runs with what is missing and the verdict is manual.
- Other technical errors: RETRY_WAIT with backoff up to `queue.max_attempts`, never past the manual
  deadline; then a manual item with reason TEKNISKT_FEL.
- Backoff doubles from `queue.retry_initial_seconds` up to `queue.retry_max_seconds`, with ±20 %
  jitter so that applications that failed together do not come back together.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from robot.config import QueueSettings
from robot.logs import redact
from robot.queue.claims import Claimed
from robot.queue.outcomes import FailureOutcome, Outcome, RetryOutcome


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    initial_seconds: float
    max_seconds: float

    @classmethod
    def from_settings(cls, queue: QueueSettings) -> RetryPolicy:
        return cls(queue.max_attempts, queue.retry_initial_seconds, queue.retry_max_seconds)

    def backoff(self, n: int) -> float:
        """Seconds to wait after the n-th retry (from 0), with jitter."""
        base = self.initial_seconds * (2 ** max(0, min(n, 20)))
        return min(self.max_seconds, base) * random.uniform(0.8, 1.2)

    def exhausted(self, claimed: Claimed) -> bool:
        """Claimed more often than allowed without a stored result (worker crashes or lost leases)."""
        return claimed.attempt > self.max_attempts

    def wait_for_register(self, claimed: Claimed, now: dt.datetime, error: str, duration_ms: int) -> RetryOutcome:
        """SSBTEK could not answer before the cut-off: wait (the attempt does not count), at the latest until the cut-off."""
        next_at = min(now + dt.timedelta(seconds=self.backoff(claimed.waits)), claimed.cutoff)
        return RetryOutcome(claimed, next_at, redact(error), False, duration_ms)

    def wait_until(self, claimed: Claimed, until: dt.datetime, error: str, duration_ms: int) -> RetryOutcome:
        """Data that is due on a known day (an employer declaration): wait until then, never past the cut-off."""
        return RetryOutcome(claimed, min(until, claimed.cutoff), redact(error), False, duration_ms)

    def after_error(self, claimed: Claimed, now: dt.datetime, error: str, duration_ms: int) -> Outcome:
        """A technical error: try again later, or, after the last attempt or past the deadline, a manual item."""
        next_at = now + dt.timedelta(seconds=self.backoff(claimed.attempt - 1))
        if claimed.attempt >= self.max_attempts or next_at >= claimed.deadline:
            return self.give_up(claimed, error, duration_ms)
        return RetryOutcome(claimed, next_at, error, True, duration_ms)

    def give_up(self, claimed: Claimed, error: str, duration_ms: int) -> FailureOutcome:
        return FailureOutcome(claimed, error, self.max_attempts, duration_ms)
