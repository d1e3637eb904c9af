"""The clock tests and benchmarks share: a fixed start, real speed, one timeline across processes."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import pytest

from robot.clock import SYSTEM, StartedClock, parse_start
from tests.conftest import CLOCK_START, ROOT

START = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)


def test_the_test_session_runs_on_the_fixed_date_not_today():
    now = SYSTEM.now()
    assert parse_start(CLOCK_START) <= now < parse_start(CLOCK_START) + dt.timedelta(hours=3)


def test_a_started_clock_runs_at_real_speed_from_its_start():
    clock = StartedClock(START, started_at=time.time() - 60)
    assert dt.timedelta(seconds=59) < clock.now() - START < dt.timedelta(seconds=70)


def test_processes_started_later_share_the_timeline():
    script = "from robot.clock import SYSTEM; print(SYSTEM.now().isoformat())"
    env = {**os.environ, "ROBOT_CLOCK_STARTED_AT": repr(time.time() - 3600)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    child = dt.datetime.fromisoformat(done.stdout.strip())
    assert dt.timedelta(minutes=59) < child - parse_start(CLOCK_START) < dt.timedelta(minutes=70)


@pytest.mark.parametrize("value", ["2026-12-02T08:00:00", "yesterday"])
def test_a_clock_start_without_a_time_zone_or_not_a_date_is_one_clear_error(value):
    env = {**os.environ, "ROBOT_CLOCK_START": value}
    done = subprocess.run([sys.executable, "-m", "robot", "rules", "check", "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert "ROBOT_CLOCK_START" in done.stderr and "Traceback" not in done.stderr
