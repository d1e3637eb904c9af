"""Issue 22's CLI probes: the amount ceiling, and one Swedish line for every failure a person can cause.

Registered in `bench.security.FAMILIES`; each function returns `list[bench.security.Result]`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from functools import partial

from bench.harness import ROOT, Workspace


def amount_ceiling() -> list:  # list[bench.security.Result]
    """A decided amount above `casework.max_amount` is refused even with --confirm-amount."""
    from bench.security import Result, _robot, processed_samples

    results = []
    with processed_samples() as ws:
        _robot(ws, "manual", "claim", "M2")
        for typed, said in (("99 999 999 999", "99 999 999 999"), ("1" + "0" * 24, "10^24")):
            done = _robot(ws, "manual", "resolve", "M2", "-d", "bifall", "--amount", typed, "--confirm-amount")
            line = _only_line(done)
            held = done.returncode == 2 and line is not None and "taket" in line and "skickat" not in done.stdout
            results.append(Result(f"--confirm-amount with {said} kr: refused above the ceiling", held,
                                  line or _everything(done)[:160]))  # fmt: skip
        shown = _robot(ws, "manual", "show", "M2")
        results.append(Result("the item is still undecided after the refused amounts", "Status: tilldelat" in shown.stdout,
                              _grep(shown.stdout, "Status")))  # fmt: skip
    return results


def one_line_failures() -> list:  # list[bench.security.Result]
    """Each failure a person can cause at the CLI is one Swedish line, a non-zero exit and no traceback."""
    from bench.security import Result

    results = []
    with Workspace.create() as ws:
        closed = "postgresql://robot:hemligt@127.0.0.1:1/robot"
        for command in (("db", "upgrade"), ("db", "status")):
            done = ws.robot(*command, timeout=120, ROBOT_DATABASE_URL=closed)
            results.append(_one_line_result(Result, f"robot {' '.join(command)} on an unreachable database", done,
                                            "servern svarar inte"))  # fmt: skip
        done = ws.robot("db", "upgrade", timeout=120, ROBOT_DATABASE_URL="mysql://robot@127.0.0.1/robot")
        results.append(_one_line_result(Result, "a MySQL URL (unsupported database)", done, "stöds inte"))
        not_a_folder = ws.root / "not-a-folder"
        not_a_folder.write_text("x", encoding="utf-8")
        done = ws.robot("db", "upgrade", timeout=120, ROBOT_DATA_DIR=str(not_a_folder))
        results.append(_one_line_result(Result, "a file as the data folder", done, "en fil, inte en mapp"))
        data = ws.root / "read-only"
        ws.robot("db", "upgrade", timeout=120, ROBOT_DATA_DIR=str(data))
        (data / "robot.db").chmod(0o444)
        data.chmod(0o555)
        try:
            for command in (("db", "upgrade"), ("status",)):
                done = _unprivileged(ws, *command, ROBOT_DATA_DIR=str(data))
                name = f"robot {' '.join(command)} on a read-only data folder"
                if done is None:
                    results.append(Result(name, None, "root without setpriv: permissions cannot be tested here"))
                    continue
                result = _one_line_result(Result, name, done, "inte skrivbar")
                if "fil, inte en mapp" in done.stderr:
                    result = Result(name, False, "said to be a file, not a folder")
                results.append(result)
        finally:
            data.chmod(0o755)
    return results


def purge_as_runtime_role(admin_url: str | None = None) -> list:  # list[bench.security.Result]
    """`robot db purge` as the runtime role (the daemon's URL) is one Swedish line naming the owner's URL, not a
    5.9 KB traceback with SQL parameters."""
    import datetime as dt

    from bench.harness import CLOCK_START
    from bench.security import (
        DEFAULT_POSTGRES,
        SAMPLES,
        Result,
        _postgres_answers,
        _robot,
        _sample_workspace,
        two_roles,
    )
    from bench.security_access import approve_reviewed
    from robot.accounts.service import os_user

    admin_url = admin_url or DEFAULT_POSTGRES
    name = "robot db purge as the runtime role"
    if not _postgres_answers(admin_url):
        return [Result(name, None, f"no PostgreSQL at {admin_url}")]
    with two_roles(admin_url) as (owner_url, runtime_url), Workspace.create(database_url=runtime_url) as ws:
        _sample_workspace(ws)
        _robot(ws, "db", "upgrade", ROBOT_MIGRATION_DATABASE_URL=owner_url)
        _robot(ws, "users", "add", os_user(), "--role", "admin", "--role", "teamledare")
        _robot(ws, "enqueue", str(SAMPLES / "applications"))
        _robot(ws, "batch")
        approve_reviewed(partial(_robot, ws), "R1")  # a closed case for the purge to reach
        later = dt.datetime.fromisoformat(CLOCK_START) + dt.timedelta(days=2)
        done = _robot(ws, "db", "purge", "--before", later.date().isoformat(), ROBOT_RETENTION_YEARS="0",
                      ROBOT_CLOCK_START=later.isoformat())  # fmt: skip
        return [_one_line_result(Result, name, done, "gallringen gjordes inte")]


def _unprivileged(ws: Workspace, *args: str, **env: str) -> subprocess.CompletedProcess[str] | None:
    """`robot …` without root's right to bypass file permissions (None: cannot be had here)."""
    command = [sys.executable, "-m", "robot", *args]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            return None
        command = ["setpriv", "--bounding-set=-all", *command]
    return subprocess.run(command, cwd=ROOT, env=ws.env(**env), capture_output=True, text=True, timeout=120)


def _one_line_result(result_type, name: str, done: subprocess.CompletedProcess[str], says: str):  # type: ignore[no-untyped-def]
    line = _only_line(done)
    swedish = line is not None and re.search(r"\b(inte|kan|stöds)\b", line) is not None
    held = (
        done.returncode != 0 and line is not None and swedish and says in line and "Traceback" not in _everything(done)
    )
    lines = len(_everything(done).strip().splitlines())
    return result_type(name, held, (line or f"{lines} lines")[:160])


def _everything(done: subprocess.CompletedProcess[str]) -> str:
    return done.stderr + done.stdout


def _only_line(done: subprocess.CompletedProcess[str]) -> str | None:
    lines = [line for line in _everything(done).splitlines() if line.strip()]
    return lines[0] if len(lines) == 1 and lines[0].startswith("robot: ") else None


def _grep(text: str, word: str) -> str:
    return next((line for line in text.splitlines() if word in line), "")
