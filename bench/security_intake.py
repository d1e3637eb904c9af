"""Probes of issue 22, item 1: one document never stops intake, `robot check` or the worker.

A year-0 period once raised `ValueError: year 0 is out of range`: `robot enqueue` queued none of
the files given with it, the inbox logged `inbox_scan_failed` every two seconds and never queued the
valid file beside it, `robot check` crashed and the worker wrote TEKNISKT_FEL. A `submitted_at` in
year 1 with an offset overflowed the calendar the same way.
"""

from __future__ import annotations

import json
import subprocess

from bench.harness import Workspace
from bench.security import SAMPLES, Result, _migrated, _robot, _sample_workspace, _state

SAMPLE = SAMPLES / "applications" / "000101-ensamstaende-med-barn.json"
HOSTILE = {
    "period": "0000-01",
    "submitted_at": "0001-01-01T00:00:00+01:00",
}
"""The field and the value that once crashed intake."""


def _document(application_id: str, **changes: str) -> str:
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc["application_id"] = application_id
    doc.update(changes)
    return json.dumps(doc, ensure_ascii=False)


def one_document_stops_nothing() -> list[Result]:
    results: list[Result] = []
    with Workspace.create() as ws:
        _sample_workspace(ws)
        _migrated(ws)
        folder = ws.root / "in"
        folder.mkdir()
        box = ws.data_dir / "inbox"
        box.mkdir(parents=True, exist_ok=True)
        for n, (field, value) in enumerate(HOSTILE.items()):
            (folder / f"hostile-{n}.json").write_text(_document(f"FIENTLIG-{n}", **{field: value}), encoding="utf-8")
            (box / f"hostile-{n}.json").write_text(
                _document(f"INKORG-FIENTLIG-{n}", **{field: value}), encoding="utf-8"
            )
        (folder / "valid.json").write_text(_document("GILTIG-1"), encoding="utf-8")
        (box / "valid.json").write_text(_document("INKORG-GILTIG-1"), encoding="utf-8")

        done = _robot(ws, "enqueue", str(folder))
        queued = [_state(ws, f"FIENTLIG-{n}") for n in range(len(HOSTILE))] + [_state(ws, "GILTIG-1")]
        results.append(Result("robot enqueue: a year-0 period or a year-1 submission beside a valid file queues all",
                              done.returncode == 0 and None not in queued and "Traceback" not in done.stderr,
                              f"exit {done.returncode}; states {queued}"))  # fmt: skip
        try:
            batch = _robot(ws, "batch", timeout=300)
            ok = batch.returncode == 0
        except subprocess.TimeoutExpired:
            ok = False
        from_inbox = [_state(ws, f"INKORG-FIENTLIG-{n}") for n in range(len(HOSTILE))] + [_state(ws, "INKORG-GILTIG-1")]
        results.append(Result("inbox: the same files are queued in one scan and the inbox is empty",
                              ok and None not in from_inbox and not any(box.iterdir()),
                              f"states {from_inbox}; left in the inbox: {sorted(p.name for p in box.iterdir())}"))  # fmt: skip
        explain = _robot(ws, "explain", "FIENTLIG-0").stdout
        invalid = "inte följer formatet ansokan/1" in explain and "period: " in explain
        technical = "Tekniskt fel" in explain or "Roboten har inte gjort någon bedömning" in explain
        results.append(Result("the worker: a year-0 period is a manual item naming `period` (not a technical fault)",
                              invalid and not technical, _state(ws, "FIENTLIG-0") or "not queued"))  # fmt: skip
        check = _robot(ws, "check", str(folder / "hostile-0.json"), "--register", str(ws.register_file))
        verdict = json.loads(check.stdout) if check.returncode == 0 else {}
        results.append(Result("robot check: a year-0 period prints a manual verdict",
                              verdict.get("outcome") == "manual" and "Traceback" not in check.stderr,
                              f"exit {check.returncode}; reasons {[r['code'] for r in verdict.get('reasons', [])]}"))  # fmt: skip
    return results
