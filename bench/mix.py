"""The outcome mix offline: the share of recommendations and the most common reasons, for a generated
set (bench/generate.py) or for the sample applications, evaluated by the chain alone.

    .venv/bin/python -m bench.mix --applications 2000          # generated, the rules' stickprov rate
    .venv/bin/python -m bench.mix --samples --no-stickprov     # samples/applications + samples/register.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections import Counter
from pathlib import Path

from bench.generate import Generator
from robot.chain.engine import evaluate
from robot.chain.inputs import Circumstances
from robot.chain.ruleset import load_ruleset
from robot.chain.stickprov import StickprovInput
from robot.formats.application import parse_application
from robot.formats.register import Register

ROOT = Path(__file__).resolve().parent.parent


def mix(raws: list[bytes], register: Register, as_of: dt.date, stickprov: bool) -> list[str]:
    ruleset = load_ruleset(ROOT / "rules")
    draws = StickprovInput(key=b"bench-key", rate_override=None if stickprov else 0.0)
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for raw in raws:
        verdict = evaluate(parse_application(raw), register, ruleset, draws, circumstances=Circumstances(as_of)).verdict
        outcomes[verdict.outcome] += 1
        reasons.update(set(verdict.reason_codes()))
    n = len(raws)
    lines = [f"{n} applications: {outcomes['recommendation']} recommendations ({outcomes['recommendation'] / n:.1%}), "
             f"{outcomes['manual']} manual (as of {as_of}, stickprov {'on' if stickprov else 'off'})"]  # fmt: skip
    lines += [f"  {code}: {k} ({k / n:.1%})" for code, k in reasons.most_common(8)]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mix", description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=2000)
    parser.add_argument("--samples", action="store_true", help="the sample applications instead of generated ones")
    parser.add_argument("--no-stickprov", action="store_true")
    parser.add_argument("--as-of", default="2026-12-02")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    as_of = dt.date.fromisoformat(args.as_of)
    if args.samples:
        register = Register.model_validate_json((ROOT / "samples" / "register.json").read_bytes(), strict=True)
        raws = [p.read_bytes() for p in sorted((ROOT / "samples" / "applications").glob("*.json"))]
    else:
        gen = Generator("2026-12", seed=args.seed)
        raws = [a.raw() for a in gen.applications(args.applications)]
        register = Register.model_validate_json(json.dumps(gen.register), strict=True)
    print("\n".join(mix(raws, register, as_of, not args.no_stickprov)))


if __name__ == "__main__":
    main()
