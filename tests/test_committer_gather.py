"""The committer's gathering wait (`worker.commit_gather_ms`): results that trickle in are written together,
and none waits longer than the bound."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

from robot.clock import SYSTEM
from robot.queue.claims import Claimed
from robot.queue.outcomes import CommitReport, RetryOutcome
from robot.worker import committer as committer_module
from robot.worker.committer import Committer
from robot.worker.stats import WorkerStats

NOW = dt.datetime(2026, 12, 2, 8, tzinfo=dt.UTC)


class _Thread:
    """The database thread's part the committer uses, run in the loop."""

    worker_id = "test-worker"

    async def patiently(self, fn: Any, stop: asyncio.Event, **_: Any) -> Any:
        return fn()


def _outcome(pk: int) -> RetryOutcome:
    claimed = Claimed(pk, f"APP-{pk}", b"{}", 1, 1, 0, "2026-12", NOW, NOW, NOW)
    return RetryOutcome(claimed, NOW, "waiting", False, 1)


def _committer(monkeypatch, in_hand: int, gather_ms: float, batch: int = 16) -> tuple[Committer, list[list[int]]]:
    writes: list[list[int]] = []

    def commit(engine, outcomes, worker_id, clock):
        writes.append([o.claimed.pk for o in outcomes])
        return CommitReport(written=list(outcomes))

    monkeypatch.setattr(committer_module, "commit", commit)
    hand = {pk: _outcome(pk).claimed for pk in range(in_hand)}
    c = Committer(None, _Thread(), hand, WorkerStats(), SYSTEM, batch, None, asyncio.Event(), gather_ms / 1000)  # type: ignore[arg-type]
    return c, writes


def test_results_arriving_within_the_window_are_written_in_one_commit(monkeypatch):
    async def scenario() -> list[list[int]]:
        c, writes = _committer(monkeypatch, in_hand=10, gather_ms=200)
        stop = asyncio.Event()
        running = asyncio.create_task(c.run(stop))
        for pk in range(3):  # fewer than a quarter of the batch's 16, one by one
            await c.put(_outcome(pk))
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)
        await c.close()
        await running
        return writes

    assert asyncio.run(scenario()) == [[0, 1, 2]]


def test_a_lone_result_is_written_within_the_bound(monkeypatch):
    async def scenario() -> tuple[list[list[int]], float]:
        c, writes = _committer(monkeypatch, in_hand=10, gather_ms=50)
        stop = asyncio.Event()
        running = asyncio.create_task(c.run(stop))
        started = time.monotonic()
        await c.put(_outcome(0))
        while not writes:
            await asyncio.sleep(0.002)
        waited = time.monotonic() - started
        await c.close()
        await running
        return writes, waited

    writes, waited = asyncio.run(scenario())
    assert writes == [[0]]
    assert 0.04 <= waited < 0.5


def test_no_wait_when_every_application_in_hand_has_its_result_or_a_quarter_batch_waits(monkeypatch):
    async def scenario(in_hand: int, results: int) -> float:
        c, writes = _committer(monkeypatch, in_hand=in_hand, gather_ms=5000)
        running = asyncio.create_task(c.run(asyncio.Event()))
        started = time.monotonic()
        for pk in range(results):
            await c.put(_outcome(pk))
        while sum(map(len, writes)) < results:
            await asyncio.sleep(0.002)
        waited = time.monotonic() - started
        await c.close()
        await running
        return waited

    assert asyncio.run(scenario(in_hand=2, results=2)) < 1  # nothing else can come until the next claim
    assert asyncio.run(scenario(in_hand=100, results=4)) < 1  # a quarter of 16


def test_closing_ends_the_wait(monkeypatch):
    async def scenario() -> tuple[list[list[int]], float]:
        c, writes = _committer(monkeypatch, in_hand=10, gather_ms=5000)
        running = asyncio.create_task(c.run(asyncio.Event()))
        await c.put(_outcome(0))
        await asyncio.sleep(0.01)
        started = time.monotonic()
        await c.close()
        await running
        return writes, time.monotonic() - started

    writes, waited = asyncio.run(scenario())
    assert writes == [[0]] and waited < 1


def test_no_gathering_when_switched_off(monkeypatch):
    async def scenario() -> list[list[int]]:
        c, writes = _committer(monkeypatch, in_hand=10, gather_ms=0)
        running = asyncio.create_task(c.run(asyncio.Event()))
        for pk in range(3):
            await c.put(_outcome(pk))
            await asyncio.sleep(0.01)
        await c.close()
        await running
        return writes

    assert asyncio.run(scenario()) == [[0], [1], [2]]
