"""What one worker did, counted as its results are written, and the log line for each result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from robot import logs
from robot.formats.reasons import Code
from robot.queue.outcomes import FailureOutcome, Outcome, RetryOutcome, VerdictOutcome

log = logs.get("robot.worker")


@dataclass
class WorkerStats:
    claimed: int = 0
    recommendations: int = 0
    manual: int = 0
    retry_wait: int = 0
    technical_failures: int = 0
    stale: int = 0
    released: int = 0
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    """CPU per stage while running: register path (the event loop but the chain and the results' logs), chain,
    claim, commit, the results' logs and metrics, upkeep."""

    @property
    def processed(self) -> int:
        return self.recommendations + self.manual + self.retry_wait + self.technical_failures

    def account_cpu(self, loop: float, chain: float, results: float, database: Mapping[str, float]) -> None:
        self.cpu_seconds = {
            "register_path": max(0.0, loop - chain - results),
            "chain": chain,
            **database,
            "result_logs": results,
        }

    def count(self, o: Outcome) -> None:
        if isinstance(o, VerdictOutcome):
            if o.evaluation.verdict.outcome == "recommendation":
                self.recommendations += 1
            else:
                self.manual += 1
        elif isinstance(o, RetryOutcome):
            self.retry_wait += 1
        elif isinstance(o, FailureOutcome):
            self.technical_failures += 1


def log_processed(o: Outcome, worker_id: str) -> None:
    """The canonical line per processed application: ids, outcome, reason codes; nothing personal."""
    fields: dict[str, Any] = {
        "application_id": o.claimed.application_id,
        "outcome": o.name,
        "duration_ms": o.duration_ms,
        "attempt": o.claimed.attempt,
        "worker_id": worker_id,
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
