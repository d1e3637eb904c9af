"""The worker's database thread: every query of one worker runs on one dedicated thread.

The asyncio loop never blocks on the database, and the queue functions (plain synchronous
SQLAlchemy) need no async variant. Outages are waited out: a call that fails because the database
is unreachable is retried with backoff, each failure logged, so that no result is ever dropped.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from robot import logs
from robot.observability import metrics

log = logs.get("robot.worker")
T = TypeVar("T")


FIRST_DELAY = 0.5


def unreachable(exc: DBAPIError) -> str | None:
    """The driver's error when `exc` says the database cannot be reached (an outage, waited out);
    None for any other database error (a refused statement, a bug), which is raised."""
    if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
        return None
    return type(exc.orig).__name__ if exc.orig else type(exc).__name__


def waiting_out(error: str, delay: float, **context: str) -> None:
    """Count and log one wait for an unreachable database (`database_unavailable`)."""
    metrics.record_database_retry(error)
    log.warning("database_unavailable", error=error, retry_in_s=round(delay, 1), **context)


def next_delay(delay: float) -> float:
    return min(delay * 2, 10.0)


class DatabaseThread:
    def __init__(self, worker_id: str, grace_seconds: float):
        self.worker_id = worker_id
        self.grace_seconds = grace_seconds
        """How long a result is still retried after stop: the lease time (after that it is redone anyway)."""
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="robot-db")
        self.cpu: Counter[str] = Counter()
        """CPU seconds of this thread per stage (`claim`, `commit`, `upkeep`): bench/pipeline.py shows them."""

    async def __call__(self, fn: Callable[..., T], *args: Any, stage: str = "upkeep") -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(self._timed, stage, fn, *args))

    def _timed(self, stage: str, fn: Callable[..., T], *args: Any) -> T:
        started = time.thread_time()
        try:
            return fn(*args)
        finally:
            self.cpu[stage] += time.thread_time() - started

    async def patiently(
        self, fn: Callable[[], T], stop: asyncio.Event, give_up_on_stop: bool = False, stage: str = "upkeep"
    ) -> T | None:
        """`fn()`, retried while the database is unreachable. None when stopped meanwhile.

        After `stop`, claims give up at once; results (`give_up_on_stop=True`) keep trying for
        `grace_seconds` more.
        """
        delay = FIRST_DELAY
        grace_until: float | None = None
        while True:
            try:
                return await self(fn, stage=stage)
            except DBAPIError as exc:
                error = unreachable(exc)
                if error is None:
                    raise
                waiting_out(error, delay, worker_id=self.worker_id)
            if stop.is_set():
                if not give_up_on_stop:
                    return None
                grace_until = grace_until or time.monotonic() + self.grace_seconds
                if time.monotonic() > grace_until:
                    return None
            await asyncio.sleep(delay)
            delay = next_delay(delay)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
