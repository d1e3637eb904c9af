"""The SSBTEK simulator's CPU per answer, in-process (issue 23): `SimulatorApp.answer(body)`, no HTTP.

    .venv/bin/python -m bench.simulator                       # 300 applications, v11 and v10, min of 7 repeats
    .venv/bin/python -m bench.simulator --profile v11         # and cProfile's top functions for one version

The questions are bench.decode's: every adult of each generated application asked as the worker asks
(`question_for` + `fetch_envelope`), answered with a share of the authorities failing (seeded). Each
figure is this thread's CPU time (`time.thread_time`), the least over the repeats of the mean µs per
answer. The simulator shares the benchmarks' machine with the robot, so what it costs per call is
CPU the robot does not get (bench.register_path reports the served figure, HTTP included).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats

from bench.decode import best, questions
from robot.adapters.ssbtek.request import fetch_envelope, question_for
from robot.adapters.ssbtek.simulator import FaultInjection, SimulatorApp
from robot.adapters.ssbtek.soap import contract_for
from robot.config import Settings


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.simulator", description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--authority-errors", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", choices=("v10", "v11"), help="print cProfile's top functions for this version")
    args = parser.parse_args()
    register, asked = questions(args.applications, args.seed)
    settings = Settings(ssbtek={"url": "http://127.0.0.1:9/"})
    print(f"{args.applications} applications, {len(asked)} questions, min of {args.repeats} repeats")
    for version in ("v11", "v10"):
        contract = contract_for(version)
        bodies = [fetch_envelope(question_for(settings, r, pnr, korrelationsid=kid), contract) for r, pnr, kid in asked]
        simulator = SimulatorApp(register, FaultInjection(authority_error_rate=args.authority_errors, seed=1), contract)

        def run(simulator: SimulatorApp = simulator, bodies: list[bytes] = bodies) -> None:
            for body in bodies:
                simulator.answer(body)

        run()
        print(f"{version}: {best(args.repeats, len(bodies), run):.1f} µs per answer")
        if args.profile == version:
            profile = cProfile.Profile()
            profile.runcall(run)
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
