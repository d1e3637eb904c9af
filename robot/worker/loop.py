"""The worker: claims due applications, processes them concurrently, writes results in batches.

One asyncio loop per process. Register fetches overlap (bounded by `worker.concurrency`); the
chain itself is quick, pure computation; database work runs on one dedicated thread so the loop
never blocks on it. Results are committed as they come, all waiting ones together (up to
`worker.commit_batch`), each verdict still written atomically with its state change.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.exc import DBAPIError, OperationalError

from robot import logs
from robot.clock import SYSTEM, Clock
from robot.config import Settings
from robot.formats.reasons import Code
from robot.queue import claims
from robot.queue.claims import Claimed
from robot.queue.db import read
from robot.queue.outcomes import CommitReport, FailureOutcome, Outcome, RetryOutcome, VerdictOutcome, commit
from robot.queue.schema import applications as A
from robot.queue.states import State
from robot.worker.processing import Processor

log = logs.get("robot.worker")
T = TypeVar("T")
_DONE = object()


@dataclass
class WorkerStats:
    claimed: int = 0
    recommendations: int = 0
    manual: int = 0
    retry_wait: int = 0
    technical_failures: int = 0
    stale: int = 0
    released: int = 0

    @property
    def processed(self) -> int:
        return self.recommendations + self.manual + self.retry_wait + self.technical_failures


def outcome_name(o: Outcome) -> str:
    if isinstance(o, VerdictOutcome):
        return o.evaluation.verdict.outcome
    return "retry_wait" if isinstance(o, RetryOutcome) else "technical_failure"


class Worker:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        processor: Processor,
        worker_id: str,
        clock: Clock = SYSTEM,
        on_written: Callable[[Outcome], None] | None = None,
    ):
        self.engine = engine
        self.settings = settings
        self.processor = processor
        self.worker_id = worker_id
        self.clock = clock
        self.on_written = on_written
        self.stats = WorkerStats()
        self.wake = asyncio.Event()
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="robot-db")
        self._in_hand: dict[int, Claimed] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db, functools.partial(fn, *args))

    async def run(self, stop: asyncio.Event, until_idle: bool = False) -> WorkerStats:
        """Work until `stop` is set (or, with `until_idle`, until nothing is due); then shut down cleanly."""
        q = self.settings.queue
        w = self.settings.worker
        results: asyncio.Queue[Any] = asyncio.Queue()
        committer = asyncio.create_task(self._committer(results, stop))
        renewer = asyncio.create_task(self._renewer())
        last_maintenance = 0.0
        try:
            while not stop.is_set():
                if time.monotonic() - last_maintenance >= q.poll_interval_seconds:
                    await self._with_db_retry(self._maintenance, stop)
                    last_maintenance = time.monotonic()
                free = w.concurrency - len(self._in_hand)
                batch: list[Claimed] = []
                if free >= max(1, min(q.claim_batch, w.concurrency) // 4):
                    claim = functools.partial(
                        claims.claim, self.engine, self.worker_id, min(free, q.claim_batch), q.lease_seconds, self.clock
                    )
                    batch = await self._with_db_retry(claim, stop) or []
                for c in batch:
                    self._in_hand[c.pk] = c
                    self.stats.claimed += 1
                    task = asyncio.create_task(self._process(c, results))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                if batch:
                    continue
                if until_idle and not self._in_hand and not await self._with_db_retry(self.anything_due, stop):
                    break
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wait_for(stop), timeout=q.poll_interval_seconds)
        finally:
            await self._shutdown(results, committer, renewer, stop)
        return self.stats

    async def _wait_for(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(self.wake.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in waiters:
                t.cancel()

    def _maintenance(self) -> None:
        rescued = claims.rescue_expired(self.engine, self.clock)
        due = claims.promote_due_retries(self.engine, self.clock)
        if rescued:
            log.warning("leases_expired", count=rescued, worker_id=self.worker_id)
        if due:
            log.info("retries_due", count=due, worker_id=self.worker_id)

    def anything_due(self) -> bool:
        """Anything to do now: due NEW or RETRY_WAIT applications, or some in progress (here or elsewhere)."""
        now = self.clock.now()
        query = select(func.count()).where(
            or_(
                (A.c.state == State.NEW.value) & (A.c.available_at <= now),
                (A.c.state == State.RETRY_WAIT.value) & (A.c.next_attempt_at <= now),
                A.c.state == State.IN_PROGRESS.value,
            )
        )
        with read(self.engine) as conn:
            return bool(conn.execute(query).scalar())

    async def _process(self, claimed: Claimed, results: asyncio.Queue[Any]) -> None:
        outcome = await self.processor.process(claimed)
        await results.put(outcome)

    async def _committer(self, results: asyncio.Queue[Any], stop: asyncio.Event) -> None:
        """Write results as they come: everything waiting is written together (up to `commit_batch`).

        Under load, results pile up while a write runs, so batches grow by themselves; when results
        trickle in, each is written at once. No result waits for a batch to fill.
        """
        limit = self.settings.worker.commit_batch
        while True:
            batch = [await results.get()]
            while len(batch) < limit and not results.empty():
                batch.append(results.get_nowait())
            outcomes = [o for o in batch if o is not _DONE]
            if outcomes:
                await self._flush(outcomes, stop)
            if len(outcomes) < len(batch):
                return

    async def _flush(self, outcomes: list[Outcome], stop: asyncio.Event) -> None:
        try:
            report = await self._with_db_retry(
                lambda: commit(self.engine, outcomes, self.worker_id, self.clock), stop, give_up_on_stop=True
            )
        except Exception as exc:
            # Not an outage but a failing write: write one by one so that only the culprit is left out.
            log.error("batch_commit_failed", error=type(exc).__name__, count=len(outcomes), worker_id=self.worker_id)
            report = await self._commit_one_by_one(outcomes)
        if report is None:
            log.error(
                "results_not_written",
                count=len(outcomes),
                worker_id=self.worker_id,
                detail="database unavailable at shutdown; leases will expire and the applications be redone",
            )
            for o in outcomes:
                self._in_hand.pop(o.claimed.pk, None)
            return
        for o in report.written:
            self._in_hand.pop(o.claimed.pk, None)
            self._count(o)
            self._log(o)
            if self.on_written:
                self.on_written(o)
        for o in report.stale:
            self._in_hand.pop(o.claimed.pk, None)
            self.stats.stale += 1
            log.warning(
                "result_discarded_lease_lost", application_id=o.claimed.application_id, worker_id=self.worker_id
            )
        self.wake.set()

    async def _commit_one_by_one(self, outcomes: list[Outcome]) -> CommitReport:
        report = CommitReport()
        for o in outcomes:
            try:
                single = await self.db(commit, self.engine, [o], self.worker_id, self.clock)
            except Exception as exc:
                # Left IN_PROGRESS: the lease expires, the application is redone, and after the allowed
                # attempts it becomes a manual item with reason TEKNISKT_FEL.
                self._in_hand.pop(o.claimed.pk, None)
                log.error(
                    "commit_failed",
                    application_id=o.claimed.application_id,
                    error=type(exc).__name__,
                    worker_id=self.worker_id,
                )
                continue
            report.written += single.written
            report.stale += single.stale
        return report

    def _count(self, o: Outcome) -> None:
        if isinstance(o, VerdictOutcome):
            if o.evaluation.verdict.outcome == "recommendation":
                self.stats.recommendations += 1
            else:
                self.stats.manual += 1
        elif isinstance(o, RetryOutcome):
            self.stats.retry_wait += 1
        elif isinstance(o, FailureOutcome):
            self.stats.technical_failures += 1

    def _log(self, o: Outcome) -> None:
        fields: dict[str, Any] = {
            "application_id": o.claimed.application_id,
            "outcome": outcome_name(o),
            "duration_ms": o.duration_ms,
            "attempt": o.claimed.attempt,
            "worker_id": self.worker_id,
        }
        if isinstance(o, VerdictOutcome):
            fields["reasons"] = o.evaluation.verdict.reason_codes()
            fields["stickprov"] = o.evaluation.verdict.stickprov
        elif isinstance(o, RetryOutcome):
            fields["reasons"] = []
            fields["next_attempt_at"] = o.next_attempt_at.isoformat()
            fields["error"] = o.error
        else:
            fields["reasons"] = [Code.TEKNISKT_FEL.value]
            fields["error"] = o.error
        log.info("application_processed", **fields)

    async def _renewer(self) -> None:
        lease = self.settings.queue.lease_seconds
        while True:
            await asyncio.sleep(lease / 3)
            held = [c.key for c in self._in_hand.values()]
            if held:
                try:
                    await self.db(claims.renew, self.engine, self.worker_id, held, lease, self.clock)
                except (OperationalError, DBAPIError) as exc:
                    log.warning("lease_renewal_failed", error=type(exc).__name__, worker_id=self.worker_id)

    async def _with_db_retry(self, fn: Callable[[], T], stop: asyncio.Event, give_up_on_stop: bool = False) -> T | None:
        """Database outages are waited out: retry with backoff, log each failure, never lose a result."""
        delay = 0.5
        grace_until: float | None = None
        while True:
            try:
                return await self.db(fn)
            except DBAPIError as exc:
                if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
                    raise
                log.warning(
                    "database_unavailable",
                    error=type(exc.orig).__name__ if exc.orig else type(exc).__name__,
                    retry_in_s=round(delay, 1),
                    worker_id=self.worker_id,
                )
            if stop.is_set():
                if not give_up_on_stop:
                    return None
                grace_until = grace_until or time.monotonic() + self.settings.queue.lease_seconds
                if time.monotonic() > grace_until:
                    return None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _shutdown(
        self,
        results: asyncio.Queue[Any],
        committer: asyncio.Task[None],
        renewer: asyncio.Task[None],
        stop: asyncio.Event,
    ) -> None:
        """Stop claiming; let work in hand finish (within the lease), write it, release the rest."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=self.settings.queue.lease_seconds / 2)
            for t in pending:
                t.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await results.put(_DONE)
        await committer
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer
        leftover = [c.key for c in self._in_hand.values()]
        if leftover:
            try:
                self.stats.released = await self.db(claims.release, self.engine, self.worker_id, leftover, self.clock)
            except (OperationalError, DBAPIError):
                log.warning("release_failed", count=len(leftover), worker_id=self.worker_id)
            if self.stats.released:
                log.info("released_unfinished", count=self.stats.released, worker_id=self.worker_id)
        self._db.shutdown(wait=True)
