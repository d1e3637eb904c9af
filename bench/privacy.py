"""Privacy: run the demo end to end and scan every log line for personal data and secrets.

    .venv/bin/python -m bench.privacy

Runs the sample applications through the SSBTEK simulator (over mutual TLS settings, so the client
key is loaded), the daemon, handläggare actions and their decision records (the outbox), the report
and the offline check, capturing the
logs of every process (stderr: structlog JSON lines; the simulator's own log). Then it looks for the
input's personnummer (also as 10 digits and with a hyphen), any per-person amount from the
applications, the register or the verdicts, and the secrets (the stickprov key, the client key).
Zero hits is the only pass. Handläggare output (lists, explanations) is for people entitled to it
and is not a log; the secrets must not appear there either.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from bench.harness import ROOT, Workspace
from bench.security_access import approve_reviewed
from robot.accounts.service import os_user
from robot.adapters.serving import SimulatorTls
from robot.adapters.ssbtek.simulator import FaultInjection, ssbtek_simulator
from robot.queue.schema import applications

SAMPLES = ROOT / "samples"
STICKPROV_KEY = "privacy-scan-secret-key-8c1f"
NUMERIC_KEYS_WITHOUT_AMOUNTS = {
    "duration_ms", "attempt", "count", "processed", "recommendations", "manual", "retry_wait",
    "technical_failures", "released", "retry_in_s", "status", "pid", "port", "calls", "answered",
}  # fmt: skip
# Strings that are identifiers or times: a worker id (`worker_id`, and the deliverer's `owner`) holds the
# process id, which can be any number.
IDENTIFIER_KEYS = {"timestamp", "korrelationsid", "application_id", "next_attempt_at", "worker_id", "owner", "event_id"}


@dataclass
class PrivacyReport:
    log_lines: int
    other_output_lines: int
    personnummer_checked: int
    amounts_checked: int
    hits: list[str] = field(default_factory=list)
    failed_commands: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.hits and not self.failed_commands and self.log_lines > 0

    def lines(self) -> list[str]:
        return [
            f"log lines scanned: {self.log_lines} (and {self.other_output_lines} lines of command output for secrets)",
            f"looked for: {self.personnummer_checked} personnummer, {self.amounts_checked} per-person amounts, "
            f"the stickprov key and the TLS client key",
            f"hits: {len(self.hits)}; commands that failed: {len(self.failed_commands)} {self.failed_commands[:5]}",
            *[f"  {h}" for h in self.hits[:20]],
            f"result: {'PASS' if self.ok else 'FAIL'}",
        ]


def sensitive_values() -> tuple[set[str], set[int]]:
    pnrs: set[str] = set()
    amounts: set[int] = set()
    register = json.loads((SAMPLES / "register.json").read_text(encoding="utf-8"))
    for pnr, person in register["persons"].items():
        pnrs.add(pnr)
        amounts.update(i["amount"] for i in person["incomes"])
    for path in (SAMPLES / "applications").glob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        household = doc["household"]
        for adult in (household["applicant"], household.get("co_applicant")):
            if adult and isinstance(adult.get("personnummer"), str):
                pnrs.add(adult["personnummer"])
        for item in doc.get("costs", []) + doc.get("incomes", []):
            if isinstance(item.get("amount"), int):
                amounts.add(item["amount"])
    return pnrs, {a for a in amounts if a >= 100}


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _pki(directory: Path) -> Path:
    """A CA, the simulator's server certificate (127.0.0.1) and the client's: mutual TLS as in production
    (a client certificate is never sent over plain http)."""
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=privacy-scan CA", cwd=directory)  # fmt: skip
    for name, extension in (("server", "subjectAltName=IP:127.0.0.1"), ("client", "extendedKeyUsage=clientAuth")):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN=bistandsrobot-privacy-scan-{name}", cwd=directory)  # fmt: skip
        (directory / f"{name}.ext").write_text(extension + "\n")
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=directory)  # fmt: skip
    return directory


ACTED_ON = ("GBG-2026-12-000101", "GBG-2026-12-000102", "GBG-2026-12-000103")


def states_of(engine: Engine, application_ids: tuple[str, ...]) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(applications.c.application_id, applications.c.state)
                            .where(applications.c.application_id.in_(application_ids)))  # fmt: skip
        return dict(rows.all())


def run() -> PrivacyReport:
    pnrs, amounts = sensitive_values()
    with Workspace.create() as ws:
        ws.root.mkdir(exist_ok=True)
        pki = _pki(ws.root)
        key = pki / "client.key"
        secret_key_text = key.read_text(encoding="ascii")
        key_body = "".join(secret_key_text.splitlines()[1:-1])[:64]
        env = {
            "ROBOT_STICKPROV_KEY": STICKPROV_KEY,
            "ROBOT_SSBTEK_CLIENT_CERT": str(pki / "client.pem"),
            "ROBOT_SSBTEK_CLIENT_KEY": str(key),
            "ROBOT_SSBTEK_CA_BUNDLE": str(pki / "ca.pem"),
            "ROBOT_LOG_LEVEL": "DEBUG",
            "ROBOT_ACTIVITY_FILE": str(SAMPLES / "register.json"),
            "ROBOT_OUTPUT_DIR": str(ws.root / "beslut"),
            "ROBOT_QUEUE_RETRY_INITIAL_SECONDS": "0.2",
            "ROBOT_QUEUE_RETRY_MAX_SECONDS": "0.5",
        }
        logs: list[str] = []
        output: list[str] = []
        failed: list[str] = []

        def robot(*args: str, may_fail: bool = False) -> subprocess.CompletedProcess[str]:
            done = ws.robot(*args, **env)
            logs.extend(done.stderr.splitlines())
            output.extend(done.stdout.splitlines())
            if done.returncode and not may_fail:  # a scan of commands that did not run proves nothing
                failed.append(f"robot {' '.join(args[:3])}: exit {done.returncode}: {done.stderr.strip()[-160:]}")
            return done

        sim_log = ws.root / "simulator.log"
        tls = SimulatorTls(certfile=pki / "server.pem", keyfile=pki / "server.key", client_ca=pki / "ca.pem")
        with ssbtek_simulator(
            SAMPLES / "register.json", FaultInjection(latency_ms=5, authority_error_rate=0.2, seed=1), tls=tls
        ) as sim:
            env.update(sim.env)
            robot("db", "upgrade")
            robot("config", "show")
            robot("ssbtek", "ping", may_fail=True)  # the simulator injects authority errors
            robot("enqueue", str(SAMPLES / "applications"))
            robot("enqueue", str(SAMPLES / "applications"))
            robot("run", "--until-idle", "--no-schedule", "--no-inbox")
            # Applications an authority failed for wait and are tried again (soon, here) until the ones the
            # handläggare steps below act on are assessed.
            eng = ws.engine()
            for _ in range(30):
                if not {"NEW", "RETRY_WAIT"} & set(states_of(eng, ACTED_ON).values()):
                    break
                time.sleep(0.6)
                robot("batch")
            eng.dispose()
            robot("status", "--json")
            robot("users", "add", os_user(), "--role", "admin", "--role", "teamledare")  # the CLI acts as the OS user
            robot("manual", "list")
            robot("manual", "claim", "GBG-2026-12-000103")
            robot("manual", "resolve", "GBG-2026-12-000103", "-d", "delavslag", "--amount", "9000", "--note", "Delvis",
                  "--confirm-amount")  # fmt: skip
            approve_reviewed(robot, "GBG-2026-12-000101")  # shown, then approved naming its review code
            robot("recommendations", "reject", "GBG-2026-12-000102", "--note", "Ny hyra")
            robot("decisions", "correct", "GBG-2026-12-000101", "-d", "delavslag", "--amount", "11000",
                  "--note", "Fel belopp", "--confirm-amount")  # fmt: skip
            robot("outbox", "deliver")
            robot("outbox", "status", "--json")
            robot("explain", "GBG-2026-12-000104", "--replay")
            robot("report", "--month", "2026-12")
            robot("check", str(SAMPLES / "applications" / "000101-ensamstaende-med-barn.json"), "--register",
                  str(SAMPLES / "register.json"))  # fmt: skip
        # The simulator as ops would run it, with its own log.
        proc = subprocess.Popen(
            [sys.executable, "-m", "robot", "ssbtek-sim", "--register", str(SAMPLES / "register.json"), "--port", "0"],
            cwd=ROOT, env=ws.env(**env), stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            _, sim_err = proc.communicate(timeout=3)
        except subprocess.TimeoutExpired:
            proc.terminate()
            _, sim_err = proc.communicate()
        sim_log.write_text(sim_err, encoding="utf-8")
        logs.extend(sim_err.splitlines())

    hits: list[str] = []
    for line in logs:
        hits += [f"log: personnummer {_mask(p)} in: {line[:120]}" for p in pnrs if _has_pnr(line, p)]
        hits += [f"log: amount in: {line[:160]}" for _ in range(1) if _has_amount(line, amounts)]
        if STICKPROV_KEY in line or key_body in line:
            hits.append(f"log: a secret in: {line[:80]}")
    for line in output:
        if STICKPROV_KEY in line or key_body in line:
            hits.append(f"output: a secret in: {line[:80]}")
    return PrivacyReport(len(logs), len(output), len(pnrs), len(amounts), hits, failed)


def _has_pnr(line: str, pnr: str) -> bool:
    return any(form in line for form in (pnr, pnr[2:], f"{pnr[2:8]}-{pnr[8:]}", f"{pnr[:8]}-{pnr[8:]}"))


def _has_amount(line: str, amounts: set[int]) -> bool:
    try:
        event: Any = json.loads(line)
    except ValueError:
        return any(re.search(rf"(?<![0-9]){a}(?![0-9])", line) for a in amounts)
    return _amount_in(event, amounts, None)


def _amount_in(value: Any, amounts: set[int], key: str | None) -> bool:
    if isinstance(value, dict):
        return any(_amount_in(v, amounts, k) for k, v in value.items())
    if isinstance(value, list):
        return any(_amount_in(v, amounts, key) for v in value)
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return key not in NUMERIC_KEYS_WITHOUT_AMOUNTS and int(value) in amounts
    if isinstance(value, str) and key not in IDENTIFIER_KEYS:
        return any(re.search(rf"(?<![0-9]){a}(?![0-9])|{a // 1000} {a % 1000:03d} kr", value) for a in amounts)
    return False


def _mask(pnr: str) -> str:
    return pnr[:8] + "****"


def main() -> None:
    report = run()
    print("\n".join(report.lines()))
    raise SystemExit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
