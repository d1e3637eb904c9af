"""Kill test for the outbox: decision records delivered while the daemon is SIGKILLed at random moments.

    .venv/bin/python -m bench.outbox_kill                      # 2 000 records, 20 kills, HTTP then folder
    .venv/bin/python -m bench.outbox_kill --records 300 --kills 5 --target folder

HTTP: the records go to examples/receiver.py (signature checked, de-duplicated by Idempotency-Key),
which logs every request. Every record must arrive; a repeat must carry the record's own key and
the same bytes; first arrivals must come in record order. Folder: exactly one complete file per
record, byte for byte the stored record, and nothing else that looks like one. Neither may carry a
personnummer of the applications.
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import CLOCK_START, CLOCK_STARTED_AT, ROOT, Workspace
from robot.accounts import Actor, Role
from robot.casework import (
    CaseworkError,
    approve_recommendation,
    list_manual,
    list_recommendations,
    resolve_manual,
    show_for_review,
)
from robot.clock import StartedClock, parse_start
from robot.config import Settings
from robot.queue import outbox

SECRET = "bench-outbox-secret"
ACTOR = Actor("bench.handlaggare", frozenset({Role.HANDLAGGARE}))
CLOCK = StartedClock(parse_start(CLOCK_START), float(CLOCK_STARTED_AT))
"""The daemons' clock (bench.harness), for the decisions made here too."""


@dataclass
class OutboxKillReport:
    target: str
    records: int
    kills: int = 0
    kills_mid_delivery: int = 0
    received: int = 0
    """Distinct records that arrived (HTTP) or files that are records (folder)."""
    requests_or_writes: int = 0
    duplicates: int = 0
    duplicates_with_their_own_key: int = 0
    missing: int = 0
    not_identical: int = 0
    out_of_order: int = 0
    refused_signatures: int = 0
    cut_off: int = 0
    """Requests whose sender was killed mid-body (the receiver saw an incomplete body and took nothing)."""
    taken_twice: int = 0
    stray_files: int = 0
    temporary_left: int = 0
    """Half-written dot-files of killed deliverers (never named *.json; tidied at a later pass)."""
    personnummer_found: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.received == self.records
            and self.missing == 0
            and self.not_identical == 0
            and self.out_of_order == 0
            and self.duplicates_with_their_own_key == self.duplicates
            and self.refused_signatures == 0
            and self.taken_twice == 0
            and self.stray_files == 0
            and self.personnummer_found == 0
        )

    def lines(self) -> list[str]:
        if self.target == "http":
            sent = (
                f"requests: {self.requests_or_writes}; repeats: {self.duplicates} ({self.duplicates_with_their_own_key} "
                f"with the record's own Idempotency-Key and the same bytes, taken again: {self.taken_twice}); "
                f"cut off mid-body by a kill: {self.cut_off}; refused signatures: {self.refused_signatures}"
            )
        else:
            sent = (
                f"deliveries recorded: {self.requests_or_writes}; half-written temporary files left: "
                f"{self.temporary_left} (dot-files, never *.json)"
            )
        return [
            f"target: {self.target}; records: {self.records}",
            f"SIGKILLs: {self.kills} ({self.kills_mid_delivery} while records were pending)",
            f"received: {self.received} of {self.records}; missing: {self.missing}",
            sent,
            f"first arrivals out of record order: {self.out_of_order}; bodies differing from the stored record: "
            f"{self.not_identical}",
            f"*.json files that are not exactly one complete record: {self.stray_files}; personnummer found: "
            f"{self.personnummer_found}",
            f"time: {self.seconds:.0f} s",
            *self.problems[:10],
            f"result: {'PASS' if self.ok else 'FAIL'}",
        ]


def decide_everything(ws: Workspace, n: int) -> tuple[int, set[str]]:
    """Process n generated applications and decide each as a handläggare would; returns the records and pnrs."""
    apps = ws.generate(n, seed=11)
    env = {"ROBOT_SSBTEK_REGISTER": str(ws.register_file)}
    assert ws.robot("db", "upgrade").returncode == 0
    assert ws.robot("enqueue", str(ws.apps_dir)).returncode == 0
    done = ws.robot("run", "--until-idle", "--no-schedule", "--no-inbox", **env)
    assert done.returncode == 0, done.stderr[-2000:]
    eng = ws.engine()
    settings = Settings(data_dir=ws.data_dir, database_url=ws.database_url)
    for rec in list_recommendations(eng, "pending", limit=n):
        review = show_for_review(eng, rec, ACTOR, clock=CLOCK)  # a handläggare is shown each one first
        approve_recommendation(eng, rec.id, ACTOR, reviewed=review.code, settings=settings, clock=CLOCK)
    for item in list_manual(eng, limit=n):
        decision = {"decision": "bifall", "amount": item.proposal_amount} if item.proposal_amount else {
            "decision": "avslag", "note": "Underlaget räcker inte för bifall"}  # fmt: skip
        try:
            resolve_manual(eng, item.id, ACTOR, stickprov_correct=True if item.stickprov else None,
                           confirm_amount=True, settings=settings, clock=CLOCK, **decision)  # fmt: skip
        except CaseworkError as exc:  # e.g. an item the generator made odd: counted, not hidden
            print(f"not decided: {item.ref}: {exc}", file=sys.stderr)
    total = outbox.listing(eng, None, 1).total
    eng.dispose()
    pnrs = {p for a in apps for p in _pnrs(a.document)}
    return total, pnrs


def _pnrs(doc: dict) -> list[str]:
    h = doc["household"]
    return [a["personnummer"] for a in (h["applicant"], h.get("co_applicant")) if a and "personnummer" in a]


def _has_pnr(text: str, pnrs: set[str]) -> bool:
    return any(form in text for p in pnrs for form in (p, p[2:], f"{p[2:8]}-{p[8:]}"))


def run(
    records: int = 2000,
    kills: int = 20,
    target: str = "http",
    patience: float = 10.0,
    seed: int = 5,
    database_url: str | None = None,
) -> OutboxKillReport:
    rng = random.Random(seed)
    started = time.monotonic()
    with Workspace.create(database_url=database_url) as ws:
        total, pnrs = decide_everything(ws, records)
        received_dir, out_dir = ws.root / "received", ws.root / "beslut"
        env = {
            "ROBOT_SSBTEK_REGISTER": str(ws.register_file),
            "ROBOT_OUTPUT_LEASE_SECONDS": "1.5",
            "ROBOT_OUTPUT_CONNECT_TIMEOUT_SECONDS": "0.25",
            "ROBOT_OUTPUT_TIMEOUT_SECONDS": "0.5",
            "ROBOT_OUTPUT_POLL_INTERVAL_SECONDS": "0.1",
            "ROBOT_OUTPUT_BACKOFF_INITIAL_SECONDS": "0.2",
            "ROBOT_QUEUE_POLL_INTERVAL_SECONDS": "0.5",
        }
        receiver = None
        if target == "http":
            receiver = subprocess.Popen(
                [sys.executable, str(ROOT / "examples" / "receiver.py"), "--port", "0", "--store", str(received_dir)],
                env={**ws.env(), "ROBOT_OUTPUT_SECRET": SECRET}, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            port = receiver.stdout.readline().split("http://127.0.0.1:")[1].split("/")[0]  # type: ignore[union-attr]
            env |= {"ROBOT_OUTPUT_URL": f"http://127.0.0.1:{port}/beslut", "ROBOT_OUTPUT_SECRET": SECRET}
        else:
            env["ROBOT_OUTPUT_DIR"] = str(out_dir)
        eng = ws.engine()
        mid = 0
        try:
            share = max(1, total // (kills + 1))
            for _ in range(kills):
                # Killed after a random number of deliveries (or `patience` seconds), at a random instant
                # within a send: the kills spread over the whole run, each while records are in flight.
                before = outbox.pending_count(eng)
                proc = ws.spawn("run", "--no-schedule", "--no-inbox", log=ws.root / "daemon.log", **env)
                goal, give_up = rng.randint(1, share), time.monotonic() + patience
                while before - outbox.pending_count(eng) < goal and time.monotonic() < give_up:
                    time.sleep(0.01)
                time.sleep(rng.uniform(0, 0.01))
                pending = outbox.pending_count(eng)
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                mid += pending > 0
            final = ws.spawn("run", "--no-schedule", "--no-inbox", log=ws.root / "daemon.log", **env)
            deadline = time.monotonic() + 600
            while outbox.pending_count(eng) and time.monotonic() < deadline:
                time.sleep(0.2)
            final.send_signal(signal.SIGTERM)
            final.wait(timeout=60)
        finally:
            if receiver is not None:
                receiver.terminate()
                receiver.wait()
        stored = {r.event_id: r for r in outbox.listing(eng, None, total + 10)}
        order = [r.event_id for r in sorted(stored.values(), key=lambda r: r.pk)]
        deliveries = sum(outbox.delivered_attempts(eng).values())
        eng.dispose()
        report = (_check_http(received_dir, stored, order, pnrs) if target == "http"
                  else _check_folder(out_dir, stored, pnrs, deliveries))  # fmt: skip
        report.kills, report.kills_mid_delivery = kills, mid
    report.seconds = time.monotonic() - started
    return report


def _check_http(received: Path, stored: dict, order: list[str], pnrs: set[str]) -> OutboxKillReport:
    log = [line.split(" ", 2) for line in (received / "requests.log").read_text().splitlines()]
    files = {p.stem: p.read_bytes() for p in received.glob("*.json")}
    taken = Counter(key for key, status, _ in log if status == "201")
    answered = [(key, status, why) for key, status, why in log if why != "incomplete body"]
    repeats = [key for key, status, _ in answered if status != "201"]
    first_seen = list(dict.fromkeys(key for key, status, _ in answered if status in ("200", "201")))
    expected = [k for k in order if k in set(first_seen)]
    problems = [f"unknown key {k}" for k in taken if k not in stored][:5]
    problems += [f"{status} {why} for {key}" for key, status, why in answered if status not in ("200", "201")][:5]
    return OutboxKillReport(
        target="http",
        records=len(stored),
        received=len(set(files) & set(stored)),
        requests_or_writes=len(log),
        duplicates=len(repeats),
        duplicates_with_their_own_key=sum(1 for key, _, why in answered if why == "duplicate" and key in stored),
        taken_twice=sum(1 for c in taken.values() if c > 1),
        cut_off=len(log) - len(answered),
        missing=len(set(stored) - set(files)),
        not_identical=sum(1 for k, body in files.items() if k in stored and body != stored[k].body.encode()),
        out_of_order=sum(1 for a, b in zip(first_seen, expected, strict=True) if a != b),
        refused_signatures=sum(1 for _, status, _ in answered if status == "401"),
        stray_files=len(set(files) - set(stored)),
        personnummer_found=sum(1 for body in files.values() if _has_pnr(body.decode(), pnrs)),
        problems=problems,
    )


def _check_folder(folder: Path, stored: dict, pnrs: set[str], deliveries: int) -> OutboxKillReport:
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.name.endswith(".json")}
    wanted = {f"{k}.json": r.body.encode() for k, r in stored.items()}
    return OutboxKillReport(
        target="folder",
        records=len(stored),
        received=len(set(files) & set(wanted)),
        requests_or_writes=deliveries,
        missing=len(set(wanted) - set(files)),
        not_identical=sum(1 for name, body in files.items() if name in wanted and body != wanted[name]),
        stray_files=len(set(files) - set(wanted)),
        temporary_left=sum(1 for p in folder.iterdir() if p.name.startswith(".")),
        personnummer_found=sum(1 for body in files.values() if _has_pnr(body.decode(), pnrs)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.outbox_kill", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--target", choices=["http", "folder", "both"], default="both")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    ok = True
    for target in ("http", "folder") if args.target == "both" else (args.target,):
        report = run(args.records, args.kills, target, seed=args.seed, database_url=args.database)
        print("\n".join(report.lines()) + "\n", flush=True)
        ok = ok and report.ok
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
