"""A worker's start-up alone: the CPU of `robot run` from exec to ready, on an empty queue.

    .venv/bin/python -m bench.startup                  # the activity file of 3 000 applications, 5 runs

`robot run --no-schedule --no-inbox --until-idle` with the settings bench.pipeline gives its workers (the
activity file of the generated applications, SSBTEK v11) on a migrated, empty SQLite database: it starts
(imports, settings, the ruleset, the activity file, the database), finds nothing due and exits; beside
it `robot run --help`, the command line's own imports. Each figure is the child's user + system CPU
(medians, every run in brackets), the runs alternated; robot/ is compiled to bytecode first, as a wheel
install is (bench/harness.py).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

from bench.harness import ROOT, Workspace, wait_with_rusage

RUN = ("run", "--no-schedule", "--no-inbox", "--until-idle")
HELP = ("run", "--help")


def measure(ws: Workspace, args: tuple[str, ...]) -> tuple[float, int]:
    """CPU seconds and peak RSS (bytes) of one `robot …`."""
    env = ws.env(ROBOT_SSBTEK_URL="http://127.0.0.1:9/", ROBOT_SSBTEK_PROTOCOL="v11")  # never called: nothing is due
    proc = subprocess.Popen([sys.executable, "-m", "robot", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    usage = wait_with_rusage(proc)
    if usage.code:
        raise SystemExit(f"robot {' '.join(args)} exited with {usage.code}")
    return usage.cpu_seconds, usage.peak_rss


def run(applications: int, runs: int) -> None:
    with Workspace.create() as ws:
        ws.generate(applications)
        upgrade = ws.robot("db", "upgrade")
        if upgrade.returncode:
            raise SystemExit(upgrade.stderr)
        measure(ws, RUN)  # warm the page cache
        cpu: dict[tuple[str, ...], list[float]] = {RUN: [], HELP: []}
        rss: list[int] = []
        for _ in range(runs):
            for args in (RUN, HELP):
                seconds, peak = measure(ws, args)
                cpu[args].append(seconds * 1000)
                if args == RUN:
                    rss.append(peak)
    print(f"activity file of {applications} applications, {runs} runs each, alternated")
    for args, values in cpu.items():
        print(f"robot {' '.join(args)}: {statistics.median(values):.0f} ms CPU "
              f"[{', '.join(f'{v:.0f}' for v in values)}]")  # fmt: skip
    print(f"robot {' '.join(RUN)}: peak RSS {statistics.median(rss) / 2**20:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=3000, help="for the activity file's size")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    run(args.applications, args.runs)


if __name__ == "__main__":
    main()
