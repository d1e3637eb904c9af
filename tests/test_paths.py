"""The CLI from any directory: it finds its config and rules, or says in one line which it could not use."""

from __future__ import annotations

import json

import pytest
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
