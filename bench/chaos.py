"""SSBTEK chaos: errors, timeouts and latency spikes from the simulator, before and after the cut-off.

    .venv/bin/python -m bench.chaos                       # 2 000 applications, 30 % errors, 10 % timeouts
    .venv/bin/python -m bench.chaos --applications 300

Every application must end as a recommendation or a manual item with the right reason, and none may
be recommended without a complete income check. "Right" is checked against the verdict the chain
gives offline from the same register file: before the cut-off the robot retries until it has a
complete answer, so every verdict must be exactly the offline one; after the cut-off an application
SSBTEK failed for must be manual with SSBTEK_EJ_TILLGANGLIG and no proposal, and any other verdict must
be exactly the offline one.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass

from sqlalchemy import select

from bench.generate import Generated
from bench.harness import Workspace, robot_clock, state_counts
from robot.adapters.ssbtek.simulator import FaultInjection, ssbtek_simulator
from robot.chain.engine import evaluate
from robot.chain.inputs import Circumstances
from robot.chain.ruleset import load_ruleset
from robot.chain.stickprov import StickprovInput
from robot.formats.application import parse_application
from robot.formats.register import Register
from robot.queue.schema import applications as A
from robot.queue.schema import verdicts
from robot.swedish.dates import today

RULES = "rules"


@dataclass
class ChaosReport:
    phase: str
    applications: int
    calls: int
    injected_errors: int
    injected_timeouts: int
    authority_errors: int
    rounds: int
    recommendations: int
    manual: int
    manual_ssbtek: int
    identical_to_offline: int
    wrong: list[str]

    @property
    def ok(self) -> bool:
        return not self.wrong and self.recommendations + self.manual == self.applications

    def lines(self) -> list[str]:
        return [
            f"[{self.phase}] applications: {self.applications}; SSBTEK calls: {self.calls}, injected: "
            f"{self.injected_errors} errors (HTTP 5xx), {self.injected_timeouts} timeouts, "
            f"{self.authority_errors} authority errors; worker rounds: {self.rounds}",
            f"[{self.phase}] outcomes: {self.recommendations} recommendations, {self.manual} manual "
            f"({self.manual_ssbtek} with SSBTEK_EJ_TILLGANGLIG); identical to the offline verdict: "
            f"{self.identical_to_offline}; wrong: {len(self.wrong)} {self.wrong[:5]}",
            f"[{self.phase}] result: {'PASS' if self.ok else 'FAIL'}",
        ]


def run(
    applications: int = 2000,
    error_rate: float = 0.30,
    timeout_rate: float = 0.10,
    authority_error_rate: float = 0.05,
    after_cutoff: bool = False,
    seed: int = 11,
) -> ChaosReport:
    with Workspace.create() as ws:
        apps = ws.generate(applications, seed=seed)
        env = {
            "ROBOT_SSBTEK_TIMEOUT_SECONDS": "1.0",
            "ROBOT_SSBTEK_CONNECT_TIMEOUT_SECONDS": "1.0",
            "ROBOT_SSBTEK_RETRIES": "2",
            "ROBOT_SSBTEK_BACKOFF_INITIAL_SECONDS": "0.05",
            "ROBOT_SSBTEK_BACKOFF_MAX_SECONDS": "0.2",
            "ROBOT_QUEUE_RETRY_INITIAL_SECONDS": "0.2",
            "ROBOT_QUEUE_RETRY_MAX_SECONDS": "0.5",
            "ROBOT_QUEUE_POLL_INTERVAL_SECONDS": "0.2",
            "ROBOT_WORKER_CONCURRENCY": "64",
        }
        if after_cutoff:
            # Payment on the 28th and the cut-off 27 days before it, on the 1st: on the workspace's
            # clock (the 2nd) it has passed. Intake stores the cut-off, so it gets these settings too.
            env.update(
                ROBOT_PAYMENT_DAY="28", ROBOT_PAYMENT_SSBTEK_CUTOFF_DAYS="27", ROBOT_PAYMENT_MANUAL_LEAD_DAYS="0"
            )
        assert ws.robot("db", "upgrade").returncode == 0
        assert ws.robot("enqueue", str(ws.apps_dir), **env).returncode == 0
        faults = FaultInjection(
            latency_ms=20, latency_spike_rate=0.05, latency_spike_ms=1500, error_rate=error_rate,
            timeout_rate=timeout_rate, hold_seconds=5, authority_error_rate=authority_error_rate, seed=seed,
        )  # fmt: skip
        eng = ws.engine()
        rounds = 0
        with ssbtek_simulator(ws.register_file, faults) as sim:
            env.update(sim.env)
            while True:
                rounds += 1
                done = ws.robot("run", "--until-idle", "--no-schedule", "--no-inbox", **env)
                if done.returncode:
                    raise RuntimeError(done.stderr[-2000:])
                states = state_counts(eng)
                if not states.get("RETRY_WAIT") or rounds >= 60:
                    break
                time.sleep(0.6)  # the retry backoff
            stats = sim.stats
        with eng.connect() as conn:
            stored = {
                r.application_id: r.verdict_json
                for r in conn.execute(
                    select(A.c.application_id, verdicts.c.verdict_json).join(
                        verdicts, verdicts.c.application_pk == A.c.id
                    )
                )
            }
        eng.dispose()
        expected = _offline(ws, apps)
    wrong: list[str] = []
    identical = recs = manual = manual_ssbtek = 0
    for app in apps:
        got = stored.get(app.application_id)
        if got is None:
            wrong.append(f"{app.application_id}: no verdict")
            continue
        verdict = json.loads(got)
        codes = [r["code"] for r in verdict["reasons"]]
        recs += verdict["outcome"] == "recommendation"
        manual += verdict["outcome"] == "manual"
        if got == expected[app.application_id]:
            identical += 1
        elif (
            after_cutoff
            and "SSBTEK_EJ_TILLGANGLIG" in codes
            and verdict["outcome"] == "manual"
            and verdict["amount"] is None
        ):
            manual_ssbtek += 1
        else:
            wrong.append(f"{app.application_id}: {verdict['outcome']} {codes}")
    return ChaosReport(
        phase="after the cut-off" if after_cutoff else "before the cut-off",
        applications=len(apps),
        calls=stats.calls,
        injected_errors=stats.injected_errors,
        injected_timeouts=stats.injected_timeouts,
        authority_errors=stats.authority_errors,
        rounds=rounds,
        recommendations=recs,
        manual=manual,
        manual_ssbtek=manual_ssbtek,
        identical_to_offline=identical,
        wrong=wrong,
    )


def _offline(ws: Workspace, apps: list[Generated]) -> dict[str, str]:
    """The verdicts without faults: the register file evaluated offline, on the workers' day."""
    ruleset = load_ruleset(RULES)
    register = Register.model_validate_json(ws.register_file.read_bytes(), strict=True)
    stickprov = StickprovInput(key=b"bench-key")
    circumstances = Circumstances(as_of=today(robot_clock()))  # the workers' day
    return {
        a.application_id: evaluate(
            parse_application(a.raw()), register, ruleset, stickprov, circumstances=circumstances
        ).verdict.to_json(indent=None)
        for a in apps
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=2000)
    parser.add_argument("--error-rate", type=float, default=0.30)
    parser.add_argument("--timeout-rate", type=float, default=0.10)
    parser.add_argument("--authority-error-rate", type=float, default=0.05)
    args = parser.parse_args()
    ok = True
    for after in (False, True):
        report = run(args.applications, args.error_rate, args.timeout_rate, args.authority_error_rate, after)
        print("\n".join(report.lines()))
        ok = ok and report.ok
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
