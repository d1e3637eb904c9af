"""`robot ssbtek ping`, `robot ssbtek decode` and `robot ssbtek-sim`, through a small Typer app that mounts them as main.py does."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import typer
from typer.testing import CliRunner

from robot.adapters.ssbtek.request import TEST_ENVELOPE
from robot.adapters.ssbtek.simulator import FaultInjection, listening_socket, ssbtek_simulator
from robot.adapters.ssbtek.soap import TEST_RESPONSE, body_element
from robot.cli import ssbtek as ssbtek_cli
from tests.conftest import ROOT
from tests.sources_fixture import REGISTER_FILE

cli = typer.Typer()
cli.add_typer(ssbtek_cli.app, name="ssbtek")
cli.command("ssbtek-sim")(ssbtek_cli.simulator)

runner = CliRunner()


def ping(url: str | None):
    env = {"ROBOT_SSBTEK_URL": url or "", "ROBOT_CONFIG": "/dev/null"}
    return runner.invoke(cli, ["ssbtek", "ping"], env=env)


def test_ping_prints_every_authority_by_its_code():
    with ssbtek_simulator(REGISTER_FILE) as sim:
        result = ping(sim.url)
    assert result.exit_code == 0, result.output
    certificate, *lines = result.stdout.splitlines()
    assert certificate == "SSBTEK klientcertifikat: inget (en simulator på den här datorn)"
    assert [line.split()[0] for line in lines] == ["AF", "CSN", "FK", "SKV", "SO", "TNS", "MIV"]
    assert all(line.split()[1] == "ok" for line in lines)


def test_ping_exits_1_when_an_authority_reports_an_error():
    with ssbtek_simulator(REGISTER_FILE, FaultInjection(authority_error_rate=1.0, seed=1)) as sim:
        result = ping(sim.url)
    assert result.exit_code == 1
    assert "AF   fel (kalla SSBT, felkod SSBT-TIMEOUT)" in result.stdout


def test_ping_exits_3_with_one_line_when_ssbtek_is_unreachable():
    with ssbtek_simulator(REGISTER_FILE) as sim:
        url = sim.url
    result = ping(url)
    assert result.exit_code == 3
    assert result.stderr.startswith(f"robot: SSBTEK på {url} går inte att nå")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_ping_without_an_address_is_a_configuration_error():
    result = ping(None)
    assert result.exit_code == 2
    assert "ROBOT_SSBTEK_URL" in result.stderr


def test_the_simulator_command_refuses_bad_input_with_one_line():
    missing = runner.invoke(cli, ["ssbtek-sim", "--register", "/nonexistent/register.json"])
    assert missing.exit_code == 2 and "filen finns inte" in missing.stderr
    rate = runner.invoke(cli, ["ssbtek-sim", "--register", str(REGISTER_FILE), "--error-rate", "2"])
    assert rate.exit_code == 2 and "error_rate" in rate.stderr
    not_register = runner.invoke(cli, ["ssbtek-sim", "--register", str(ROOT / "pyproject.toml")])
    assert not_register.exit_code == 2 and "register/1" in not_register.stderr
    with listening_socket("127.0.0.1", 0) as taken:
        port = str(taken.getsockname()[1])
        busy = runner.invoke(cli, ["ssbtek-sim", "--register", str(REGISTER_FILE), "--port", port])
    assert busy.exit_code == 2 and "kan inte lyssna" in busy.stderr


def test_the_simulator_command_serves_the_contract():
    script = "import typer; from robot.cli.ssbtek import simulator; typer.run(simulator)"
    process = subprocess.Popen(
        [sys.executable, "-c", script, "--register", str(REGISTER_FILE), "--port", "0", "--latency-ms", "1"],
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = process.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, line
        assert f"employer declarations on http://127.0.0.1:{found.group(1)}/agi/" in line
        answer = httpx.post(f"http://127.0.0.1:{found.group(1)}/", content=TEST_ENVELOPE, timeout=10)
        assert answer.status_code == 200
        assert body_element(answer.content).tag == TEST_RESPONSE
    finally:
        process.terminate()
        process.wait(timeout=10)
