"""`robot run --processes N`: one start-up, N forked workers, supervised as one daemon."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bench.harness import children_of
from robot.queue.schema import events, verdicts
from tests.conftest import ROOT
from tests.queue_helpers import states, verdict_counts
from tests.test_daemon import queue, robot, robot_env
from tests.test_observability import free_port

SHARED = {"ROBOT_WORKER_CONCURRENCY": "8", "ROBOT_WORKER_COMMIT_BATCH": "8", "ROBOT_QUEUE_CLAIM_BATCH": "8"}
"""Small claims, so that both children find work in a small queue."""


def start_logged(env, tmp_path: Path, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
    """The daemon with its output in files: a pipe nobody reads would block its children's logging."""
    log = tmp_path / "daemon.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "robot", *args], cwd=ROOT, env=env, stdout=out, stderr=out)
    return proc, log


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def wait_for(condition, timeout: float = 60) -> None:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.05)


def migrated(tmp_path: Path, request, database: str) -> dict[str, str]:
    """The daemon's settings on a migrated database: SQLite in tmp_path, or a fresh PostgreSQL one."""
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else None
    env = robot_env(tmp_path, database_url=url, **SHARED)
    if url is None:
        assert robot(env, "db", "upgrade").returncode == 0
    return env


def working(eng) -> bool:
    return any(s in ("DONE", "MANUAL") for s in states(eng).values())


def at_work(env, tmp_path: Path, eng) -> tuple[subprocess.Popen[bytes], Path, list[int]]:
    """`robot run --processes 2` started, once both children are up and verdicts are being written."""
    proc, log = start_logged(env, tmp_path, "run", "--processes", "2", "--no-schedule")
    wait_for(lambda: working(eng) and len(children_of(proc.pid)) == 2)
    return proc, log, children_of(proc.pid)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_two_processes_give_one_verdict_per_application_from_two_workers(tmp_path, request, database):
    env = migrated(tmp_path, request, database)
    eng = queue(env, 300)
    done = robot(env, "run", "--processes", "2", "--until-idle", "--no-schedule", "--no-inbox")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("behandlade") == 1 and "behandlade 300:" in done.stdout
    counts = verdict_counts(eng)
    assert len(counts) == 300 and set(counts.values()) == {1}
    with eng.connect() as conn:
        by_verdict = set(conn.execute(select(verdicts.c.worker_id).distinct()).scalars())
        by_event = set(conn.execute(select(events.c.actor).distinct()).scalars())
    assert len(by_verdict) == 2, by_verdict
    assert by_verdict <= by_event
    assert {w.rsplit("-", 1)[1] for w in by_verdict} == {"0", "1"}
    assert len({w.rsplit("-", 1)[0] for w in by_verdict}) == 1, "one base id, the parent's"
    stopped = [e for e in lines(done.stderr) if e["event"] == "worker_stopped"]
    assert sorted(e["worker_id"] for e in stopped) == sorted(by_verdict)
    eng.dispose()


def test_one_process_forks_nothing_and_the_option_overrides_the_setting(tmp_path):
    env = robot_env(tmp_path, ROBOT_WORKER_PROCESSES="2")
    assert robot(env, "db", "upgrade").returncode == 0
    queue(env, 20)
    done = robot(env, "run", "--processes", "1", "--until-idle", "--no-schedule", "--no-inbox")
    assert done.returncode == 0, done.stderr[-2000:]
    logged = lines(done.stderr)
    assert not [e for e in logged if e["event"].startswith("worker_process")]
    (started,) = [e for e in logged if e["event"] == "worker_started"]
    assert not started["worker_id"].endswith(("-0", "-1"))
    assert {e.get("worker_id") for e in logged if e["event"] == "progress"} == {None}
    queue(env, 20, prefix="E")
    by_setting = robot(env, "run", "--until-idle", "--no-schedule", "--no-inbox")
    assert by_setting.returncode == 0 and "behandlade 20:" in by_setting.stdout
    assert len([e for e in lines(by_setting.stderr) if e["event"] == "worker_process_started"]) == 2


def test_sigterm_to_the_parent_stops_both_children_gracefully(tmp_path):
    env = robot_env(tmp_path, **SHARED)
    assert robot(env, "db", "upgrade").returncode == 0
    eng = queue(env, 3000)
    proc, log, kids = at_work(env, tmp_path, eng)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0, log.read_text()[-2000:]
    assert not any(alive(k) for k in kids)
    logged = lines(log.read_text())
    assert len({e["worker_id"] for e in logged if e["event"] == "shutdown_requested"}) == 2
    assert not [e for e in logged if e["event"] == "worker_process_exited"]
    by_state = states(eng)
    assert "IN_PROGRESS" not in by_state.values()
    finished = sum(1 for s in by_state.values() if s in ("DONE", "MANUAL"))
    assert 0 < finished < 3000, "stopped in the middle of the work"
    assert sum(verdict_counts(eng).values()) == finished


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_child_killed_stops_the_daemon_and_the_next_run_finishes_every_application_once(tmp_path, request, database):
    env = migrated(tmp_path, request, database)
    eng = queue(env, 2000)
    proc, log, (victim, other) = at_work(env, tmp_path, eng)
    os.kill(victim, signal.SIGKILL)
    assert proc.wait(timeout=60) == 1
    assert not alive(other)
    logged = lines(log.read_text())
    (exited,) = [e for e in logged if e["event"] == "worker_process_exited"]
    assert exited["signal"] == "SIGKILL" and exited["level"] == "error"
    assert set(exited) <= {"event", "level", "timestamp", "worker_id", "signal", "detail"}
    assert [e["worker_id"] for e in logged if e["event"] == "shutdown_requested"] != []
    assert "DONE" in states(eng).values() and "NEW" in states(eng).values(), "killed in the middle of the work"
    final = robot(env, "run", "--processes", "2", "--until-idle", "--no-schedule", "--no-inbox")
    assert final.returncode == 0, final.stderr[-2000:]
    assert set(states(eng).values()) <= {"DONE", "MANUAL"}
    counts = verdict_counts(eng)
    assert len(counts) == 2000 and set(counts.values()) == {1}, "every application has exactly one verdict"
    eng.dispose()


def test_children_stop_when_the_parent_is_killed(tmp_path):
    env = robot_env(tmp_path, **SHARED)
    assert robot(env, "db", "upgrade").returncode == 0
    eng = queue(env, 3000)
    proc, log, kids = at_work(env, tmp_path, eng)
    proc.kill()
    proc.wait()
    wait_for(lambda: not any(alive(k) for k in kids), timeout=30)
    logged = lines(log.read_text())
    assert len({e["worker_id"] for e in logged if e["event"] == "shutdown_requested"}) == 2, "stopped by SIGTERM"
    assert "IN_PROGRESS" not in states(eng).values(), "work in hand finished or released, as on SIGTERM"


def test_metrics_count_the_work_of_every_process_and_leave_no_files_behind(tmp_path):
    port, scratch = free_port(), tmp_path / "tmp"
    scratch.mkdir()
    env = robot_env(tmp_path, ROBOT_HTTP_PORT=str(port), TMPDIR=str(scratch), **SHARED)
    assert robot(env, "db", "upgrade").returncode == 0
    eng = queue(env, 300)
    proc, log = start_logged(env, tmp_path, "run", "--processes", "2", "--no-schedule", "--no-inbox")
    try:
        wait_for(lambda: set(states(eng).values()) <= {"DONE", "MANUAL"})
        text = scrape(f"http://127.0.0.1:{port}/metrics")
        assert [p.name for p in scratch.iterdir()] != [], "the counters' files, while the daemon runs"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log.read_text()[-2000:]
    processed = [line for line in text.splitlines() if line.startswith("robot_applications_processed_total{")]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in processed) == 300, processed
    with eng.connect() as conn:
        assert len(set(conn.execute(select(verdicts.c.worker_id).distinct()).scalars())) == 2, "both did work"
    assert 'robot_queue_applications{state="DONE"}' in text, "the queue's figures beside the counters"
    assert list(scratch.iterdir()) == [], "the folder removed when the daemon stops"
    eng.dispose()


def scrape(url: str) -> str:
    """The text at url, once the endpoint answers (child 0 starts serving soon after the fork)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.read().decode()
        except OSError:
            assert time.monotonic() < deadline, f"{url} never answered"
            time.sleep(0.1)


def test_a_child_that_fails_on_the_database_says_so_in_one_swedish_line_not_a_traceback(tmp_path, request):
    env = migrated(tmp_path, request, "postgresql")
    eng = queue(env, 3000)
    proc, log, _ = at_work(env, tmp_path, eng)
    with eng.begin() as conn:  # every claim and commit from now on is refused by the database itself
        conn.execute(text("ALTER TABLE applications RENAME TO applications_gone"))
    assert proc.wait(timeout=60) == 1
    output = log.read_text()
    assert "Traceback" not in output and "[SQL:" not in output and "parameters" not in output, output[-3000:]
    assert "robot: kan inte använda databasen: " in output
    exited = [e for e in lines(output) if e["event"] == "worker_process_exited"]
    assert exited and exited[0]["exit_code"] == 3, exited
    eng.dispose()
