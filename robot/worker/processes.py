"""`robot run --processes N`: one start-up, N worker processes forked from it and supervised (the pre-fork model).

The parent does the whole start-up (imports, settings, the ruleset, the register source, the activity file),
and the heap it leaves is frozen (`heap.settle`), so the children share its pages copy-on-write instead of
each paying the start-up (~0.47 s CPU, `bench.startup`) and holding a copy of it. When it forks, the parent
holds no database connection, no thread and no event loop: each child opens its own. Child 0 also runs the
companions (inbox, case system, schedule, the HTTP endpoint, the outbox deliverer: only one deliverer at a time
holds the outbox's lease anyway, so more would only poll); the others only work the queue. Each child is a
worker of its own to the queue, `<worker id>-<i>`: its leases, events, verdicts and log lines carry that id.

The parent forwards SIGTERM and SIGINT; each child finishes or releases its work in hand as a single worker
does. A child that ends while the parent was not asked to stop (a non-zero exit, a signal, or in continuous
mode any exit at all) ends the whole daemon: the parent logs `worker_process_exited`, stops the others as on
SIGTERM and exits 1, so that the service manager restarts the unit at full strength; what the lost child held
comes back to the queue when its leases run out. A child stops (SIGTERM) when its parent dies:
Linux's PR_SET_PDEATHSIG; elsewhere the call is missing and a child would run on orphaned (the robot runs on Linux).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NoReturn

from robot import logs
from robot.worker.daemon import Runtime
from robot.worker.stats import WorkerStats

log = logs.get("robot.daemon")

PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_COUNTS = tuple(f.name for f in dataclasses.fields(WorkerStats) if f.type == "int")
"""What a child reports and the parent sums: the stats' counts (not the CPU per stage, which each child logs)."""


class NotForkable(RuntimeError):
    """Something that must not be shared with forked children (a thread) runs in the parent."""


@dataclass
class Finished:
    exit_code: int
    stats: WorkerStats
    """The totals of the children that finished their run."""


Work = Callable[[Runtime, bool], WorkerStats]
"""What a child runs: the worker with its runtime (its own worker id), told whether it is child 0 (the companions)."""


def run_processes(rt: Runtime, count: int, work: Work, *, until_idle: bool) -> Finished:
    """Fork `count` workers from this started process, each running `work`, and supervise them until they have
    all ended."""
    rt.engine.dispose()  # no connection of the parent's may be used by a child
    if threading.active_count() != 1:
        names = ", ".join(t.name for t in threading.enumerate() if t is not threading.main_thread())
        raise NotForkable(f"{threading.active_count() - 1} trådar körs redan före fork ({names})")
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # else what waits in a buffer would be written once by each child as well
    supervisor = _Supervisor(until_idle)
    parent, prctl = os.getpid(), _prctl()
    # A stop signal before every child has its handlers waits until they all have: then it reaches all of them.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        for sig in STOP_SIGNALS:
            signal.signal(sig, supervisor.on_signal)
        for index in range(count):
            worker_id = f"{rt.worker_id}-{index}"
            read, write = os.pipe()
            try:
                pid = os.fork()
            except OSError as exc:
                os.close(read)
                os.close(write)
                log.error("worker_process_fork_failed", worker_id=worker_id, error=type(exc).__name__)
                supervisor.fail()
                break
            if pid == 0:
                os.close(read)
                for other in supervisor.pipes():
                    os.close(other)
                _child(dataclasses.replace(rt, worker_id=worker_id), index == 0, work, (parent, prctl), write, blocked)
            os.close(write)
            supervisor.add(pid, worker_id, read)
            log.info("worker_process_started", worker_id=worker_id, pid=pid)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    supervisor.wait()
    return Finished(1 if supervisor.failed else 0, supervisor.totals())


class _Supervisor:
    def __init__(self, until_idle: bool):
        self.until_idle = until_idle
        self.children: dict[int, tuple[str, int]] = {}
        """pid: (worker id, the read end of the pipe its totals come over)."""
        self.reports: list[dict[str, object]] = []
        self.asked_to_stop = False
        self.stopping = False
        self.failed = False

    def add(self, pid: int, worker_id: str, pipe: int) -> None:
        self.children[pid] = (worker_id, pipe)

    def pipes(self) -> Iterable[int]:
        return [pipe for _, pipe in self.children.values()]

    def on_signal(self, sig: int, _frame: object) -> None:
        self.asked_to_stop = self.stopping = True
        self._tell_all(sig)

    def fail(self) -> None:
        self.failed = True
        if not self.stopping:
            self.stopping = True
            self._tell_all(signal.SIGTERM)

    def _tell_all(self, sig: int) -> None:
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def wait(self) -> None:
        while self.children:
            pid, status = os.wait()  # a signal runs on_signal, then the wait goes on (PEP 475)
            if pid not in self.children:
                continue
            worker_id, pipe = self.children.pop(pid)
            report = _read_all(pipe)
            if report:
                self.reports.append(json.loads(report))
            code = os.waitstatus_to_exitcode(status)
            ended_well = code == 0 or (self.asked_to_stop and -code in STOP_SIGNALS)
            if not ended_well or not (self.until_idle or self.stopping):
                how = {"signal": signal.Signals(-code).name} if code < 0 else {"exit_code": code}
                log.error("worker_process_exited", worker_id=worker_id, **how,
                          detail="stopping the other worker processes; the service manager restarts the daemon")  # fmt: skip
                self.fail()

    def totals(self) -> WorkerStats:
        total = WorkerStats()
        for report in self.reports:
            for name in _COUNTS:
                setattr(total, name, getattr(total, name) + int(report.get(name, 0)))  # type: ignore[call-overload]
        return total


def _read_all(fd: int) -> bytes:
    chunks = []
    with contextlib.suppress(OSError):
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def _child(rt: Runtime, first: bool, work: Work, parent: tuple[int, Callable[..., int] | None], report: int,
           mask: Iterable[int]) -> NoReturn:  # fmt: skip
    """One worker, in the forked process; it never returns into the parent's code (os._exit)."""
    code = 1
    try:
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)  # the parent's forwarding handler; run_worker installs its own
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if not _stop_with(*parent):
            code = 0  # the parent is gone already: nothing was claimed
            return _exit(code)
        rt.engine.dispose(close=False)  # SQLAlchemy on os.fork: a fresh pool, the parent's connections left alone
        logs.structlog.contextvars.bind_contextvars(worker_id=rt.worker_id)  # on every line this child writes
        try:
            stats = work(rt, first)
        finally:
            rt.engine.dispose()  # os._exit runs no finalizers: the database would log each connection as lost
        with contextlib.suppress(BrokenPipeError):  # the parent is gone: nobody to report to
            os.write(report, json.dumps({name: getattr(stats, name) for name in _COUNTS}).encode())
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    _exit(code)


def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up in the parent (once, not in every child); None where there is none (not Linux)."""
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def _stop_with(parent: int, prctl: Callable[..., int] | None) -> bool:
    """SIGTERM to this process when its parent dies (Linux); False if the parent has died already."""
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    return os.getppid() == parent  # a parent that died before the call above sent nothing


def _exit(code: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
