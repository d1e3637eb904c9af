"""SSBTEK's questions built and answers decoded, in-process: CPU per question and per answer (issue 23).

    .venv/bin/python -m bench.decode                        # 300 applications, v11 and v10, min of 7 repeats
    .venv/bin/python -m bench.decode --applications 1000 --repeats 11 --authority-errors 0.1

The applications and their register come from bench/generate.py (as bench.register_path's); every adult's
question is built as the worker builds it (`question_for` + `fetch_envelope`, the korrelationsid drawn
beforehand) and answered by the simulator (`SimulatorApp.answer`, no HTTP) in each version, with a share
of the authorities answering with an error (`--authority-errors`, seeded). Decoding is
`parse_fetch_answer` with the worker's arguments. Each figure is this thread's CPU time (`time.thread_time`,
so time spent descheduled on a shared machine does not count), the minimum over the repeats of the mean
µs per call over every question.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections.abc import Callable

from bench.generate import Generator
from bench.register_path import register_requests
from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek.request import Question, fetch_envelope, question_for
from robot.adapters.ssbtek.response import parse_fetch_answer
from robot.adapters.ssbtek.simulator import FaultInjection, SimulatorApp
from robot.adapters.ssbtek.soap import Contract, contract_for
from robot.config import Settings
from robot.formats.register import Register

PERIOD = "2026-12"


def questions(applications: int, seed: int) -> tuple[Register, list[tuple[RegisterRequest, str, str]]]:
    """The generated register, and (request, personnummer, korrelationsid) per adult of each application."""
    generator = Generator(PERIOD, seed)
    asked: list[tuple[RegisterRequest, str, str]] = []
    for request in register_requests(generator.applications(applications)):
        asked.extend((request, pnr, uuid.UUID(int=len(asked)).hex) for pnr in request.persons)
    return Register.model_validate_json(json.dumps(generator.register), strict=True), asked


def best(repeats: int, calls: int, run: Callable[[], None]) -> float:
    """µs per call: the least of `repeats` timed runs of `run` (which makes `calls` calls)."""
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        run()
        times.append(time.thread_time() - start)
    return min(times) / calls * 1e6


def measure(contract: Contract, register: Register, asked: list[tuple[RegisterRequest, str, str]],
            settings: Settings, repeats: int, error_rate: float) -> tuple[float, float, int]:  # fmt: skip
    """(µs per question built, µs per answer decoded, errors among the answers) in the contract's version."""

    def build() -> list[Question]:
        built = []
        for request, pnr, kid in asked:
            question = question_for(settings, request, pnr, korrelationsid=kid)
            fetch_envelope(question, contract)
            built.append(question)
        return built

    built = build()
    simulator = SimulatorApp(register, FaultInjection(authority_error_rate=error_rate, seed=1), contract)
    answers = []
    for q, (_, pnr, kid) in zip(built, asked, strict=True):
        status, body = simulator.answer(fetch_envelope(q, contract))
        assert status == 200, body[:300]
        answers.append((body, q, pnr, kid))

    def decode() -> int:
        errors = 0
        for body, q, pnr, kid in answers:
            answer = parse_fetch_answer(body, q.include, kid, personnummer=pnr, question=q, contract=contract,
                                        skv_asked=q.skv_parts)  # fmt: skip
            errors += len(answer.errors)
        return errors

    errors = decode()
    return best(repeats, len(asked), build), best(repeats, len(answers), decode), errors


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.decode", description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--authority-errors", type=float, default=0.05,
                        help="share of the included authorities that answer with an error")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    register, asked = questions(args.applications, args.seed)
    settings = Settings(ssbtek={"url": "http://127.0.0.1:9/"})
    print(f"{args.applications} applications, {len(asked)} questions, min of {args.repeats} repeats")
    for version in ("v11", "v10"):
        build, decode, errors = measure(contract_for(version), register, asked, settings, args.repeats,
                                        args.authority_errors)  # fmt: skip
        print(f"{version}: build {build:.1f} µs per question, decode {decode:.1f} µs per answer "
              f"({errors} authority errors in the answers)")  # fmt: skip


if __name__ == "__main__":
    main()
