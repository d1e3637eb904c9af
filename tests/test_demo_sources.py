"""The demo's way (the worker, SQLite, the SSBTEK and employer-declaration simulators, the activity
file) gives exactly the verdicts `robot check --register FILE` gives offline from the same file:
pay with tax withheld, the providers' attendance and barnbidrag travel end to end."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.harness import Workspace
from robot.adapters.ssbtek.simulator import ssbtek_simulator
from robot.chain.engine import evaluate
from robot.chain.inputs import Circumstances
from robot.chain.ruleset import load_ruleset
from robot.chain.stickprov import StickprovInput
from robot.formats.application import parse_application
from robot.formats.register import Register
from robot.queue.schema import applications, verdicts
from tests.conftest import RULES, SAMPLES
from tests.sources_fixture import APPLICATIONS, REGISTER_FILE

STICKPROV_KEY = "bench-key"
"""The key Workspace gives every robot it starts."""
AFTER_THE_CUTOFF = "2026-12-20T08:00:00+00:00"
"""Past the SSBTEK cut-off for 2026-12: an application an authority could not answer for is a manual
verdict at once (before it, the robot would wait for a complete answer)."""
AS_OF = Circumstances(as_of=dt.date.fromisoformat(AFTER_THE_CUTOFF[:10]))


def offline(apps: Path, register_file: Path) -> dict[str, str]:
    ruleset = load_ruleset(RULES)
    register = Register.model_validate_json(register_file.read_bytes(), strict=True)
    stickprov = StickprovInput(key=STICKPROV_KEY.encode())
    out = {}
    for path in sorted(apps.glob("*.json")):
        parsed = parse_application(path.read_bytes())
        verdict = evaluate(parsed, register, ruleset, stickprov, circumstances=AS_OF).verdict
        out[verdict.application_id] = verdict.to_json(indent=None)
    return out


def through_the_worker(apps: Path, register_file: Path) -> dict[str, str]:
    with Workspace.create() as ws, ssbtek_simulator(register_file) as sim:
        env = {**sim.env, "ROBOT_ACTIVITY_FILE": str(register_file), "ROBOT_CLOCK_START": AFTER_THE_CUTOFF}
        for args in (("db", "upgrade"), ("enqueue", str(apps)), ("run", "--until-idle", "--no-schedule", "--no-inbox")):
            done = ws.robot(*args, **env)
            assert done.returncode in (0, 1), done.stderr[-2000:]
        eng = ws.engine()
        with eng.connect() as conn:
            rows = conn.execute(
                select(applications.c.application_id, verdicts.c.verdict_json).join(
                    verdicts, verdicts.c.application_pk == applications.c.id
                )
            ).all()
        eng.dispose()
    return {application_id: verdict for application_id, verdict in rows}


@pytest.mark.parametrize(
    ("apps", "register_file"),
    [(APPLICATIONS, REGISTER_FILE), (SAMPLES / "applications", SAMPLES / "register.json")],
    ids=["fixtures", "samples"],
)
def test_the_worker_over_the_simulators_gives_the_offline_verdicts(apps: Path, register_file: Path):
    expected = offline(apps, register_file)
    got = through_the_worker(apps, register_file)
    assert set(got) == set(expected)
    different = [a for a in expected if got[a] != expected[a]]
    assert different == [], [(json.loads(got[a]), json.loads(expected[a])) for a in different[:1]]
