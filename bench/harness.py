"""What benchmarks and reliability runs share: a workspace, the robot as a subprocess, the simulator, queries."""

from __future__ import annotations

import compileall
import contextlib
import functools
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from bench.generate import Generated, Generator
from robot.clock import StartedClock, parse_start
from robot.queue.db import make_engine, read
from robot.queue.schema import applications, verdicts

ROOT = Path(__file__).resolve().parent.parent


CLOCK_START = os.environ.get("ROBOT_CLOCK_START") or "2026-12-02T08:00:00+00:00"
CLOCK_STARTED_AT = os.environ.get("ROBOT_CLOCK_STARTED_AT") or repr(time.time())
"""Every robot a workspace starts shares one clock that read CLOCK_START when this module was loaded
(robot/clock.py), so what a run checks (deadlines, the SSBTEK cut-off) never depends on the day."""


def robot_clock() -> StartedClock:
    """The clock every robot a workspace starts runs on (for offline comparisons on the same day)."""
    return StartedClock(parse_start(CLOCK_START), float(CLOCK_STARTED_AT))


PERIOD = "2026-12"
"""The month of the generated applications: the clock's month, so they are due at once."""


def current_period() -> str:
    return PERIOD


@functools.cache
def compile_robot() -> None:
    """Compile robot/ to bytecode once, in place (robot/**/__pycache__, ignored by git), as pip does when it
    installs the wheel (Dockerfile): the robot a workspace starts then reads bytecode, as in production,
    even where PYTHONDONTWRITEBYTECODE is set and would otherwise have every child of an editable install
    compile each module it imports from source (docs/benchmarks.md). Files already compiled are skipped."""
    compileall.compile_dir(ROOT / "robot", quiet=1)


@dataclass
class Workspace:
    """A temporary data directory with generated applications and their register."""

    root: Path
    database_url: str | None = None
    env_extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    @contextlib.contextmanager
    def create(cls, database_url: str | None = None, keep: bool = False) -> Iterator[Workspace]:
        """A fresh workspace, removed afterwards unless `keep` or BENCH_KEEP=1 (for inspection)."""
        keep = keep or os.environ.get("BENCH_KEEP") == "1"
        compile_robot()
        root = Path(tempfile.mkdtemp(prefix="robot-bench-"))
        try:
            yield cls(root, database_url)
        finally:
            if not keep:
                shutil.rmtree(root, ignore_errors=True)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def apps_dir(self) -> Path:
        return self.root / "applications"

    @property
    def register_file(self) -> Path:
        return self.root / "register.json"

    def generate(self, n: int, period: str | None = None, seed: int = 1, prefix: str = "GBG") -> list[Generated]:
        """Write n application files and the matching register/1 file."""
        gen = Generator(period or current_period(), seed)
        self.apps_dir.mkdir(parents=True, exist_ok=True)
        apps = []
        for app in gen.applications(n, prefix):
            (self.apps_dir / f"{app.application_id}.json").write_bytes(app.raw())
            apps.append(app)
        self.register_file.write_text(json.dumps(gen.register, ensure_ascii=False), encoding="utf-8")
        return apps

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ROBOT_")}
        env.update(
            ROBOT_CONFIG=os.devnull,
            ROBOT_DATA_DIR=str(self.data_dir),
            ROBOT_STICKPROV_KEY="bench-key",
            ROBOT_DEMO="1",  # the benches use the public bench key (robot/config.py check_secret)
            ROBOT_CLOCK_START=CLOCK_START,
            ROBOT_CLOCK_STARTED_AT=CLOCK_STARTED_AT,
            ROBOT_QUEUE_HOLD_UNTIL_BATCH="false",
            ROBOT_LOG_FORMAT="json",
            ROBOT_HTTP_PORT="0",  # several workers per machine; a run that wants /metrics sets a port per worker
            PYTHONUNBUFFERED="1",
        )
        if self.register_file.is_file():  # the activity providers' attendance travels in it too
            env["ROBOT_ACTIVITY_FILE"] = str(self.register_file)
        if self.database_url:
            env["ROBOT_DATABASE_URL"] = self.database_url
        env.update(self.env_extra)
        env.update(extra)
        return env

    def engine(self) -> Engine:
        url = self.database_url or f"sqlite:///{self.data_dir / 'robot.db'}"
        return make_engine(url)

    def robot(self, *args: str, timeout: float = 3600, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "robot", *args], cwd=ROOT, env=self.env(**env), capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip

    def spawn(self, *args: str, log: Path | None = None, **env: str) -> subprocess.Popen[bytes]:
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed by the child's exit
        return subprocess.Popen([sys.executable, "-m", "robot", *args], cwd=ROOT, env=self.env(**env),
                                stdout=subprocess.DEVNULL, stderr=out)  # fmt: skip


@dataclass(frozen=True)
class ChildUsage:
    code: int
    peak_rss: int
    """Bytes."""
    cpu_seconds: float
    """User + system CPU time."""


def wait_with_rusage(proc: subprocess.Popen[Any]) -> ChildUsage:
    """Wait for a child; returns its exit code, peak resident memory and CPU time.

    The peak is the child's own VmHWM, sampled while it runs: wait4's ru_maxrss would also count
    the pages it shared with this (large) process between fork and exec.
    """
    peak = 0
    while True:
        peak = max(peak, vm_hwm(proc.pid))
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.1)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return ChildUsage(proc.returncode, peak, usage.ru_utime + usage.ru_stime)


def vm_hwm(pid: int) -> int:
    """A process's peak resident memory so far (bytes), or 0 if it is gone."""
    return _proc_kb(pid, "status", "VmHWM:") * 1024


def _proc_kb(pid: int, file: str, key: str) -> int:
    """The kB figure on the line of /proc/<pid>/<file> that starts with `key`; 0 if the process is gone."""
    try:
        with open(f"/proc/{pid}/{file}", encoding="ascii") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def children_of(pid: int) -> list[int]:
    """A process's children now (Linux): the worker processes of one `robot run --processes N`."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def pss(pid: int) -> int:
    """A process's proportional set size now (bytes; 0 if gone): pages shared with others (copy-on-write after
    a fork) counted in part, so the sum over processes is what they hold together."""
    return _proc_kb(pid, "smaps_rollup", "Pss:") * 1024


def _name_and_cpu(stat: Path) -> tuple[str, float] | None:
    """A process's name and user + system CPU so far, from its /proc/PID/stat (None if it is gone)."""
    try:
        text = stat.read_text()
    except OSError:
        return None
    name, _, rest = text.partition(" (")[2].rpartition(")")
    fields = rest.split()
    return name, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU a running process has used so far (0 if it is gone)."""
    read = _name_and_cpu(Path(f"/proc/{pid}/stat"))
    return read[1] if read else 0.0


def postgres_cpu_seconds() -> float | None:
    """User + system CPU every local PostgreSQL server process has used so far (None: none can be read,
    e.g. the server runs elsewhere). Counts the whole server: run nothing else against it meanwhile."""
    server = [cpu for name, cpu in filter(None, map(_name_and_cpu, Path("/proc").glob("[0-9]*/stat")))
              if name.startswith("postgres")]  # fmt: skip
    return sum(server) if server else None


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (everything but idle and iowait)."""
    with open("/proc/stat", encoding="ascii") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def own_peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def verdicts_per_application(engine: Engine) -> dict[str, int]:
    with read(engine) as conn:
        rows = conn.execute(
            select(applications.c.application_id, func.count(verdicts.c.id))
            .select_from(applications.outerjoin(verdicts, verdicts.c.application_pk == applications.c.id))
            .group_by(applications.c.application_id)
        ).all()
    return dict(rows)


def unfinished(engine: Engine) -> int:
    """Applications not yet DONE or MANUAL: the states the claim index leads with, so the count reads
    only the rows still in the queue (counting the whole table at a million rows would load the very
    database a run measures)."""
    with read(engine) as conn:
        return conn.execute(
            select(func.count()).select_from(applications).where(
                applications.c.state.in_(("NEW", "IN_PROGRESS", "RETRY_WAIT"))
            )
        ).scalar_one()


def state_counts(engine: Engine) -> dict[str, int]:
    with read(engine) as conn:
        return dict(conn.execute(select(applications.c.state, func.count()).group_by(applications.c.state)).all())


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)
