"""Bad input: thousands of broken documents through the inbox and the chain while the daemon runs.

    .venv/bin/python -m bench.bad_input                     # 10 000 documents
    .venv/bin/python -m bench.bad_input --documents 2000

Wrong types, missing and extra fields, huge numbers, negative amounts, invalid personnummer, deep
nesting, odd Unicode, documents that are not JSON objects, an empty file and a 10 MB file. Each must
end as a rejected file with an error file beside it, or as a manual item naming the fields at fault
(or, where the change left a valid application, as an ordinary outcome); the daemon keeps running and
its memory stays bounded (intake reads at most `intake.max_file_bytes` of a file).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bench.generate import Generator
from bench.harness import Workspace, current_period, state_counts, vm_hwm
from robot.formats.application import NotAnApplication, application_id_of, load_json_object
from robot.queue.schema import applications as A
from robot.queue.schema import manual_items, verdicts

Mutation = Callable[[random.Random, dict[str, Any]], bytes]
FIELDS = ["format", "application_id", "kind", "channel", "district", "period", "submitted_at", "household",
          "activities", "costs", "incomes", "history"]  # fmt: skip
ODD = ["\u202e", "\u200b", "\ufeff", "\u0000", "\ud800", "\U0001f600", "e\u0301", "\uffff", "Ω" * 300, "\\", '"', "\n"]


def _dump(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")


def wrong_type(r: random.Random, doc: dict[str, Any]) -> bytes:
    path = r.choice([["kind"], ["period"], ["household", "other_adults"], ["household", "applicant", "able_to_work"],
                     ["costs"], ["history", "consecutive_months_with_support"], ["household", "children"]])  # fmt: skip
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = r.choice([1.5, "12", True, None, [], {}, "true"])
    return _dump(doc)


def missing_field(r: random.Random, doc: dict[str, Any]) -> bytes:
    doc.pop(r.choice(FIELDS), None)
    return _dump(doc)


def extra_field(r: random.Random, doc: dict[str, Any]) -> bytes:
    target = r.choice([doc, doc["household"], doc["household"]["applicant"], doc["history"]])
    target[r.choice(["x", "bilaga", "Belopp", "__proto__", "⚠", "a" * 5000])] = r.choice([1, "x", None, {"y": [1]}])
    return _dump(doc)


def huge_number(r: random.Random, doc: dict[str, Any]) -> bytes:
    value = r.choice([10**30, 2**63, -(2**63) - 1, 1e308, 10**4000])
    doc["costs"] = [{"type": "hyra", "amount": value}]
    return (
        json.dumps(doc).encode()
        if value != 10**4000
        else _dump(doc).replace(b'"amount": 1', b'"amount": 1' + b"0" * 4000)
    )


def negative_amount(r: random.Random, doc: dict[str, Any]) -> bytes:
    doc["incomes"] = [{"person": "applicant", "type": "lon", "month": doc["period"], "amount": -r.randint(1, 10**6)}]
    return _dump(doc)


def bad_personnummer(r: random.Random, doc: dict[str, Any]) -> bytes:
    pnr = doc["household"]["applicant"]["personnummer"]
    doc["household"]["applicant"]["personnummer"] = r.choice(
        [pnr[:-1] + str((int(pnr[-1]) + 1) % 10), pnr[:10], pnr + "1", "19900230123X", "", "0" * 12, 199001012385]
    )
    return _dump(doc)


def deep_nesting(r: random.Random, doc: dict[str, Any]) -> bytes:
    depth = r.choice([50, 300, 3000, 100_000])
    return _dump(doc)[:-1] + b', "deep": ' + b"[" * depth + b"]" * depth + b"}"


def odd_unicode(r: random.Random, doc: dict[str, Any]) -> bytes:
    key = r.choice(["district", "kind", "application_id", "period"])
    doc[key] = r.choice(ODD) + str(doc.get(key, ""))
    return json.dumps(doc).encode() if r.random() < 0.5 else _dump(doc)


def not_an_object(r: random.Random, doc: dict[str, Any]) -> bytes:
    raw = _dump(doc)
    return r.choice([
        raw[: r.randint(1, len(raw) - 1)],              # truncated
        b"[" + raw + b"]",                              # an array
        b'"' + raw.replace(b'"', b"'") + b'"',          # a string
        b"null", b"42", b"\xff\xfe\x00\x01garbage",     # not text
        raw.decode().encode("utf-16"),                  # another encoding
        b"\xef\xbb\xbf" + raw if r.random() < 0.5 else b"{" * 10,
    ])  # fmt: skip


MUTATIONS: list[Mutation] = [wrong_type, missing_field, extra_field, huge_number, negative_amount, bad_personnummer,
                             deep_nesting, odd_unicode, not_an_object]  # fmt: skip


@dataclass
class BadInputReport:
    documents: int
    by_mutation: Counter[str]
    rejected_files: int
    rejected_with_error_file: int
    queued: int
    invalid_with_fields: int
    other_outcomes: int
    unaccounted: list[str]
    daemon_alive_throughout: bool
    daemon_exit_code: int
    peak_rss_mb: float
    seconds: float
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            not self.unaccounted
            and self.rejected_files == self.rejected_with_error_file
            and self.daemon_alive_throughout
            and self.daemon_exit_code == 0
            and self.rejected_files + self.queued == self.documents
        )

    def lines(self) -> list[str]:
        return [
            f"documents: {self.documents} ({', '.join(f'{k} {v}' for k, v in sorted(self.by_mutation.items()))})",
            f"rejected files: {self.rejected_files} (with an error file: {self.rejected_with_error_file}); "
            f"queued: {self.queued}: {self.invalid_with_fields} manual with the fields at fault "
            f"(INVALID_APPLICATION), {self.other_outcomes} other outcomes; unaccounted: {len(self.unaccounted)}",
            f"queue at the end: {json.dumps(self.outcomes)}",
            f"daemon alive throughout: {self.daemon_alive_throughout}; exit code on SIGTERM: {self.daemon_exit_code}; "
            f"peak RSS {self.peak_rss_mb:.0f} MB; time {self.seconds:.0f} s",
            f"result: {'PASS' if self.ok else 'FAIL'}",
        ]


def documents(n: int, seed: int = 3, gen: Generator | None = None) -> list[tuple[str, str, bytes]]:
    """(file name, mutation, bytes) for n bad documents, plus an empty file and a 10 MB file."""
    r = random.Random(seed)
    gen = gen or Generator(current_period(), seed)
    out = [("empty.json", "empty_file", b""), ("huge.json", "ten_megabytes", b'{"x": "' + b"a" * 10_000_000 + b'"}')]
    for i in range(n - 2):
        doc = copy.deepcopy(gen.application(f"BAD-{i:06d}").document)
        mutation = MUTATIONS[i % len(MUTATIONS)]
        out.append((f"bad-{i:06d}.json", mutation.__name__, mutation(r, doc)))
    return out


def run(n: int = 10_000, waves: int = 10, seed: int = 3) -> BadInputReport:
    started = time.monotonic()
    gen = Generator(current_period(), seed)
    docs = documents(n, seed, gen)
    with Workspace.create() as ws:
        # The documents' own register: a still-valid document's declared salary is registered, so
        # nothing waits for an employer's declaration.
        ws.register_file.write_text(json.dumps(gen.register, ensure_ascii=False), encoding="utf-8")
        assert ws.robot("db", "upgrade").returncode == 0
        inbox = ws.data_dir / "inbox"
        inbox.mkdir(parents=True, exist_ok=True)
        daemon = ws.spawn("run", "--no-schedule", log=ws.root / "daemon.log",
                          ROBOT_SSBTEK_REGISTER=str(ws.register_file), ROBOT_INTAKE_SCAN_INTERVAL_SECONDS="0.5")  # fmt: skip
        peak = 0
        alive = True
        per_wave = -(-len(docs) // waves)
        for w in range(waves):
            for name, _, raw in docs[w * per_wave : (w + 1) * per_wave]:
                tmp = inbox / (name + ".tmp")
                tmp.write_bytes(raw)
                os.replace(tmp, inbox / name)  # what the e-service does: write, then rename
            peak = max(peak, vm_hwm(daemon.pid))
            time.sleep(0.3)
        eng = ws.engine()
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            alive = alive and daemon.poll() is None
            peak = max(peak, vm_hwm(daemon.pid))
            states = state_counts(eng)
            if not any(inbox.iterdir()) and not states.get("NEW") and not states.get("IN_PROGRESS"):
                break
            time.sleep(0.5)
        alive = alive and daemon.poll() is None
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=120)
        rejected = (
            {p.name for p in (ws.data_dir / "rejected").iterdir()} if (ws.data_dir / "rejected").exists() else set()
        )
        with eng.connect() as conn:
            queued = {r.application_id: r.id for r in conn.execute(select(A.c.application_id, A.c.id))}
            invalid = {
                r.application_pk
                for r in conn.execute(select(manual_items.c.application_pk, manual_items.c.reasons_json))
                if "INVALID_APPLICATION" in r.reasons_json and "Fel: " in r.reasons_json
            }
            with_verdict = {r[0] for r in conn.execute(select(verdicts.c.application_pk))}
            states = state_counts(eng)
        eng.dispose()
    unaccounted = []
    rejected_files = sum(1 for name in rejected if not name.endswith(".error.txt"))
    with_error = sum(1 for name in rejected if not name.endswith(".error.txt") and f"{name}.error.txt" in rejected)
    for name, _, raw in docs:
        if name in rejected:
            continue
        try:
            app_id = application_id_of(load_json_object(raw), raw)
        except NotAnApplication:
            unaccounted.append(f"{name}: not an object but not rejected")
            continue
        if app_id not in queued:
            unaccounted.append(f"{name}: {app_id} neither rejected nor queued")
        elif queued[app_id] not in with_verdict and queued[app_id] not in invalid:
            unaccounted.append(f"{name}: {app_id} queued without an outcome")
    invalid_count = sum(1 for pk in queued.values() if pk in invalid)
    return BadInputReport(
        documents=len(docs),
        by_mutation=Counter(m for _, m, _ in docs),
        rejected_files=rejected_files,
        rejected_with_error_file=with_error,
        queued=len(queued),
        invalid_with_fields=invalid_count,
        other_outcomes=len(queued) - invalid_count,
        unaccounted=unaccounted,
        daemon_alive_throughout=alive,
        daemon_exit_code=code,
        peak_rss_mb=peak / 2**20,
        seconds=time.monotonic() - started,
        outcomes=states,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bad_input", description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    args = parser.parse_args()
    report = run(args.documents)
    print("\n".join(report.lines()))
    for line in report.unaccounted[:20]:
        print("  ", line)
    raise SystemExit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
