"""Upkeep of the queue, beside the work itself: River's rescuer, retry scheduler and lease renewer.

- `sweep`: expired leases (a killed or stuck worker) go back to NEW; retries whose time has come
  go back to NEW. Every worker sweeps once per poll interval; the updates are idempotent, so
  several workers sweeping at once do no harm.
- `renew_leases`: the leases of applications still in hand are extended every third of the lease
  time, so that a slow register answer does not cost the lease.
- `release`: at shutdown, what was not finished goes back to NEW (the attempt does not count).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from robot import logs
from robot.clock import Clock
from robot.observability import metrics
from robot.queue import claims
from robot.queue.claims import Claimed
from robot.worker.database import DatabaseThread

log = logs.get("robot.worker")


class Upkeep:
    def __init__(
        self, engine: Engine, db: DatabaseThread, in_hand: dict[int, Claimed], lease_seconds: float, clock: Clock
    ):
        self.engine = engine
        self.db = db
        self.in_hand = in_hand
        self.lease_seconds = lease_seconds
        self.clock = clock

    def sweep(self) -> None:
        """Rescue expired leases and promote due retries (runs on the database thread)."""
        rescued = claims.rescue_expired(self.engine, self.clock)
        due = claims.promote_due_retries(self.engine, self.clock)
        if rescued:
            metrics.record_lease_expiries(rescued)
            log.warning("leases_expired", count=rescued, worker_id=self.db.worker_id)
        if due:
            log.info("retries_due", count=due, worker_id=self.db.worker_id)

    async def renew_leases(self) -> None:
        """Runs until cancelled."""
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            held = [c.key for c in self.in_hand.values()]
            if held:
                try:
                    await self.db(claims.renew, self.engine, self.db.worker_id, held, self.lease_seconds, self.clock)
                except (OperationalError, DBAPIError) as exc:
                    log.warning("lease_renewal_failed", error=type(exc).__name__, worker_id=self.db.worker_id)

    async def release(self) -> int:
        """Give back what is still in hand; returns how many went back to the queue."""
        leftover = [c.key for c in self.in_hand.values()]
        if not leftover:
            return 0
        try:
            released = await self.db(claims.release, self.engine, self.db.worker_id, leftover, self.clock)
        except (OperationalError, DBAPIError):
            log.warning("release_failed", count=len(leftover), worker_id=self.db.worker_id)
            return 0
        if released:
            log.info("released_unfinished", count=released, worker_id=self.db.worker_id)
        return released
