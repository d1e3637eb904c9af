"""Processing one claimed application: register data, the chain, and what should happen next.

Business outcomes are final (a manual verdict is never retried). When the register cannot answer,
or an error occurs, the retry policy (`retry.py`) decides between trying again later and a manual
item; any fault becomes one of the two, never a silent pass. A salary the employer has not declared
yet (ARBETSGIVARDEKLARATION_VANTAS) waits until the declaration day, never past the cut-off; after
the cut-off the verdict is manual with that reason.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from robot.adapters.register_source import RegisterRequest, RegisterSource, RegisterUnavailable, all_unavailable
from robot.chain.engine import evaluate
from robot.chain.inputs import Circumstances, HouseholdHistory
from robot.chain.reliefs import has_childrens_work_income, history_from_verdicts
from robot.chain.ruleset import Ruleset
from robot.chain.stickprov import StickprovInput
from robot.clock import Clock
from robot.formats import period as months
from robot.formats.application import Application, NotAnApplication, parse_application
from robot.formats.reasons import Code
from robot.formats.register import EMPTY_REGISTER, Authority
from robot.logs import redact
from robot.queue import households
from robot.queue.claims import Claimed
from robot.queue.outcomes import Outcome, VerdictOutcome
from robot.swedish.dates import STOCKHOLM, today
from robot.worker.database import FIRST_DELAY, next_delay, unreachable, waiting_out
from robot.worker.retry import RetryPolicy

# Exceptions whose messages are our own or a library's and carry no personal data (and httpx's HTTPError).
_SAFE_MESSAGES = (RegisterUnavailable, TimeoutError, ConnectionError, OSError)


HouseholdLookup = Callable[[Application], HouseholdHistory | None]
"""The household's year so far from the robot's own earlier verdicts (None: not known)."""


@dataclass
class Processor:
    retry: RetryPolicy
    ruleset: Ruleset
    source: RegisterSource
    stickprov: StickprovInput
    clock: Clock
    household: HouseholdLookup | None = None
    chain_cpu_seconds: float = 0.0
    """CPU spent reading applications and running the chain (the rest of the loop's is the register path)."""
    _needed: dict[str, frozenset[Authority]] = field(default_factory=dict, init=False, repr=False)

    async def process(self, claimed: Claimed) -> Outcome:
        started = time.perf_counter()
        try:
            return await self._process(claimed, started)
        except Exception as exc:  # any fault becomes a retry or a manual item, never a silent pass
            return self.retry.after_error(claimed, self.clock.now(), describe(exc), _ms(started))

    async def _process(self, claimed: Claimed, started: float) -> Outcome:
        if self.retry.exhausted(claimed):
            error = f"claimed {claimed.attempt} times without a stored result (worker crashes or lost leases)"
            return self.retry.give_up(claimed, error, _ms(started))
        cpu = time.thread_time()
        try:
            parsed = parse_application(claimed.raw)
        except NotAnApplication as exc:
            return self.retry.give_up(claimed, f"stored document is not a JSON object: {exc}", _ms(started))
        finally:
            self.chain_cpu_seconds += time.thread_time() - cpu
        register = EMPTY_REGISTER
        app = parsed.application
        if app is not None:
            request = RegisterRequest(
                application_id=app.application_id,
                period=app.period,
                persons=tuple(adult.personnummer for _, adult in app.adults()),
                authorities=self._authorities(app.period),
            )
            try:
                register = await self.source.fetch(request)
            except RegisterUnavailable as exc:
                if self.clock.now() < claimed.cutoff:
                    return self.retry.wait_for_register(
                        claimed, self.clock.now(), f"SSBTEK unavailable: {exc}", _ms(started)
                    )
                register = all_unavailable(request)
        circumstances = Circumstances(as_of=today(self.clock), household=await self._household(app))
        cpu = time.thread_time()
        evaluation = evaluate(parsed, register, self.ruleset, self.stickprov, circumstances=circumstances)
        self.chain_cpu_seconds += time.thread_time() - cpu
        codes = evaluation.verdict.reason_codes()
        if Code.SSBTEK_EJ_TILLGANGLIG in codes and self.clock.now() < claimed.cutoff:
            missing = sorted({a.value for p in evaluation.register.persons.values() for a in p.unavailable})
            error = f"SSBTEK authorities answered with errors: {','.join(missing) or 'AF 502'}"
            return self.retry.wait_for_register(claimed, self.clock.now(), error, _ms(started))
        if Code.ARBETSGIVARDEKLARATION_VANTAS in codes and self.clock.now() < claimed.cutoff:
            known = next(s.facts["salary_known_from"] for s in evaluation.verdict.steps if "salary_known_from" in s.facts)
            until = dt.datetime.combine(dt.date.fromisoformat(known), dt.time(), STOCKHOLM)
            error = f"salary not yet declared by the employer (until {known})"
            return self.retry.wait_until(claimed, until, error, _ms(started))
        adults = tuple(adult.personnummer for _, adult in app.adults()) if app is not None else ()
        return VerdictOutcome(claimed, evaluation, self.ruleset, self.stickprov.rate_override, _ms(started), adults)

    def _authorities(self, period: str) -> frozenset[Authority]:
        """The authorities the ruleset needs for `period`, worked out once per period (the ruleset does not change)."""
        needed = self._needed.get(period)
        if needed is None:
            needed = self._needed[period] = self.ruleset.required_authorities(period)
        return needed

    async def _household(self, app: Application | None) -> HouseholdHistory | None:
        """Looked up only where it matters (a child with work income): one query, off the event loop.

        A database outage is waited out here, as the loop waits out its own (`DatabaseThread.patiently`):
        it is no fault of the application's, so it must not cost an attempt and a retry's back-off (which
        left the application waiting past the end of a batch). A lost lease meanwhile makes the result
        stale, and the application is processed again by whoever holds it then."""
        if app is None or self.household is None or not has_childrens_work_income(app):
            return None
        delay = FIRST_DELAY
        while True:
            try:
                return await asyncio.to_thread(self.household, app)
            except DBAPIError as exc:
                error = unreachable(exc)
                if error is None:
                    raise
                waiting_out(error, delay, stage="household")
                await asyncio.sleep(delay)
                delay = next_delay(delay)


def household_from_verdicts(engine: Engine) -> HouseholdLookup:
    """The household's year so far from the verdicts stored in `engine` (`queue.households`)."""

    def lookup(app: Application) -> HouseholdHistory | None:
        adults = [adult.personnummer for _, adult in app.adults()]
        earlier = households.earlier_verdicts(engine, adults, app.period, app.application_id)
        return history_from_verdicts(earlier, months.shift(app.period, -1))

    return lookup


def describe(exc: BaseException) -> str:
    """An error for ops: the type, and the message only where it cannot hold personal data."""
    if isinstance(exc, _SAFE_MESSAGES) or _is_httpx_error(exc):
        return redact(f"{type(exc).__name__}: {str(exc)[:300]}")
    return type(exc).__name__


def _is_httpx_error(exc: BaseException) -> bool:
    """Only a loaded httpx raises its errors, and a worker loads it only where it needs it (an HTTP outbox, the
    case system, AGI): not at start."""
    httpx = sys.modules.get("httpx")
    return httpx is not None and isinstance(exc, httpx.HTTPError)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
