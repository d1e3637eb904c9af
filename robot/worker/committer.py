"""The committer: writes results as they come, everything waiting together (up to `worker.commit_batch`).

Under load, results pile up while a write runs, so batches grow by themselves. When results
trickle in, the first waits a moment (`worker.commit_gather_ms`) for others to join it, so that a
write carries a few dozen rather than five: each write costs much the same for one result as for
many. The wait ends as soon as a quarter of a batch is waiting, every application in hand has its
result here (no more can come until the next claim), or the worker is closing. Each verdict is
still written atomically with its state change, and only under its current lease (`queue.outcomes`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from sqlalchemy import Engine

from robot import logs
from robot.clock import Clock
from robot.observability import metrics
from robot.queue.claims import Claimed
from robot.queue.outcomes import CommitReport, Outcome, commit
from robot.worker.database import DatabaseThread
from robot.worker.stats import WorkerStats, log_processed

log = logs.get("robot.worker")
_CLOSE = object()


class Committer:
    def __init__(
        self,
        engine: Engine,
        db: DatabaseThread,
        in_hand: dict[int, Claimed],
        stats: WorkerStats,
        clock: Clock,
        batch_size: int,
        on_written: Callable[[Outcome], None] | None,
        written: asyncio.Event,
        gather_seconds: float = 0.0,
    ):
        self.engine = engine
        self.db = db
        self.in_hand = in_hand
        self.stats = stats
        self.clock = clock
        self.batch_size = batch_size
        self.on_written = on_written
        self.written = written
        """Set after each write: there is room to claim more."""
        self.gather_seconds = gather_seconds
        self._enough = max(1, batch_size // 4)
        """Results waiting that end a gathering wait at once."""
        self._results: asyncio.Queue[object] = asyncio.Queue()
        self._gathered = asyncio.Event()
        """Set by `put` and `close` when a gathering wait should end before its time."""
        self.cpu_seconds = 0.0
        """The event loop's CPU for written results: counts, metrics, the log line of each."""

    async def put(self, outcome: Outcome) -> None:
        await self._results.put(outcome)
        if self._gather_done(self._results.qsize()):
            self._gathered.set()

    async def close(self) -> None:
        """No more results will come: write the rest, then `run` returns."""
        await self._results.put(_CLOSE)
        self._gathered.set()

    async def run(self, stop: asyncio.Event) -> None:
        while True:
            batch = [await self._results.get()]
            if self.gather_seconds > 0 and batch[0] is not _CLOSE:
                await self._gather()
            while len(batch) < self.batch_size and not self._results.empty():
                batch.append(self._results.get_nowait())
            outcomes: list[Outcome] = [o for o in batch if o is not _CLOSE]  # type: ignore[misc]
            if outcomes:
                await self._flush(outcomes, stop)
            if len(outcomes) < len(batch):
                return

    def _gather_done(self, waiting: int) -> bool:
        """Enough results are waiting (`waiting` besides the one taken) to write them without more ado."""
        return waiting + 1 >= min(self._enough, len(self.in_hand))

    async def _gather(self) -> None:
        """Wait at most `gather_seconds` for more results to join the one taken."""
        self._gathered.clear()
        if self._gather_done(self._results.qsize()):
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._gathered.wait(), self.gather_seconds)

    async def _flush(self, outcomes: list[Outcome], stop: asyncio.Event) -> None:
        worker_id = self.db.worker_id
        try:
            report = await self.db.patiently(
                lambda: commit(self.engine, outcomes, worker_id, self.clock), stop, give_up_on_stop=True, stage="commit"
            )
        except Exception as exc:
            # Not an outage but a failing write: write one by one so that only the culprit is left out.
            log.error("batch_commit_failed", error=type(exc).__name__, count=len(outcomes), worker_id=worker_id)
            report = await self._one_by_one(outcomes)
        if report is None:
            log.error(
                "results_not_written",
                count=len(outcomes),
                worker_id=worker_id,
                detail="database unavailable at shutdown; leases will expire and the applications be redone",
            )
            for o in outcomes:
                self.in_hand.pop(o.claimed.pk, None)
            return
        cpu = time.thread_time()
        for o in report.written:
            self.in_hand.pop(o.claimed.pk, None)
            self.stats.count(o)
            metrics.record_written(o)
            log_processed(o, worker_id)
            if self.on_written:
                self.on_written(o)
        for o in report.stale:
            self.in_hand.pop(o.claimed.pk, None)
            self.stats.stale += 1
            metrics.record_discarded()
            log.warning("result_discarded_lease_lost", application_id=o.claimed.application_id, worker_id=worker_id)
        self.cpu_seconds += time.thread_time() - cpu
        self.written.set()

    async def _one_by_one(self, outcomes: list[Outcome]) -> CommitReport:
        report = CommitReport()
        for o in outcomes:
            try:
                single = await self.db(commit, self.engine, [o], self.db.worker_id, self.clock, stage="commit")
            except Exception as exc:
                # Left IN_PROGRESS: the lease expires, the application is redone, and after the allowed
                # attempts it becomes a manual item with reason TEKNISKT_FEL.
                self.in_hand.pop(o.claimed.pk, None)
                log.error(
                    "commit_failed",
                    application_id=o.claimed.application_id,
                    error=type(exc).__name__,
                    worker_id=self.db.worker_id,
                )
                continue
            report.written += single.written
            report.stale += single.stale
        return report
