"""compose.yaml and the Dockerfile say what the robot can do: every command exists, every probe asks a real path.

There is no Docker engine here; the pieces are started by hand in the README's section and these tests
keep the files honest.
"""

from __future__ import annotations

import re

import pytest
import typer
import yaml

from robot.cli.main import app
from tests.conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
ROBOT_SERVICES = {name: s for name, s in COMPOSE["services"].items() if s.get("image", "").startswith("bistandsrobot")}


def cli_command(words: list[str]):
    """The click command `robot WORDS…` names, or None."""
    command = typer.main.get_command(app)
    for word in words:
        sub = getattr(command, "commands", {}).get(word)
        if sub is None:
            return None
        command = sub
    return command


def test_compose_has_the_database_a_one_shot_migration_the_daemon_and_the_web_app():
    assert set(COMPOSE["services"]) == {"db", "migrate", "robot", "web"}
    assert set(ROBOT_SERVICES) == {"migrate", "robot", "web"}
    assert COMPOSE["services"]["migrate"]["restart"] == "no"
    for name in ("robot", "web"):
        assert ROBOT_SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert COMPOSE["services"]["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert {"pg-data", "robot-data"} <= set(COMPOSE["volumes"])


@pytest.mark.parametrize("service", sorted(ROBOT_SERVICES))
def test_every_command_in_compose_exists_in_the_cli(service: str):
    command = ROBOT_SERVICES[service]["command"]
    assert cli_command(command) is not None, f"robot {' '.join(command)}"


@pytest.mark.parametrize(("service", "variable"), [("robot", "ROBOT_HTTP_PORT"), ("web", "ROBOT_WEB_PORT")])
def test_health_checks_ask_the_port_and_path_the_service_serves(service: str, variable: str):
    spec = ROBOT_SERVICES[service]
    port = spec["environment"][variable]
    probe = " ".join(spec["healthcheck"]["test"])
    assert re.search(rf"http://127\.0\.0\.1:{port}/healthz", probe)
    assert f":{port}:{port}" in spec["ports"][0] and spec["environment"][variable.replace("PORT", "HOST")] == "0.0.0.0"


def test_the_image_runs_as_a_non_root_user_with_the_rules_as_data():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^USER robot$", dockerfile, re.M) and "useradd --system --uid 10001" in dockerfile
    assert "ROBOT_RULES_DIR=/app/rules" in dockerfile and "COPY rules ./rules" in dockerfile
    assert 'ENTRYPOINT ["robot"]' in dockerfile and "robot.env" in (ROOT / ".dockerignore").read_text()


def _role(url: str) -> str:
    return re.match(r"postgresql://([^:@]+)", url).group(1)


def test_compose_migrates_as_the_owner_and_runs_as_a_role_that_cannot_alter_the_tables():
    """Issue 16's least privilege holds in compose too: the daemon and the web app never log in as the owner."""
    db = COMPOSE["services"]["db"]
    owner = db["environment"]["POSTGRES_USER"]
    migrate = ROBOT_SERVICES["migrate"]["environment"]
    assert _role(migrate["ROBOT_MIGRATION_DATABASE_URL"]) == owner
    for name, spec in ROBOT_SERVICES.items():
        assert _role(spec["environment"]["ROBOT_DATABASE_URL"]) != owner, name
    init = (ROOT / "config/postgres/10-runtime-role.sh").read_text(encoding="utf-8")
    runtime = _role(ROBOT_SERVICES["robot"]["environment"]["ROBOT_DATABASE_URL"])
    assert f"CREATE ROLE {runtime} LOGIN" in init
    assert any(v.startswith("./config/postgres:/docker-entrypoint-initdb.d") for v in db["volumes"])


def test_the_example_receiver_does_not_take_the_web_apps_port():
    from robot.config import Settings

    receiver = (ROOT / "examples" / "receiver.py").read_text(encoding="utf-8")
    default = re.search(r'"--port", type=int, default=([0-9]+)', receiver)
    assert default and int(default[1]) != Settings().web.port
