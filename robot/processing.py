"""Processing one claimed application: register data, the chain, and what should happen next.

Business outcomes are final (a manual verdict is never retried). SSBTEK unavailability waits
(RETRY_WAIT) until the cut-off before payment day and then becomes a manual verdict with reason
SSBTEK_EJ_TILLGANGLIG. A salary the employer has not declared yet (ARBETSGIVARDEKLARATION_VANTAS)
waits until the declaration day, never past the cut-off, and after the cut-off is manual with that
reason. Other technical errors retry with backoff up to the configured attempts
and then become a manual item with reason TEKNISKT_FEL, never later than the manual deadline.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

import httpx

from robot.adapters.register_source import RegisterRequest, RegisterSource, RegisterUnavailable, all_unavailable
from robot.chain.engine import evaluate
from robot.chain.inputs import Circumstances
from robot.chain.ruleset import Ruleset
from robot.chain.stickprov import StickprovInput
from robot.clock import Clock
from robot.config import Settings
from robot.formats.application import NotAnApplication, parse_application
from robot.formats.reasons import Code
from robot.formats.register import EMPTY_REGISTER
from robot.logs import redact
from robot.queue.claims import Claimed
from robot.queue.outcomes import FailureOutcome, Outcome, RetryOutcome, VerdictOutcome
from robot.swedish.dates import STOCKHOLM, today

# Exceptions whose messages are our own or a library's and carry no personal data.
_SAFE_MESSAGES = (RegisterUnavailable, httpx.HTTPError, TimeoutError, ConnectionError, OSError)


@dataclass
class Processor:
    settings: Settings
    ruleset: Ruleset
    source: RegisterSource
    stickprov: StickprovInput
    clock: Clock

    async def process(self, claimed: Claimed) -> Outcome:
        started = time.perf_counter()
        try:
            return await self._process(claimed, started)
        except Exception as exc:  # any fault becomes a retry or a manual item, never a silent pass
            return self.technical_error(claimed, exc, started)

    async def _process(self, claimed: Claimed, started: float) -> Outcome:
        max_attempts = self.settings.queue.max_attempts
        if claimed.attempt > max_attempts:
            error = f"claimed {claimed.attempt} times without a stored result (worker crashes or lost leases)"
            return FailureOutcome(claimed, error, max_attempts, _ms(started))
        try:
            parsed = parse_application(claimed.raw)
        except NotAnApplication as exc:
            return FailureOutcome(claimed, f"stored document is not a JSON object: {exc}", max_attempts, _ms(started))
        register = EMPTY_REGISTER
        app = parsed.application
        if app is not None:
            request = RegisterRequest(
                application_id=app.application_id,
                period=app.period,
                persons=tuple(adult.personnummer for _, adult in app.adults()),
                authorities=self.ruleset.required_authorities(app.period),
            )
            try:
                register = await self.source.fetch(request)
            except RegisterUnavailable as exc:
                if self.clock.now() < claimed.cutoff:
                    return self._wait(claimed, f"SSBTEK unavailable: {exc}", started)
                register = all_unavailable(request)
        circumstances = Circumstances(as_of=today(self.clock))
        evaluation = evaluate(parsed, register, self.ruleset, self.stickprov, circumstances=circumstances)
        codes = evaluation.verdict.reason_codes()
        if Code.SSBTEK_EJ_TILLGANGLIG in codes and self.clock.now() < claimed.cutoff:
            missing = sorted({a.value for p in evaluation.register.persons.values() for a in p.unavailable})
            return self._wait(
                claimed, f"SSBTEK authorities answered with errors: {','.join(missing) or 'AF 502'}", started
            )
        if Code.ARBETSGIVARDEKLARATION_VANTAS in codes and self.clock.now() < claimed.cutoff:
            known = next(s.facts["salary_known_from"] for s in evaluation.verdict.steps if "salary_known_from" in s.facts)
            until = dt.datetime.combine(dt.date.fromisoformat(known), dt.time(), STOCKHOLM)
            return self._wait(claimed, f"salary not yet declared by the employer (until {known})", started, until)
        return VerdictOutcome(claimed, evaluation, self.ruleset, self.stickprov.rate_override, _ms(started))

    def _wait(self, claimed: Claimed, error: str, started: float, until: dt.datetime | None = None) -> RetryOutcome:
        now = self.clock.now()
        delay = _backoff(self.settings, claimed.waits)
        next_at = min(until or now + dt.timedelta(seconds=delay), claimed.cutoff)
        return RetryOutcome(claimed, next_at, redact(error), False, _ms(started))

    def technical_error(self, claimed: Claimed, exc: BaseException, started: float) -> Outcome:
        error = describe(exc)
        now = self.clock.now()
        max_attempts = self.settings.queue.max_attempts
        next_at = now + dt.timedelta(seconds=_backoff(self.settings, claimed.attempt - 1))
        if claimed.attempt >= max_attempts or next_at >= claimed.deadline:
            return FailureOutcome(claimed, error, max_attempts, _ms(started))
        return RetryOutcome(claimed, next_at, error, True, _ms(started))


def describe(exc: BaseException) -> str:
    """An error for ops: the type, and the message only where it cannot hold personal data."""
    if isinstance(exc, _SAFE_MESSAGES):
        return redact(f"{type(exc).__name__}: {str(exc)[:300]}")
    return type(exc).__name__


def _backoff(settings: Settings, n: int) -> float:
    base = settings.queue.retry_initial_seconds * (2 ** max(0, min(n, 20)))
    return min(settings.queue.retry_max_seconds, base) * random.uniform(0.8, 1.2)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
