"""The CLI from any directory: it finds its config and rules, or says in one line which it could not use."""

from __future__ import annotations

import json
import re

import pytest
import typer.main
from typer.testing import CliRunner

from robot.cli.main import app
from robot.config import SHIPPED_RULES
from tests.conftest import RULES


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """An empty directory that is not the project's, with no ROBOT_* settings."""
    for name in ("ROBOT_CONFIG", "ROBOT_RULES_DIR", "ROBOT_DATA_DIR", "ROBOT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def robot(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


def one_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def test_the_shipped_rules_are_the_projects_and_found_from_anywhere(elsewhere):
    assert RULES.resolve() == SHIPPED_RULES
    checked = robot("rules", "check", "--quiet")
    assert checked.exit_code == 0, checked.output
    assert "0 fel" in checked.output
    shown = json.loads(robot("config", "show").output)
    assert shown["rules_dir"] == str(RULES.resolve())
    assert "standardvärden" in shown["config_file"]


def test_a_config_file_in_the_current_directory_is_used(elsewhere):
    (elsewhere / "config").mkdir()
    (elsewhere / "config" / "robot.toml").write_text("[queue]\nmax_attempts = 7\n", encoding="utf-8")
    shown = json.loads(robot("config", "show").output)
    assert shown["queue"]["max_attempts"] == 7 and shown["config_file"] == "config/robot.toml"


def test_a_config_file_named_but_missing_is_refused(elsewhere, monkeypatch):
    monkeypatch.setenv("ROBOT_CONFIG", str(elsewhere / "robto.toml"))
    result = robot("config", "show")
    assert result.exit_code == 2
    assert one_line(result) == f"robot: kan inte läsa inställningarna: ROBOT_CONFIG pekar på {elsewhere / 'robto.toml'}, som inte är en fil"


def test_a_missing_rules_folder_is_named_with_where_it_came_from(elsewhere, monkeypatch):
    assert one_line(robot("rules", "test", "--rules", "regler")) == "robot: ingen regelmapp i regler (från --rules)"
    monkeypatch.setenv("ROBOT_RULES_DIR", "/srv/regler")
    assert one_line(robot("rules", "check")) == "robot: ingen regelmapp i /srv/regler (från ROBOT_RULES_DIR)"
    monkeypatch.delenv("ROBOT_RULES_DIR")
    (elsewhere / "robot.toml").write_text('rules_dir = "gamla-regler"\n', encoding="utf-8")
    monkeypatch.setenv("ROBOT_CONFIG", str(elsewhere / "robot.toml"))
    assert one_line(robot("rules", "check")).endswith(f"i gamla-regler (från rules_dir i {elsewhere / 'robot.toml'})")


def test_a_missing_database_is_named_and_not_created(elsewhere):
    result = robot("manual", "list")
    assert result.exit_code == 3
    assert one_line(result).startswith(f"robot: ingen databas i {elsewhere / 'data' / 'robot.db'}; kör `robot db upgrade`")
    assert list(elsewhere.iterdir()) == [], "a read command creates no data folder"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgress://robot:hemligt@db.example/robot", "stöds inte: roboten använder PostgreSQL eller SQLite"),
        ("postgresql//robot:hemligt@db.example/robot", "adressen går inte att tolka"),
        ("postgresql://robot:hemligt@db.invalid/robot", "värdnamnet finns inte"),
    ],
)
def test_a_mistyped_database_url_is_one_line_without_the_password(elsewhere, monkeypatch, url, says):
    monkeypatch.setenv("ROBOT_DATABASE_URL", url)
    result = robot("status")
    assert result.exit_code == 3
    line = one_line(result)
    assert (line.startswith("robot: kan inte använda databasen ") or "stöds inte" in line) and says in line
    assert "hemligt" not in line


def test_an_unusable_data_folder_is_one_line(elsewhere, monkeypatch):
    (elsewhere / "data").write_text("not a folder", encoding="utf-8")
    result = robot("db", "upgrade")
    assert result.exit_code == 3
    assert one_line(result) == f"robot: kan inte använda datamappen {elsewhere / 'data'}: den är en fil, inte en mapp (ROBOT_DATA_DIR)"


def _robot_process(*args: str, env: dict[str, str], without_privileges: bool = False):
    """`robot …` as its own process; as root without the right to bypass file permissions when asked
    (`setpriv` clears the capability bounding set), so a read-only folder is read-only here too."""
    import os
    import shutil
    import subprocess
    import sys

    command = [sys.executable, "-m", "robot", *args]
    if without_privileges and os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: file permissions cannot be tested")
        command = ["setpriv", "--bounding-set=-all", *command]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ROBOT_")} | {"ROBOT_CONFIG": "/dev/null"}
    from tests.conftest import ROOT

    return subprocess.run(command, cwd=ROOT, env=full_env | env, capture_output=True, text=True, timeout=120)


def _one_swedish_line(done) -> str:  # type: ignore[no-untyped-def]
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr + done.stdout
    assert lines[0].startswith("robot: ") and re.search(r"\b(inte|kan|stöds)\b", lines[0])
    return lines[0]


@pytest.mark.parametrize("command", [("db", "upgrade"), ("db", "status"), ("status",)])
def test_an_unreachable_database_is_one_swedish_line(command):
    closed = "postgresql://robot:hemligt@127.0.0.1:1/robot"
    line = _one_swedish_line(_robot_process(*command, env={"ROBOT_DATABASE_URL": closed}))
    assert "kan inte använda databasen" in line and "servern svarar inte" in line and "hemligt" not in line


@pytest.mark.parametrize("command", [("db", "upgrade"), ("status",)])
def test_an_unsupported_database_is_named_in_one_swedish_line(command):
    line = _one_swedish_line(_robot_process(*command, env={"ROBOT_DATABASE_URL": "mysql://robot@127.0.0.1/robot"}))
    assert "stöds inte: roboten använder PostgreSQL eller SQLite" in line


@pytest.mark.parametrize("command", [("db", "upgrade"), ("db", "status"), ("status",), ("manual", "list")])
def test_a_read_only_data_folder_is_said_to_be_not_writable(tmp_path, command):
    data = tmp_path / "data"
    assert _robot_process("db", "upgrade", env={"ROBOT_DATA_DIR": str(data)}).returncode == 0
    (data / "robot.db").chmod(0o444)
    data.chmod(0o555)
    try:
        line = _one_swedish_line(_robot_process(*command, env={"ROBOT_DATA_DIR": str(data)}, without_privileges=True))
    finally:
        data.chmod(0o755)
    assert "inte skrivbar" in line and "fil, inte en mapp" not in line


def test_a_data_folder_that_cannot_be_created_is_one_swedish_line(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    try:
        done = _robot_process("db", "upgrade", env={"ROBOT_DATA_DIR": str(locked / "data")}, without_privileges=True)
        line = _one_swedish_line(done)
    finally:
        locked.chmod(0o755)
    assert f"kan inte använda datamappen {locked / 'data'}: den " in line and "behörighet saknas" in line


def test_purge_as_the_runtime_role_is_one_swedish_line(postgres_url, settings, ruleset):
    import uuid

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from robot.queue import grants
    from robot.queue.db import make_engine
    from tests.test_retention import three_cases

    owner = make_engine(postgres_url)
    three_cases(owner, settings, ruleset)
    role = f"robot_rt_{uuid.uuid4().hex[:8]}"
    with owner.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'kortlivat-testlosen'"))
        grants.grant_runtime(conn, role)
    runtime = make_url(postgres_url).set(username=role, password="kortlivat-testlosen")
    try:
        done = _robot_process(
            "db", "purge", "--before", "2026-12-02",
            env={"ROBOT_DATABASE_URL": runtime.render_as_string(hide_password=False), "ROBOT_RETENTION_YEARS": "0",
                 "ROBOT_CLOCK_START": "2026-12-03T08:00:00Z"},
        )  # fmt: skip
        line = _one_swedish_line(done)
        assert "gallringen gjordes inte" in line and "ROBOT_MIGRATION_DATABASE_URL" in line
        assert "kortlivat" not in line and "SELECT" not in line and "UPDATE" not in line and len(line) < 400
    finally:
        with owner.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        owner.dispose()


@pytest.mark.parametrize(
    "words",
    [(), ("db",), ("manual", "list"), ("outbox", "list"), ("users", "add"), ("rules", "check")],
    ids=["robot", "db", "manual-list", "outbox-list", "users-add", "rules-check"],
)
def test_help_pages_are_swedish(elsewhere, words):
    shown = robot(*words, "--help").output
    assert "Användning: robot" in shown and "Visa den här hjälpen och avsluta." in shown and "Tillval" in shown
    for english in ("Usage:", "Show this message", "Options", "Commands", "Arguments", "[default:", "[required]"):
        assert english not in shown, english


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["nosuch"], "robot: okänt kommando nosuch: välj audit, batch, casesystem, check, config, db, decisions, enqueue, explain, "
                     "manual, outbox, recommendations, report, rules, run, simulate, ssbtek, ssbtek-sim, status, users, web"),
        (["--bogus"], "robot: okänt tillval --bogus; se `robot --help`"),
        (["db", "bogus"], "robot: okänt kommando bogus: välj purge, status, upgrade, verify"),
        (["db", "verify", "--anchor"], "robot: --anchor behöver ett värde; se `robot db verify --help`"),
        (["users", "add"], "robot: ange USER_ID; se `robot users add --help`"),
    ],
)
def test_a_mistyped_command_is_one_swedish_line(elsewhere, args, line):
    result = robot(*args)
    assert result.exit_code == 2
    assert one_line(result) == line


@pytest.mark.parametrize(
    "args",
    [[], ["--help"], ["run", "--help"], ["run", "--bogus"], ["run", "extra"], ["db", "--help"], ["db", "bogus"],
     ["users", "add"], ["nosuch"], ["--bogus"]],
)  # fmt: skip
def test_the_command_line_builds_only_the_command_named_first_and_says_what_the_whole_tree_says(
    elsewhere, capsys, args
):
    """`robot run` need not build the other commands' Click objects (2 % of a worker's start-up)."""

    def said(main):
        with pytest.raises(SystemExit) as ended:
            main(args, prog_name="robot")
        shown = capsys.readouterr()
        return ended.value.code, shown.out, shown.err

    assert said(app) == said(typer.main.get_command(app))
    assert [c.name for c in app._only("run").registered_commands] == ["run"] and not app._only("run").registered_groups
    assert [g.name for g in app._only("db").registered_groups] == ["db"] and not app._only("db").registered_commands
    assert app._only("nosuch") is app


def test_a_database_refusal_no_command_caught_is_one_swedish_line(elsewhere, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from robot.cli import ops
    from robot.queue import status

    def refused(_engine):
        raise OperationalError("SELECT secret FROM applications", {"pnr": "199001011234"}, Exception("connection refused"))

    monkeypatch.setattr(ops, "engine", lambda _config: None)
    monkeypatch.setattr(status, "queue_status", refused)
    result = robot("status")
    assert result.exit_code == 3
    assert one_line(result) == "robot: kan inte använda databasen: servern svarar inte (anslutningen nekades) [connection refused]"
