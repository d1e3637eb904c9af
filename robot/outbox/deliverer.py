"""The deliverer: pending records go to the target one by one, in the order they were written.

One deliverer at a time, across every daemon on the database: a pass starts by taking the lease
`decisions` (robot.queue.outbox), renews it before every try, and writes each result only while
its token is current. A killed deliverer's lease runs out (`output.lease_seconds`) and another
takes over from the first record not marked delivered, so a record can arrive twice (same
`event_id`, same bytes), never not at all, and never from two deliverers at once while the
lease holds (a send's timeouts are kept well inside it).

A record the target does not take is tried again at once a few times (tenacity: `output.retries`,
up to 0.5, 1, 2 … 5 s apart, random), then the pass stops there: the records after it wait, so the case system never
sees a correction before the decision it corrects. The next pass comes after a backoff that
doubles from `output.backoff_initial_seconds` to `output.backoff_max_seconds`. A record still
undelivered after `output.alert_after` is an alert: a warning log line (once a minute while it
lasts), `robot status` and `robot outbox status`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from robot import logs
from robot.clock import SYSTEM, Clock
from robot.config import OutputSettings
from robot.outbox.targets import Target, Undelivered
from robot.queue import outbox
from robot.queue.outbox import Lease, StoredDecision

LOG = logs.get("robot.outbox")
BATCH = 64
ALERT_EVERY_SECONDS = 60.0


class _Quiet:
    def __getattr__(self, level: str) -> Any:
        return lambda *args, **kwargs: None


QUIET = _Quiet()


class LeaseLost(Exception):
    """Another deliverer holds the lease now: stop without writing anything."""


@dataclass
class PassReport:
    delivered: int = 0
    failed: str | None = None
    """Why the pass stopped at a record the target did not take."""
    waiting_until: dt.datetime | None = None
    """The first pending record waits for its backoff until then."""
    busy: bool = False
    """Another deliverer holds the lease."""
    pending_after: int = 0


class Deliverer:
    def __init__(self, engine: Engine, settings: OutputSettings, target: Target | None, owner: str,
                 clock: Clock = SYSTEM, log: Any = LOG):  # fmt: skip
        self.log = log
        """Where it reports; a handläggare's command passes `QUIET` and says in Swedish how it went."""
        self.engine = engine
        self.settings = settings
        self.target = target
        self.owner = owner
        self.clock = clock
        self._renewed = 0.0
        self._alerted = -ALERT_EVERY_SECONDS

    async def run(self, stop: asyncio.Event) -> None:
        """Pass after pass until `stop`; survives anything a database or a target can throw at it."""
        if self.target is None:
            self.log.warning("outbox_without_target", detail="neither ROBOT_OUTPUT_DIR nor ROBOT_OUTPUT_URL is set; "
                        "decision records wait in the outbox")  # fmt: skip
        else:
            self.log.info("outbox_started", target=self.target.name, owner=self.owner)
        while not stop.is_set():
            try:
                if self.target is not None:
                    await self.deliver_pending(stop=stop)
                await self.alert_if_overdue()
            except Exception as exc:  # the database may be away; the next pass tries again
                self.log.error("outbox_pass_failed", error=type(exc).__name__, owner=self.owner)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.poll_interval_seconds)

    async def deliver_pending(self, *, respect_backoff: bool = True, stop: asyncio.Event | None = None) -> PassReport:
        """One pass: from the first pending record on, until none is left, one fails, or `stop`."""
        assert self.target is not None, "deliver_pending needs a target"
        report = PassReport()
        if not await asyncio.to_thread(outbox.next_pending, self.engine, 1):
            return report
        token = await asyncio.to_thread(outbox.take_lease, self.engine, self.owner, self.settings.lease_seconds,
                                        self.clock.now())  # fmt: skip
        if token is None:
            report.busy = True
            return report
        lease = Lease(self.owner, token, self.settings.lease_seconds)
        self._renewed = time.monotonic()
        try:
            await asyncio.to_thread(self.target.tidy, self.settings.lease_seconds)
            await self._pass(lease, report, respect_backoff, stop)
        except LeaseLost:
            self.log.warning("outbox_lease_lost", owner=self.owner, detail="another deliverer took over; stopping")
        finally:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(outbox.release_lease, self.engine, self.owner, token)
        report.pending_after = await asyncio.to_thread(outbox.pending_count, self.engine)
        return report

    async def _pass(self, lease: Lease, report: PassReport, respect_backoff: bool, stop: asyncio.Event | None) -> None:
        while stop is None or not stop.is_set():
            batch = await asyncio.to_thread(outbox.next_pending, self.engine, BATCH)
            if not batch:
                return
            for record in batch:
                if stop is not None and stop.is_set():
                    return
                now = self.clock.now()
                if respect_backoff and record.next_attempt_at is not None and record.next_attempt_at > now:
                    report.waiting_until = record.next_attempt_at
                    return
                if not await self._deliver(lease, record, report):
                    return

    async def _deliver(self, lease: Lease, record: StoredDecision, report: PassReport) -> bool:
        assert self.target is not None
        try:
            answer, ms = await self._send(lease, record)
        except Undelivered as exc:
            report.failed = str(exc)
            retry_at = self.clock.now() + dt.timedelta(seconds=self.backoff(record.attempts))
            if not await asyncio.to_thread(outbox.postpone, self.engine, lease, record.pk, retry_at, self.clock.now()):
                raise LeaseLost from None
            self.log.warning("decision_delivery_failed", event_id=record.event_id, application_id=record.application_id,
                        error=str(exc), retry_at=retry_at.isoformat(timespec="seconds"), target=self.target.name)  # fmt: skip
            return False
        if not await asyncio.to_thread(outbox.delivered, self.engine, lease, record.pk, self.target.name,
                                       self.clock.now(), ms, answer):  # fmt: skip
            raise LeaseLost
        self._renewed = time.monotonic()
        report.delivered += 1
        self.log.info("decision_delivered", event_id=record.event_id, application_id=record.application_id,
                 duration_ms=ms, target=self.target.name)  # fmt: skip
        return True

    async def _send(self, lease: Lease, record: StoredDecision) -> tuple[str, int]:
        """One try and up to `retries` more, each recorded; the lease renewed first when a third of it has passed."""
        assert self.target is not None
        from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.retries + 1),
            wait=wait_random_exponential(multiplier=0.5, max=5.0),
            retry=retry_if_exception_type(Undelivered),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                if time.monotonic() - self._renewed > lease.seconds / 3:
                    if not await asyncio.to_thread(outbox.renew_lease, self.engine, lease.owner, lease.token,
                                                   lease.seconds, self.clock.now()):  # fmt: skip
                        raise LeaseLost
                    self._renewed = time.monotonic()
                started = time.monotonic()
                try:
                    return await self.target.send(record), int((time.monotonic() - started) * 1000)
                except Undelivered as exc:
                    ms = int((time.monotonic() - started) * 1000)
                    if not await asyncio.to_thread(outbox.failed, self.engine, lease, record.pk, self.target.name,
                                                   self.clock.now(), ms, str(exc)):  # fmt: skip
                        raise LeaseLost from None
                    self._renewed = time.monotonic()
                    raise
        raise AssertionError("unreachable: tenacity reraises the last Undelivered")

    def backoff(self, failures: int) -> float:
        """Seconds before the next pass tries a record that has failed `failures` times before, with jitter."""
        s = self.settings
        return min(s.backoff_max_seconds, s.backoff_initial_seconds * 2 ** min(failures, 20)) * random.uniform(0.8, 1.2)

    async def alert_if_overdue(self) -> dict | None:
        """The outbox summary; a warning line (at most once a minute) while a record is overdue."""
        summary = await asyncio.to_thread(
            outbox.summary, self.engine, self.clock.now(), dt.timedelta(seconds=self.settings.alert_after)
        )
        if summary["overdue"] and time.monotonic() - self._alerted >= ALERT_EVERY_SECONDS:
            self._alerted = time.monotonic()
            oldest = summary["oldest_pending"]
            self.log.warning(
                "decisions_undelivered",
                overdue=summary["overdue"],
                pending=summary["pending"],
                alert_after_minutes=summary["alert_after_minutes"],
                oldest_event_id=oldest["event_id"],
                oldest_waiting_minutes=oldest["waiting_minutes"],
                last_error=oldest["last_error"],
                target=self.target.name if self.target else None,
            )
        return summary
