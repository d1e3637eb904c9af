"""All reliability runs at full size, one after another, with their figures (issue: kills, faults, bad input).

    .venv/bin/python -m bench.reliability [--database postgresql://postgres@127.0.0.1:5432/postgres] [--server-outage]

Smaller versions of the same runs are part of the test suite (tests/test_reliability.py).
"""

from __future__ import annotations

import argparse
import time

from bench import bad_input, chaos, db_outage, kill, privacy


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reliability", description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=db_outage.DEFAULT_URL, help="PostgreSQL for the outage run")
    parser.add_argument("--server-outage", action="store_true", help="stop the whole PostgreSQL server (needs root)")
    args = parser.parse_args()
    started = time.monotonic()
    results: list[tuple[str, bool, list[str]]] = []

    def record(name: str, report) -> None:  # type: ignore[no-untyped-def]
        results.append((name, report.ok, report.lines()))
        print(f"\n== {name}")
        print("\n".join(report.lines()), flush=True)

    record("kill test: 5 000 applications, 20 SIGKILLs", kill.run(5000, 20))
    record("SSBTEK chaos, before the cut-off", chaos.run(2000, 0.30, 0.10, 0.05, after_cutoff=False))
    record("SSBTEK chaos, after the cut-off", chaos.run(2000, 0.30, 0.10, 0.05, after_cutoff=True))
    record("database outage (connections refused and cut)", db_outage.run(args.database, 3000, 2, 8.0, "connections"))
    if args.server_outage:
        record("database outage (server stopped and started)", db_outage.run(args.database, 3000, 2, 8.0, "server"))
    record("bad input: 10 000 documents", bad_input.run(10_000))
    record("privacy: the demo's logs", privacy.run())
    print(f"\n== summary ({time.monotonic() - started:.0f} s)")
    for name, ok, _ in results:
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    raise SystemExit(0 if all(ok for _, ok, _ in results) else 1)


if __name__ == "__main__":
    main()
