"""The robot's Prometheus metrics: one registry, the counters the worker and the register clients feed.

Names follow Prometheus' conventions (`robot_` prefix, `_total` for counters, `_seconds` for times).
Labels hold only closed sets of codes: outcomes, reason codes, services, authorities, error types.
Never a personnummer, a name, an amount or an application id (an id per label would also make a new
time series per application).

What the database knows (queue depth, the manual queue, the outbox, batches) is read at each scrape
by `collector.QueueCollector`, not counted here.
"""

from __future__ import annotations

import functools
import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)

from robot.formats.reasons import Code
from robot.observability.multiprocess import FOLDER
from robot.queue.outcomes import FailureOutcome, Outcome, VerdictOutcome

disable_created_metrics()  # no `_created` series beside every counter: half the text, nothing dashboards use
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)


def _exposed() -> CollectorRegistry:
    """What `/metrics` shows: `REGISTRY`; under `robot run --processes N` (multiprocess.py) the counters of every
    worker process summed, from their files, in place of this process's own (and its process figures)."""
    folder = os.environ.get(FOLDER)
    if not folder:
        return REGISTRY
    from prometheus_client.multiprocess import MultiProcessCollector

    shown = CollectorRegistry(auto_describe=True)
    MultiProcessCollector(shown, path=folder)
    return shown


EXPOSED = _exposed()

PROCESSED = Counter(
    "robot_applications_processed_total",
    "Applications whose processing result was written, by what happened "
    "(recommendation, manual, retry_wait, technical_failure).",
    ["outcome"],
    registry=REGISTRY,
)
PROCESSING_SECONDS = Histogram(
    "robot_application_processing_seconds",
    "Time from claim to result per application (register calls and the chain).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
VERDICT_REASONS = Counter(
    "robot_verdict_reasons_total",
    "Reason codes on written verdicts and technical failures (one application can carry several).",
    ["outcome", "code"],
    registry=REGISTRY,
)
STICKPROV_DRAWS = Counter(
    "robot_stickprov_draws_total",
    "Stickprov draws on written verdicts: selected for manual control or not.",
    ["selected"],
    registry=REGISTRY,
)
RESULTS_DISCARDED = Counter(
    "robot_results_discarded_total",
    "Results not written because the worker's lease had expired (the application is redone).",
    registry=REGISTRY,
)
LEASE_EXPIRIES = Counter(
    "robot_lease_expiries_total",
    "Expired leases rescued back to the queue (a killed or stuck worker).",
    registry=REGISTRY,
)
DATABASE_RETRIES = Counter(
    "robot_database_retries_total",
    "Database calls retried because the database was unreachable, by the driver's error type.",
    ["error"],
    registry=REGISTRY,
)
REGISTER_CALLS = Counter(
    "robot_register_calls_total",
    "HTTP calls to a register service by result: ok, http_4xx, http_5xx, transient (timeout, network), "
    "certificate (TLS refused a certificate), error (an answer beyond the bounds, a bad address).",
    ["service", "outcome"],
    registry=REGISTRY,
)
REGISTER_CALL_SECONDS = Histogram(
    "robot_register_call_duration_seconds",
    "Duration of one HTTP call to a register service, answer read.",
    ["service"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
AUTHORITY_ERRORS = Counter(
    "robot_register_authority_errors_total",
    "Persons for whom an authority answered with an error or an answer the adapter could not read.",
    ["authority"],
    registry=REGISTRY,
)


class RegisterMetrics:
    """The register clients' `CallObserver`: what each call did, into the metrics above."""

    def call(self, service: str, seconds: float, outcome: str) -> None:
        _calls(service, outcome).inc()
        if outcome != "certificate" or seconds:
            _call_seconds(service).observe(seconds)

    def authority_error(self, authority: str) -> None:
        AUTHORITY_ERRORS.labels(authority).inc()


# A call's labelled series, looked up once (`labels` takes a lock and builds a key each time; a few services and
# outcomes only).
_calls = functools.cache(REGISTER_CALLS.labels)
_call_seconds = functools.cache(REGISTER_CALL_SECONDS.labels)


def record_written(outcome: Outcome) -> None:
    """One result the worker wrote."""
    _processed(outcome.name).inc()
    PROCESSING_SECONDS.observe(outcome.duration_ms / 1000)
    if isinstance(outcome, VerdictOutcome):
        verdict = outcome.evaluation.verdict
        _stickprov_draws("true" if verdict.stickprov else "false").inc()
        for code in dict.fromkeys(verdict.reason_codes()):
            _verdict_reasons(outcome.name, code).inc()
    elif isinstance(outcome, FailureOutcome):
        _verdict_reasons(outcome.name, Code.TEKNISKT_FEL.value).inc()


# A result's labelled series, looked up once like a call's (outcomes and reason codes are closed sets).
_processed = functools.cache(PROCESSED.labels)
_stickprov_draws = functools.cache(STICKPROV_DRAWS.labels)
_verdict_reasons = functools.cache(VERDICT_REASONS.labels)


def record_discarded() -> None:
    RESULTS_DISCARDED.inc()


def record_lease_expiries(count: int) -> None:
    LEASE_EXPIRIES.inc(count)


def record_database_retry(error: str) -> None:
    DATABASE_RETRIES.labels(error).inc()
