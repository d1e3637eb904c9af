"""Privacy: run the demo end to end and scan every log line for personal data and secrets.

    .venv/bin/python -m bench.privacy

Runs the sample applications through the SSBTEK simulator (over mutual TLS settings, so the client
key is loaded), the daemon, handläggare actions, the report and the offline check, capturing the
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import ROOT, Workspace
from robot.adapters.ssbtek.simulator import FaultInjection, ssbtek_simulator

SAMPLES = ROOT / "samples"
STICKPROV_KEY = "privacy-scan-secret-key-8c1f"
NUMERIC_KEYS_WITHOUT_AMOUNTS = {
    "duration_ms", "attempt", "count", "processed", "recommendations", "manual", "retry_wait",
    "technical_failures", "released", "retry_in_s", "status", "pid", "port", "calls", "answered",
}  # fmt: skip


@dataclass
class PrivacyReport:
    log_lines: int
    other_output_lines: int
    personnummer_checked: int
    amounts_checked: int
    hits: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.hits and self.log_lines > 0

    def lines(self) -> list[str]:
        return [
            f"log lines scanned: {self.log_lines} (and {self.other_output_lines} lines of command output for secrets)",
            f"looked for: {self.personnummer_checked} personnummer, {self.amounts_checked} per-person amounts, "
            f"the stickprov key and the TLS client key",
            f"hits: {len(self.hits)}",
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


def _certificate(directory: Path) -> tuple[Path, Path]:
    key, cert = directory / "client.key", directory / "client.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=bistandsrobot-privacy-scan"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def run() -> PrivacyReport:
    pnrs, amounts = sensitive_values()
    with Workspace.create() as ws:
        ws.root.mkdir(exist_ok=True)
        cert, key = _certificate(ws.root)
        secret_key_text = key.read_text(encoding="ascii")
        key_body = "".join(secret_key_text.splitlines()[1:-1])[:64]
        env = {
            "ROBOT_STICKPROV_KEY": STICKPROV_KEY,
            "ROBOT_SSBTEK_CLIENT_CERT": str(cert),
            "ROBOT_SSBTEK_CLIENT_KEY": str(key),
            "ROBOT_LOG_LEVEL": "DEBUG",
            "ROBOT_ACTIVITY_FILE": str(SAMPLES / "register.json"),
        }
        logs: list[str] = []
        output: list[str] = []

        def robot(*args: str) -> None:
            done = ws.robot(*args, **env)
            logs.extend(done.stderr.splitlines())
            output.extend(done.stdout.splitlines())

        sim_log = ws.root / "simulator.log"
        with ssbtek_simulator(
            SAMPLES / "register.json", FaultInjection(latency_ms=5, authority_error_rate=0.2, seed=1)
        ) as sim:
            env.update(sim.env)
            robot("db", "upgrade")
            robot("config", "show")
            robot("ssbtek", "ping")
            robot("enqueue", str(SAMPLES / "applications"))
            robot("enqueue", str(SAMPLES / "applications"))
            robot("run", "--until-idle", "--no-schedule", "--no-inbox")
            robot("batch")
            robot("status", "--json")
            robot("manual", "list")
            robot("manual", "claim", "GBG-2026-12-000103", "--as", "anna.h")
            robot(
                "manual",
                "resolve",
                "GBG-2026-12-000103",
                "--as",
                "anna.h",
                "-d",
                "delavslag",
                "--amount",
                "9000",
                "--note",
                "Delvis",
            )
            robot("recommendations", "approve", "GBG-2026-12-000101", "--as", "anna.h")
            robot("recommendations", "reject", "GBG-2026-12-000102", "--as", "bo", "--note", "Ny hyra")
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
    return PrivacyReport(len(logs), len(output), len(pnrs), len(amounts), hits)


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
    if isinstance(value, str) and key not in ("timestamp", "korrelationsid", "application_id", "next_attempt_at"):
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
