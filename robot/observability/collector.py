"""What the database knows, read at each scrape: queue depth per state, the manual queue, the outbox, the batch.

Read at most once per `max_age` seconds (a scrape every few seconds, or several scrapers, cost one
set of queries). Several workers on one database each report the same figures: aggregate these with
max(), not sum(). When the database cannot be read, `robot_database_up` is 0 and the rest is left out.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from robot import logs
from robot.clock import SYSTEM, Clock
from robot.queue.outbox import Backlog, backlog
from robot.queue.status import queue_status

log = logs.get("robot.metrics")


class QueueCollector(Collector):
    def __init__(self, engine: Engine, clock: Clock = SYSTEM, max_age: float = 5.0):
        self.engine = engine
        self.clock = clock
        self.max_age = max_age
        self._lock = threading.Lock()
        self._read_at = -max_age
        self._cached: tuple[dict[str, Any], Backlog] | None = None

    def describe(self) -> list[Metric]:
        return []  # read lazily: registering must not touch the database

    def collect(self) -> Iterator[Metric]:
        snapshot = self._snapshot()
        up = GaugeMetricFamily("robot_database_up", "1 when the metrics could read the database.")
        up.add_metric([], 1 if snapshot else 0)
        yield up
        if snapshot is not None:
            yield from _families(*snapshot, self.clock.now())

    def _snapshot(self) -> tuple[dict[str, Any], Backlog] | None:
        with self._lock:
            if time.monotonic() - self._read_at >= self.max_age:
                try:
                    self._cached = (queue_status(self.engine, self.clock), backlog(self.engine, self.clock.now()))
                except SQLAlchemyError as exc:
                    log.warning("metrics_database_unavailable", error=type(exc).__name__)
                    self._cached = None
                self._read_at = time.monotonic()
            return self._cached


def _families(status: dict[str, Any], outbox: Backlog, now: dt.datetime) -> Iterator[Metric]:
    states = GaugeMetricFamily("robot_queue_applications", "Applications per queue state.", labels=["state"])
    for state, count in status["states"].items():
        states.add_metric([state], count)
    yield states
    yield _gauge("robot_queue_due_applications", "NEW applications due now (not held for a batch).", status["due_now"])
    yield _gauge("robot_queue_held_applications", "NEW applications held for their month's first batch.",
                 status["held_for_batch"]["count"])  # fmt: skip
    oldest = status["oldest_waiting"]
    yield _gauge("robot_queue_oldest_waiting_seconds", "How long the oldest unfinished application has waited.",
                 oldest["waiting_minutes"] * 60 if oldest else 0)  # fmt: skip
    manual = GaugeMetricFamily("robot_manual_items", "Manual items per status.", labels=["status"])
    for key in ("open", "claimed", "resolved"):
        manual.add_metric([key], status["manual_queue"][key])
    yield manual
    yield _gauge("robot_manual_items_overdue", "Open or claimed manual items past their deadline.",
                 status["manual_queue"]["overdue"])  # fmt: skip
    recommendations = GaugeMetricFamily("robot_recommendations", "Recommendations per status.", labels=["status"])
    for key, count in status["recommendations"].items():
        recommendations.add_metric([key], count)
    yield recommendations
    yield _gauge("robot_outbox_pending_records", "Decision records not yet delivered to the case system.",
                 outbox.pending)  # fmt: skip
    yield _gauge("robot_outbox_oldest_pending_age_seconds", "How long the oldest undelivered record has waited.",
                 outbox.oldest_age_seconds)  # fmt: skip
    yield from _batch(status["last_batch"], now)


def _batch(last: dict[str, Any] | None, now: dt.datetime) -> Iterator[Metric]:
    running = last is not None and last["finished_at"] is None
    yield _gauge("robot_batch_running", "1 while the latest batch is running.", 1 if running else 0)
    if last is None:
        return
    started = _moment(last["started_at"])
    ended = now if running else _moment(last["finished_at"])
    yield _gauge("robot_batch_start_time_seconds", "When the latest batch started (Unix time).", started.timestamp())
    yield _gauge("robot_batch_duration_seconds", "The latest batch's duration, so far while it runs.",
                 max(0.0, (ended - started).total_seconds()))  # fmt: skip
    if not running:
        yield _gauge("robot_batch_processed_applications", "Applications the latest finished batch processed.",
                     last["processed"] or 0)  # fmt: skip


def _moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # SQLite keeps no time zone; the robot writes UTC


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
