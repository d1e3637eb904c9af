"""Progress of `robot run` and `robot batch`: a bar with rate and time left on a terminal, JSON lines otherwise.

The total is what was due when the run started; results beyond it (retries that came due, new
arrivals) extend it. Off a terminal a `progress` log line is written every `every` seconds and at the
end: processed, total, applications per second and the estimated seconds left.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterator

from robot import logs
from robot.queue.outcomes import Outcome

log = logs.get("robot.progress")
OUTCOMES = ("recommendation", "manual", "retry_wait", "technical_failure")
OUTCOME_WORDS = {"recommendation": "rekommendation", "manual": "manuell", "retry_wait": "väntar",
                 "technical_failure": "tekniskt fel"}  # fmt: skip
"""The bar's words for the outcomes (the JSON progress lines keep the codes)."""


class Tally:
    def __init__(self, total: int):
        self.total = total
        self.counts: Counter[str] = Counter()
        self.started = time.monotonic()

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.name] += 1
        self.total = max(self.total, self.done)

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def seconds_left(self) -> float | None:
        rate = self.rate()
        return (self.total - self.done) / rate if rate > 0 else None

    def summary(self) -> str:
        return ", ".join(f"{OUTCOME_WORDS[k]} {self.counts[k]}" for k in OUTCOMES if self.counts[k])


@contextlib.contextmanager
def progress(total: int, on_terminal: bool, every: float = 10.0) -> Iterator[Callable[[Outcome], None]]:
    """Yields the callback the worker calls for each written result."""
    tally = Tally(total)
    if on_terminal:
        with _bar(tally) as written:
            yield written
        return
    last = time.monotonic()

    def written(outcome: Outcome) -> None:
        nonlocal last
        tally.add(outcome)
        if time.monotonic() - last >= every:
            last = time.monotonic()
            _log(tally)

    yield written
    _log(tally)


def _log(tally: Tally) -> None:
    left = tally.seconds_left()
    log.info("progress", processed=tally.done, total=tally.total, per_second=round(tally.rate(), 1),
             eta_seconds=round(left) if left is not None else None, **{k: tally.counts[k] for k in OUTCOMES})  # fmt: skip


@contextlib.contextmanager
def _bar(tally: Tally) -> Iterator[Callable[[Outcome], None]]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("kvar"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[summary]}"),
    )
    with Progress(*columns) as bar:
        task = bar.add_task("behandlar", total=tally.total or None, rate="", summary="")

        def written(outcome: Outcome) -> None:
            tally.add(outcome)
            bar.update(task, completed=tally.done, total=tally.total or None,
                       rate=f"{tally.rate():.0f}/s", summary=tally.summary())  # fmt: skip

        yield written
