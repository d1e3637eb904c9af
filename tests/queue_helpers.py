"""Running the worker in-process against a test database, with register sources that misbehave on cue."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import func, select

from bench.harness import verdicts_per_application
from robot.adapters.register_source import RegisterRequest, RegisterUnavailable
from robot.chain.ruleset import Ruleset
from robot.chain.stickprov import StickprovInput
from robot.clock import Clock
from robot.formats.register import Register, RegisterPerson
from robot.intake.documents import Document
from robot.intake.enqueue import enqueue
from robot.queue import claims
from robot.queue.claims import Claimed
from robot.queue.schema import applications
from robot.worker.loop import Worker
from robot.worker.processing import Processor, household_from_verdicts
from robot.worker.retry import RetryPolicy
from robot.worker.stats import WorkerStats
from tests.builders import application, raw, register


class DictSource:
    """Answers from an in-memory register/1 document."""

    name = "test"

    def __init__(self, doc: dict[str, Any] | None = None):
        self.register = Register.model_validate_json(json.dumps(doc or register()), strict=True)
        self.calls = 0

    async def fetch(self, request: RegisterRequest) -> Register:
        self.calls += 1
        return Register(
            format="register/1", persons={p: self.register.persons.get(p) or RegisterPerson() for p in request.persons}
        )

    async def aclose(self) -> None:
        return None


class FailingSource(DictSource):
    """Fails the first `failures` calls with `error`, then answers."""

    def __init__(self, failures: int, error: Exception | None = None, doc: dict[str, Any] | None = None):
        super().__init__(doc)
        self.failures = failures
        self.error = error or RegisterUnavailable("SSBTEK answered HTTP 503 after 3 retries")

    async def fetch(self, request: RegisterRequest) -> Register:
        if self.failures > 0:
            self.failures -= 1
            self.calls += 1
            raise self.error
        return await super().fetch(request)


def a_lost_lease_and_held_ones(engine, clock, held: int) -> tuple[Claimed, list[Claimed]]:
    """Worker "slow" claims the first application and loses its lease to "fast" (expired and rescued), then
    claims `held` more: what a batch mixing a stale result with results still under their lease is made of."""
    lost = claims.claim(engine, "slow", 1, 5, clock)[0]
    clock.advance(seconds=6)
    claims.rescue_expired(engine, clock)
    claims.claim(engine, "fast", 1, 5, clock)
    return lost, claims.claim(engine, "slow", held, 5, clock)


def put(engine, settings, clock: Clock, *docs: dict[str, Any]) -> None:
    enqueue(engine, [Document(raw(d), "test") for d in docs], settings, clock)


def many(n: int, prefix: str = "T") -> list[dict[str, Any]]:
    return [application(application_id=f"{prefix}-2026-12-{i:06d}") for i in range(n)]


def run_until_idle(
    engine, settings, ruleset: Ruleset, source, clock: Clock, worker_id: str = "test-worker"
) -> WorkerStats:
    stickprov = StickprovInput(key=b"test-key", rate_override=settings.stickprov.rate)
    processor = Processor(
        RetryPolicy.from_settings(settings.queue), ruleset, source, stickprov, clock, household_from_verdicts(engine)
    )

    async def main() -> WorkerStats:
        worker = Worker(engine, settings, processor, worker_id, clock)
        return await worker.run(asyncio.Event(), until_idle=True)

    return asyncio.run(main())


def states(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(applications.c.application_id, applications.c.state)).all())


def count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def verdict_counts(engine) -> dict[str, int]:
    """application_id → number of verdicts stored for it."""
    return verdicts_per_application(engine)


def approve_reviewed(engine, ref, actor, **kwargs: Any):  # type: ignore[no-untyped-def]
    """Approve a recommendation as a handläggare must: shown its calculation first (casework.review),
    then approved with the review code shown."""
    from robot.casework import approve_recommendation, find_recommendation, show_for_review
    from robot.clock import SYSTEM

    review = show_for_review(engine, find_recommendation(engine, ref), actor, clock=kwargs.get("clock", SYSTEM))
    return approve_recommendation(engine, ref, actor, reviewed=review.code, **kwargs)
