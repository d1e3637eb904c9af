from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Every test, and every robot process a test starts, runs its clock on one timeline that began at
# this instant when the session started (see robot/clock.py): nothing a test checks may depend on
# the day it runs.
CLOCK_START = "2026-12-02T08:00:00+00:00"
os.environ["ROBOT_CLOCK_START"] = CLOCK_START
os.environ["ROBOT_CLOCK_STARTED_AT"] = repr(time.time())
# Daemons a test starts serve no /metrics endpoint unless the test asks (several run at once here).
os.environ["ROBOT_HTTP_PORT"] = "0"

from robot.chain.ruleset import Ruleset, load_ruleset  # noqa: E402 - after the clock is fixed

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SAMPLES = ROOT / "samples"
STICKPROV_KEY = "5d1c2f9a8b7e43f0a6c9d2e1b4f7a80c3e6d9b2a5f8c1e4d7b0a3f6c9e2d5b8a"
"""A key strong enough for the daemon's check (robot/config.py check_secret), for tests' robot processes."""
POSTGRES_URL = os.environ.get("ROBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    return load_ruleset(RULES)


@pytest.fixture
def settings(tmp_path):
    """Settings for tests: a fresh data dir, no batch hold, fast polling, short leases."""
    from robot.config import Settings

    return Settings(
        data_dir=tmp_path / "data",
        rules_dir=RULES,
        queue={"hold_until_batch": False, "poll_interval_seconds": 0.05, "lease_seconds": 5,
               "retry_initial_seconds": 60, "retry_max_seconds": 3600, "max_attempts": 3},
        worker={"concurrency": 16, "commit_batch": 16},
        stickprov={"key": "test-key", "rate": 0.0},
    )  # fmt: skip


@pytest.fixture
def engine(settings):
    from robot.queue import migrate
    from robot.queue.db import make_engine

    eng = make_engine(settings.database())
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


def _postgres_admin_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(POSTGRES_URL).set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of a real PostgreSQL server, or skip (fail in CI, where ROBOT_REQUIRE_POSTGRES=1)."""
    from sqlalchemy import create_engine, text

    try:
        eng = create_engine(_postgres_admin_url())
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
    except Exception as exc:
        message = f"no PostgreSQL at {POSTGRES_URL} ({type(exc).__name__}); set ROBOT_TEST_POSTGRES_URL"
        if os.environ.get("ROBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " — CI requires PostgreSQL tests to run")
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture
def postgres_url(postgres_server) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from robot.queue import migrate
    from robot.queue.db import make_engine

    name = f"robot_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    eng = make_engine(url)
    migrate.upgrade(eng)
    eng.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def web_clock():
    """The web app's clock: a day after the test queue was processed; tests move it on."""
    import datetime as dt

    from robot.clock import FixedClock

    return FixedClock(dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC))


@pytest.fixture(scope="session")
def workplace_database(tmp_path_factory, ruleset) -> Path:
    """A database with a filled queue and five accounts (tests/web_support.py), built once per session."""
    from robot.config import Settings
    from robot.queue import migrate
    from robot.queue.db import make_engine
    from tests.web_support import add_accounts, fill_queue

    folder = tmp_path_factory.mktemp("workplace")
    config = Settings(data_dir=folder, rules_dir=RULES, queue={"hold_until_batch": False},
                      stickprov={"key": "test-key", "rate": 0.0})  # fmt: skip
    eng = make_engine(config.database())
    migrate.upgrade(eng)
    fill_queue(eng, config, ruleset)
    add_accounts(eng)
    eng.dispose()
    return folder / "robot.db"


@pytest.fixture
def workplace(settings, ruleset, web_clock, workplace_database):
    """The web app over a copy of the workplace database; `workplace.state.web.engine` is its engine."""
    import shutil

    from robot.queue.db import make_engine
    from robot.web.app import create_app

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(workplace_database, settings.database().removeprefix("sqlite:///"))
    eng = make_engine(settings.database())
    yield create_app(settings, eng, web_clock, dict(ruleset.reasons))
    eng.dispose()
