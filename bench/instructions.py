"""A worker's CPU per application as instructions (valgrind's callgrind), the start-up apart.

    .venv/bin/python -m bench.instructions                          # 300 applications, this checkout
    .venv/bin/python -m bench.instructions --root ../before         # the same, another checkout's robot
    .venv/bin/python -m bench.instructions --processes 2            # one `robot run --processes 2`: every process counted

Seconds of CPU swing by ±15 % on this 2-core machine from run to run, more when anything else runs;
instruction counts do not: the same robot, inputs and settings give the same count within a fraction of
a percent, whatever else the machine is doing. So this is the figure to compare two versions by.

What runs: `robot run --no-schedule --no-inbox --until-idle` under `valgrind --tool=callgrind`, twice, on
one migrated SQLite database with the generated applications' activity file: first on an empty queue
(the start-up: imports, settings, the ruleset, the activity file, the database), then after
`robot enqueue` of N generated applications, against the SSBTEK simulator (v11, no latency, in its own
process and not counted). Per application = (second − first) ÷ N. `--root` runs another checkout's
robot (its robot/ compiled to bytecode first, as a wheel install is) with this checkout's generator and
simulator, so both versions get the same applications and the same answers. Valgrind runs the worker
about 50 times slower: a few minutes for 300 applications. The worker's concurrency is 16 so that no
SSBTEK call outlives its timeout under valgrind, and its timed work is pinned (`PINNED`) so that the count
does not grow with the run's wall time.
"""

from __future__ import annotations

import argparse
import compileall
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.harness import ROOT, Workspace, unfinished, verdicts_per_application
from robot.adapters.ssbtek.simulator import FaultInjection, ssbtek_simulator

RUN = ("run", "--no-schedule", "--no-inbox", "--until-idle")
PINNED = {
    "ROBOT_QUEUE_POLL_INTERVAL_SECONDS": "3600",
    "ROBOT_QUEUE_LEASE_SECONDS": "3600",
    "ROBOT_OUTPUT_POLL_INTERVAL_SECONDS": "3600",
}
"""The worker's timed work (the sweep each poll interval, lease renewal each third of a lease, the outbox's
poll) runs once per interval of wall time, and valgrind's wall time grows with the machine's load: with
the intervals longer than a run, each runs once at the start and the count no longer depends on the load.
The worker still claims at once when a result is written (it is woken, not polled)."""


def total_instructions(callgrind_out: Path) -> int:
    """The instructions a callgrind output file counts (its `summary:` line, or `totals:`)."""
    for line in callgrind_out.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise ValueError(f"{callgrind_out}: no summary line")


def counted(root: Path, args: tuple[str, ...], env: dict[str, str], processes: int = 1,
            done: Callable[[], bool] | None = None) -> int:  # fmt: skip
    """Instructions of one `robot …` run from `root` under callgrind, its forked worker processes included
    (callgrind follows a fork and writes a file per process, the parent one more per fork); raises SystemExit when
    it fails.

    With `done`, the run is stopped with SIGTERM once `done()` holds: with the poll interval pinned, a worker
    that finds nothing to claim while another still works waits out the interval (`claims.anything_due`)."""
    with tempfile.TemporaryDirectory(prefix="robot-callgrind-") as tmp, open(Path(tmp) / "stderr", "w+b") as err:
        # A forked child starts with its parent's counts: the parent dumps (and zeroes) them as each fork begins.
        at_fork = ["--dump-before=PyOS_BeforeFork"] if processes > 1 else []
        proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", *at_fork, f"--callgrind-out-file={tmp}/callgrind.out.%p",
             sys.executable, "-m", "robot", *args],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
        if done is not None:
            while proc.poll() is None and not done():
                time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)
        if proc.wait():
            err.seek(0)
            stderr = err.read().decode(errors="replace")
            raise SystemExit(f"robot {' '.join(args)} under valgrind exited with {proc.returncode}: {stderr[-800:]}")
        outs = sorted(Path(tmp).glob("callgrind.out.*"))
        expected = 1 if processes == 1 else 2 * processes + 1  # the parent's: one per fork and its last
        if len(outs) != expected:
            raise SystemExit(f"robot {' '.join(args)}: {len(outs)} callgrind files, expected {expected}")
        return sum(total_instructions(out) for out in outs)


def measure(root: Path, applications: int, concurrency: int, processes: int = 1) -> dict[str, float]:
    compileall.compile_dir(root / "robot", quiet=1)
    with Workspace.create() as ws:
        ws.generate(applications)

        def robot(*args: str, **env: str) -> None:
            proc = subprocess.run([sys.executable, "-m", "robot", *args], cwd=root, env=ws.env(**env),
                                  capture_output=True, text=True)  # fmt: skip
            if proc.returncode:
                raise SystemExit(f"robot {' '.join(args)} exited with {proc.returncode}: {proc.stderr[-800:]}")

        robot("db", "upgrade")
        with ssbtek_simulator(ws.register_file, FaultInjection(latency_ms=0), in_subprocess=True) as sim:
            env = ws.env(**sim.env, **PINNED, ROBOT_WORKER_CONCURRENCY=str(concurrency),
                         ROBOT_SSBTEK_CONCURRENCY=str(concurrency))  # fmt: skip
            run = RUN if processes == 1 else (*RUN, "--processes", str(processes))
            startup = counted(root, run, env, processes)
            robot("enqueue", str(ws.apps_dir), **sim.env)
            eng = ws.engine()
            total = counted(root, run, env, processes, done=(lambda: not unfinished(eng)) if processes > 1 else None)
        counts = verdicts_per_application(ws.engine())
        if len(counts) != applications or set(counts.values()) != {1}:
            raise SystemExit(f"expected one verdict for each of {applications} applications, found {len(counts)}")
    return {
        "applications": applications,
        "processes": processes,
        "startup_instructions": startup,
        "instructions_per_application": (total - startup) / applications,
        "instructions_per_application_with_startup": total / applications,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.split("\n")[0])
    parser.add_argument("--applications", type=int, default=300)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose robot runs (default: this one)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--processes", type=int, default=1,
                        help="`robot run --processes N`: one start-up, N forked workers (default 1: no fork)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    figures = measure(args.root.resolve(), args.applications, args.concurrency, args.processes)
    print(f"robot at {args.root.resolve()}, {args.applications} applications, SQLite, concurrency {args.concurrency}"
          + (f", {args.processes} forked worker processes" if args.processes > 1 else ""))
    print(f"start-up: {figures['startup_instructions'] / 1e9:.3f} G instructions"
          + (" (the parent's and its workers', on an empty queue)" if args.processes > 1 else ""))
    print(f"per application: {figures['instructions_per_application'] / 1e6:.2f} M instructions without the start-up, "
          f"{figures['instructions_per_application_with_startup'] / 1e6:.2f} M with it")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
