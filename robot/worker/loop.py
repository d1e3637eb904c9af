"""The worker loop (River's producer): claims due applications and processes them concurrently.

One asyncio loop per process. Register fetches overlap (bounded by `worker.concurrency`); the
chain itself is quick, pure computation; database work runs on one dedicated thread
(`database.py`). Results go to the committer (`committer.py`); leases are renewed and expired
ones rescued by the upkeep (`upkeep.py`). On stop: no new claims; work in hand is finished within
half a lease and written, the rest released to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable

from sqlalchemy import Engine

from robot.clock import SYSTEM, Clock
from robot.config import Settings
from robot.queue import claims
from robot.queue.claims import Claimed
from robot.queue.outcomes import Outcome
from robot.worker.committer import Committer
from robot.worker.database import DatabaseThread
from robot.worker.processing import Processor
from robot.worker.stats import WorkerStats
from robot.worker.upkeep import Upkeep


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
        self.stats = WorkerStats()
        self.wake = asyncio.Event()
        """Set it to claim at once rather than at the next poll (new applications, a result written)."""
        self.db = DatabaseThread(worker_id, settings.queue.lease_seconds)
        self._in_hand: dict[int, Claimed] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._committer = Committer(
            engine,
            self.db,
            self._in_hand,
            self.stats,
            clock,
            settings.worker.commit_batch,
            on_written,
            self.wake,
            settings.worker.commit_gather_ms / 1000,
        )
        self._upkeep = Upkeep(engine, self.db, self._in_hand, settings.queue.lease_seconds, clock)

    async def run(self, stop: asyncio.Event, until_idle: bool = False) -> WorkerStats:
        """Work until `stop` is set (or, with `until_idle`, until nothing is due); then shut down cleanly."""
        q = self.settings.queue
        loop_cpu = time.thread_time()
        committing = asyncio.create_task(self._committer.run(stop))
        renewing = asyncio.create_task(self._upkeep.renew_leases())
        last_sweep = 0.0
        try:
            while not stop.is_set():
                if time.monotonic() - last_sweep >= q.poll_interval_seconds:
                    await self.db.patiently(self._upkeep.sweep, stop)
                    last_sweep = time.monotonic()
                if await self._claim_more(stop):
                    continue
                if until_idle and not self._in_hand and not await self.db.patiently(self.anything_due, stop):
                    break
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wait_for(stop), timeout=q.poll_interval_seconds)
        finally:
            await self._shutdown(committing, renewing)
            self.stats.account_cpu(
                time.thread_time() - loop_cpu,
                self.processor.chain_cpu_seconds,
                self._committer.cpu_seconds,
                self.db.cpu,
            )
        return self.stats

    def anything_due(self) -> bool:
        return claims.anything_due(self.engine, self.clock)

    async def _claim_more(self, stop: asyncio.Event) -> bool:
        """Claim as many as there is room for (when a quarter of a claim batch is free); True if any came."""
        q, w = self.settings.queue, self.settings.worker
        free = w.concurrency - len(self._in_hand)
        if free < max(1, min(q.claim_batch, w.concurrency) // 4):
            return False
        claim = functools.partial(
            claims.claim, self.engine, self.worker_id, min(free, q.claim_batch), q.lease_seconds, self.clock
        )
        batch = await self.db.patiently(claim, stop, stage="claim") or []
        for c in batch:
            self._in_hand[c.pk] = c
            self.stats.claimed += 1
            task = asyncio.create_task(self._process(c))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return bool(batch)

    async def _process(self, claimed: Claimed) -> None:
        await self._committer.put(await self.processor.process(claimed))

    async def _wait_for(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(self.wake.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in waiters:
                t.cancel()

    async def _shutdown(self, committing: asyncio.Task[None], renewing: asyncio.Task[None]) -> None:
        """Stop claiming; let work in hand finish (within half a lease), write it, release the rest."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=self.settings.queue.lease_seconds / 2)
            for t in pending:
                t.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._committer.close()
        await committing
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
        self.stats.released = await self._upkeep.release()
        self.db.shutdown()
