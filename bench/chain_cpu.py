"""The chain's CPU alone, in this process: generated applications evaluated against in-memory register data.

    .venv/bin/python -m bench.chain_cpu                          # µs per application, min of 5 rounds
    .venv/bin/python -m bench.chain_cpu --write verdicts.txt     # every verdict (and its recorded inputs), one a line
    .venv/bin/python -m bench.chain_cpu --compare verdicts.txt   # the same bytes as a file written before?

The applications span several periods (either side of the SoL change on 2025-07-01 and of a year's
parameters), so that whatever depends on the period's date is exercised. Timing counts `evaluate`
only; the applications are parsed once beforehand (bench.pipeline's compute-only limit parses too).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
import time
from pathlib import Path

from bench.generate import Generator
from robot.chain.engine import evaluate
from robot.chain.inputs import Circumstances
from robot.chain.ruleset import load_ruleset
from robot.chain.stickprov import StickprovInput
from robot.formats.application import ParsedApplication, parse_application
from robot.formats.period import first_day
from robot.formats.register import Register

RULES = Path(__file__).resolve().parent.parent / "rules"
PERIODS = ("2025-06", "2025-07", "2025-12", "2026-01", "2026-12")


def workload(per_period: int) -> list[tuple[ParsedApplication, Register, Circumstances]]:
    out = []
    for seed, period in enumerate(PERIODS, start=1):
        gen = Generator(period, seed=seed)
        apps = list(gen.applications(per_period))
        register = Register.model_validate(gen.register, strict=False)
        register = Register.model_validate_json(register.model_dump_json(), strict=True)
        circumstances = Circumstances(as_of=first_day(period) - dt.timedelta(days=3))
        out.extend((parse_application(a.raw()), register, circumstances) for a in apps)
    return out


def lines(work: list[tuple[ParsedApplication, Register, Circumstances]]) -> list[str]:
    ruleset = load_ruleset(RULES)
    out = []
    for rate in (None, 0.5):
        stickprov = StickprovInput(key=b"bench-key", rate_override=rate)
        for parsed, register, circumstances in work:
            e = evaluate(parsed, register, ruleset, stickprov, circumstances=circumstances)
            out.append(e.verdict.to_json(indent=None))
            out.append(e.verdict.to_json())
            out.append(e.recorded_json(rate))
    return out


def rounds(work: list[tuple[ParsedApplication, Register, Circumstances]], repeats: int) -> list[float]:
    ruleset = load_ruleset(RULES)
    stickprov = StickprovInput(key=b"bench-key")
    times = []
    for _ in range(repeats):
        start = time.process_time()
        for parsed, register, circumstances in work:
            evaluate(parsed, register, ruleset, stickprov, circumstances=circumstances)
        times.append((time.process_time() - start) / len(work) * 1e6)
    return times


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--per-period", type=int, default=400)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--write", type=Path)
    p.add_argument("--compare", type=Path)
    args = p.parse_args()
    work = workload(args.per_period)
    if args.write or args.compare:
        text = "\n".join(x.replace("\n", "\\n") for x in lines(work)) + "\n"
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        if args.write:
            args.write.write_text(text, encoding="utf-8")
            print(f"wrote {len(work)} applications × 2 rates, sha256 {digest}")
        else:
            same = args.compare.read_text(encoding="utf-8") == text
            print(f"{len(work)} applications × 2 rates, sha256 {digest}: {'identical' if same else 'DIFFERENT'}")
            if not same:
                sys.exit(1)
        return
    times = rounds(work, args.repeats)
    print(f"{len(work)} applications: µs per application min {min(times):.1f}, rounds "
          + " ".join(f"{t:.1f}" for t in times))


if __name__ == "__main__":
    main()
