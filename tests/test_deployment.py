"""compose.yaml and the Dockerfile say what the robot can do: every command exists, every probe asks a real path.

There is no Docker engine here; the pieces are started by hand in the README's section and these tests
keep the files honest.
"""

from __future__ import annotations

import os
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
    assert set(COMPOSE["services"]) == {"db", "migrate", "robot", "web", "proxy"}
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
    reached = spec["ports"][0] if "ports" in spec else f":{spec['expose'][0]}:"
    assert f":{port}:" in reached and spec["environment"][variable.replace("PORT", "HOST")] == "0.0.0.0"


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


def test_the_example_receiver_does_not_default_to_a_port_the_robot_serves():
    import runpy

    from robot.config import HttpSettings, WebSettings

    receiver = runpy.run_path(str(ROOT / "examples" / "receiver.py"), run_name="receiver")
    assert receiver["DEFAULT_PORT"] not in {WebSettings().port, HttpSettings().port}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "examples/receiver.py --port 8080" not in readme and "8080/beslut" not in readme


NGINX = ROOT / "config" / "nginx"


def _nginx(directive: str) -> str:
    """A directive's value in the proxy's server configuration (its first occurrence)."""
    text = "".join((NGINX / name).read_text(encoding="utf-8") for name in ("robot-web.conf", "robot-web-proxy.inc"))
    match = re.search(rf"^\s*{directive}\s+([^;]+);", text, re.M)
    assert match, directive
    return match.group(1).strip()


def test_only_the_proxy_reaches_robot_web_and_it_bounds_every_request():
    from robot.config import WebSettings

    web, proxy = COMPOSE["services"]["web"], COMPOSE["services"]["proxy"]
    assert "ports" not in web and web["expose"] == ["8080"], "robot web is reached through the proxy only"
    assert proxy["image"].startswith("nginx:") and proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert proxy["ports"] == ["127.0.0.1:8080:8080"] and "./config/nginx:/etc/nginx/conf.d:ro" in proxy["volumes"]
    assert _nginx("proxy_pass") == "http://web:8080"
    app = WebSettings()
    assert int(_nginx("client_max_body_size").removesuffix("k")) * 1024 <= app.max_body_bytes
    assert int(_nginx("client_header_timeout").removesuffix("s")) <= app.header_timeout_seconds
    assert int(_nginx("keepalive_timeout").removesuffix("s")) <= app.keep_alive_seconds
    assert _nginx("client_body_timeout") and _nginx("send_timeout") and _nginx("large_client_header_buffers")
    assert _nginx("limit_conn").startswith("robot_per_address") and "zone=robot_login" in _nginx("limit_req")
    assert _nginx("proxy_set_header X-Forwarded-For") == "$remote_addr", "a client's own X-Forwarded-For is dropped"
    assert web["environment"]["ROBOT_WEB_FORWARDED_ALLOW_IPS"] == "*"


def test_the_proxy_configuration_is_valid_nginx():
    import shutil
    import subprocess

    if shutil.which("nginx") is None:
        if os.environ.get("ROBOT_REQUIRE_NGINX") == "1":
            pytest.fail("no nginx here to check the syntax with — CI requires it (.ci/run installs nginx-light)")
        pytest.skip("no nginx here to check the syntax with")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "conf.d").mkdir()
        for name in ("robot-web.conf", "robot-web-proxy.inc"):
            text = (NGINX / name).read_text(encoding="utf-8").replace("/etc/nginx/conf.d/", f"{root}/conf.d/")
            (root / "conf.d" / name).write_text(text.replace("web:8080", "127.0.0.1:8080"), encoding="utf-8")
        (root / "nginx.conf").write_text(
            f"pid {root}/nginx.pid; error_log {root}/error.log;\nevents {{}}\n"
            f"http {{ access_log off; include {root}/conf.d/*.conf; }}\n", encoding="utf-8")  # fmt: skip
        done = subprocess.run(["nginx", "-t", "-c", str(root / "nginx.conf"), "-p", str(root)],
                              capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
