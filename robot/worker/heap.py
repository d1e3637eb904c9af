"""The garbage collector's settings for a worker process (`robot run`, `robot batch`), set once after start-up.

A worker keeps a large, long-lived heap (modules, the ruleset, pydantic's validators, the activity
file) and makes many short-lived objects per application. With CPython's defaults every full
collection walks the long-lived heap again (tens of milliseconds each, about a tenth of a worker's CPU
in `bench.pipeline`). After start-up that heap is moved out of the collector's sight (`gc.freeze`),
and the youngest generation is collected less often: an application's objects mostly die by
reference counting, so the collector only ever finds the few cycles. Memory stays flat: the frozen
objects live as long as the process anyway, and the threshold bounds the cycles waiting at a time.

While start-up builds that heap the collector waits (`start_up`): it would otherwise walk the growing heap
again and again (two full collections and some 300 young ones, ~60 ms of a worker's start in
`bench.startup`), only for `settle` to collect it once more at the end. Every command's own import waits the same way
(`paused`, robot/__main__.py).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

YOUNG_THRESHOLD = 20_000
"""Allocations between collections of the youngest generation (CPython's default: 700)."""

_settled = False


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No automatic collections within it (long-lived objects being made); then the collector as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def start_up() -> Iterator[None]:
    """A worker's start-up without automatic collections, then `settle`; on a failure the collector as it was."""
    with paused():
        yield
        settle()


def settle() -> None:
    """Collect what start-up left behind, then freeze the rest and raise the youngest threshold (once a process)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)
