"""The daemon as ops run it: refusing to start when not ready, shutting down cleanly, surviving SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from robot.config import Settings
from robot.intake.documents import Document
from robot.intake.enqueue import enqueue
from robot.queue.db import make_engine
from robot.queue.schema import applications
from tests.builders import raw, register
from tests.conftest import ROOT, STICKPROV_KEY
from tests.queue_helpers import count, many, states, verdict_counts


def robot_env(tmp_path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    reg = tmp_path / "register.json"
    reg.write_text(json.dumps(register()), encoding="utf-8")
    env = {
        **os.environ,
        "ROBOT_DATA_DIR": str(tmp_path / "data"),
        "ROBOT_SSBTEK_REGISTER": str(reg),
        "ROBOT_STICKPROV_KEY": STICKPROV_KEY,
        "ROBOT_QUEUE_HOLD_UNTIL_BATCH": "false",
        "ROBOT_QUEUE_LEASE_SECONDS": "2",
        "ROBOT_QUEUE_POLL_INTERVAL_SECONDS": "0.2",
        "ROBOT_LOG_FORMAT": "json",
        "ROBOT_CONFIG": os.devnull,
    }
    env.pop("ROBOT_DATABASE_URL", None)
    if database_url:
        env["ROBOT_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def robot(env, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "robot", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip


def start(env, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "robot", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def queue(env, n: int, prefix: str = "D"):
    settings = Settings(data_dir=env["ROBOT_DATA_DIR"], database_url=env.get("ROBOT_DATABASE_URL"),
                        queue={"hold_until_batch": False})  # fmt: skip
    eng = make_engine(settings.database())
    enqueue(eng, [Document(raw(d), "test") for d in many(n, prefix)], settings)
    return eng


def test_the_daemon_refuses_an_unmigrated_database(tmp_path):
    env = robot_env(tmp_path)
    done = robot(env, "run", "--until-idle")
    assert done.returncode == 3
    assert "robot db upgrade" in done.stderr and "Traceback" not in done.stderr


def test_the_daemon_refuses_to_start_without_a_stickprov_key(tmp_path):
    env = robot_env(tmp_path)
    env.pop("ROBOT_STICKPROV_KEY")
    assert robot(env, "db", "upgrade").returncode == 0
    done = robot(env, "run", "--until-idle")
    assert done.returncode == 2 and "ROBOT_STICKPROV_KEY" in done.stderr


NOT_FOR_A_PLAIN_WORKER = (
    "robot.web", "robot.adapters.casesystem", "robot.intake.casesystem", "robot.observability.app", "uvicorn",
    "starlette", "apscheduler", "authlib", "typer.rich_utils", "alembic", "sqlalchemy.dialects.postgresql", "httpx",
    "rich", "tenacity", "robot.adapters.agi",
)  # fmt: skip
"""What a worker without a case system, a schedule or an HTTP port must not load (Alembic: only `robot db
upgrade` needs it; PostgreSQL's dialect: not on SQLite; httpx: only an HTTP outbox, the case system and AGI;
rich: only help pages, robot.logs keeps structlog from loading it; tenacity: only a call or a delivery that
failed once; AGI's client: only with ROBOT_AGI_URL): every worker start pays for its imports in CPU
(docs/benchmarks.md, `python -m bench.startup`)."""


def loaded_modules(tmp_path, env, *args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules `robot ARGS…` has loaded when it ends, and how it ended."""
    modules = tmp_path / "modules.txt"
    run = (
        "import runpy, sys\n"
        f"sys.argv = ['robot', *{list(args)!r}]\n"
        "try:\n"
        "    runpy.run_module('robot', run_name='__main__')\n"
        "finally:\n"
        f"    open({str(modules)!r}, 'w').write('\\n'.join(sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", run], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return set(modules.read_text().split()), done


def unwanted(loaded: set[str]) -> list[str]:
    return sorted(m for m in loaded if any(m == p or m.startswith(p + ".") for p in NOT_FOR_A_PLAIN_WORKER))


def test_a_worker_loads_only_what_it_runs(tmp_path):
    env = robot_env(tmp_path, ROBOT_HTTP_PORT="0")
    assert robot(env, "db", "upgrade").returncode == 0
    queue(env, 5)
    loaded, done = loaded_modules(tmp_path, env, "run", "--no-schedule", "--until-idle")
    assert done.returncode == 0, done.stderr
    assert "behandlade 5" in done.stdout
    assert {"robot.worker.daemon", "robot.intake.inbox", "robot.observability.server"} <= loaded
    assert unwanted(loaded) == []


def test_a_worker_on_ssbtek_loads_only_what_it_runs(tmp_path):
    """As bench.startup starts one: SSBTEK and the activity file, nothing due (SSBTEK is never called)."""
    env = robot_env(tmp_path, ROBOT_HTTP_PORT="0", ROBOT_SSBTEK_URL="http://127.0.0.1:9/", ROBOT_SSBTEK_PROTOCOL="v11",
                    ROBOT_ACTIVITY_FILE=str(tmp_path / "register.json"))  # fmt: skip
    assert robot(env, "db", "upgrade").returncode == 0
    loaded, done = loaded_modules(tmp_path, env, "run", "--no-schedule", "--no-inbox", "--until-idle")
    assert done.returncode == 0, done.stderr
    assert "behandlade 0" in done.stdout
    assert {"robot.worker.daemon", "robot.adapters.ssbtek.client", "robot.adapters.activity"} <= loaded
    assert unwanted(loaded) == []


def test_a_help_page_loads_no_database_library(tmp_path):
    loaded, done = loaded_modules(tmp_path, robot_env(tmp_path), "run", "--help")
    assert done.returncode == 0 and "Användning: robot run" in done.stdout
    assert "sqlalchemy" not in loaded


def test_batch_processes_everything_due_and_a_second_batch_does_nothing(tmp_path):
    env = robot_env(tmp_path)
    robot(env, "db", "upgrade")
    eng = queue(env, 50)
    first = robot(env, "batch")
    assert first.returncode == 0, first.stderr
    assert "behandlade 50" in first.stdout
    second = robot(env, "batch")
    assert "behandlade 0" in second.stdout
    assert set(verdict_counts(eng).values()) == {1}
    lines = [json.loads(line) for line in first.stderr.splitlines() if line.startswith("{")]
    processed = [e for e in lines if e["event"] == "application_processed"]
    assert len(processed) == 50
    assert set(processed[0]) >= {"application_id", "outcome", "reasons", "duration_ms", "attempt", "worker_id"}


def test_sigterm_stops_claiming_and_leaves_nothing_in_progress(tmp_path):
    env = robot_env(tmp_path, ROBOT_WORKER_CONCURRENCY="8", ROBOT_WORKER_COMMIT_BATCH="8")
    robot(env, "db", "upgrade")
    eng = queue(env, 4000)
    proc = start(env, "run", "--no-schedule")
    # Stop it once it is working, not at a set time: on a loaded machine its start can take seconds, and a
    # SIGTERM before the handler is installed ends it the default way (nothing claimed yet, nothing lost).
    started = time.monotonic()
    while not any(s in ("DONE", "MANUAL") for s in states(eng).values()) and time.monotonic() - started < 60:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
    assert "shutdown_requested" in err
    by_state = states(eng)
    assert "IN_PROGRESS" not in by_state.values()
    done = sum(1 for s in by_state.values() if s in ("DONE", "MANUAL"))
    assert 0 < done < 4000, "the daemon should have been stopped in the middle of the work"
    assert sum(verdict_counts(eng).values()) == done
    assert set(by_state.values()) <= {"NEW", "DONE", "MANUAL"}


@pytest.mark.slow
def test_a_worker_killed_with_sigkill_mid_batch_loses_nothing_and_repeats_nothing(tmp_path):
    env = robot_env(tmp_path, ROBOT_WORKER_CONCURRENCY="32")
    robot(env, "db", "upgrade")
    eng = queue(env, 3000)
    kills = 0
    for delay in (1.5, 1.0, 1.2):
        proc = start(env, "run", "--no-schedule")
        time.sleep(delay)
        proc.kill()
        proc.wait()
        kills += 1
    assert count(eng, applications, applications.c.state == "NEW") > 0, "killed before the end"
    final = robot(env, "run", "--until-idle", "--no-schedule", timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]
    assert kills == 3
    assert set(states(eng).values()) <= {"DONE", "MANUAL"}
    verdicts_per_application = verdict_counts(eng)
    assert len(verdicts_per_application) == 3000
    assert set(verdicts_per_application.values()) == {1}, "every application has exactly one verdict"


@pytest.mark.slow
def test_four_workers_on_postgres_share_2000_applications(tmp_path, postgres_url):
    env = robot_env(tmp_path, database_url=postgres_url, ROBOT_WORKER_CONCURRENCY="32")
    eng = queue(env, 2000, prefix="PG")
    workers = [start({**env, "ROBOT_WORKER_ID": f"pg-worker-{i}"}, "run", "--until-idle", "--no-schedule") for i in range(4)]
    outputs = [w.communicate(timeout=300) for w in workers]
    assert all(w.returncode == 0 for w in workers), [o[1][-1000:] for o in outputs]
    verdicts_per_application = verdict_counts(eng)
    assert len(verdicts_per_application) == 2000
    assert set(verdicts_per_application.values()) == {1}, "none lost, none twice"
    assert set(states(eng).values()) <= {"DONE", "MANUAL"}
    from sqlalchemy import func, select

    from robot.queue.schema import verdicts

    with eng.connect() as conn:
        per_worker = dict(conn.execute(select(verdicts.c.worker_id, func.count()).group_by(verdicts.c.worker_id)).all())
    assert len(per_worker) >= 2, f"the work should be shared: {per_worker}"
    eng.dispose()
