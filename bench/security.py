"""Replays the security probes of issue 16 against the robot and prints held/failed per probe.

    .venv/bin/python -m bench.security [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Each family builds its own workspace (a fresh SQLite data folder, or on PostgreSQL a fresh
database with an owner and a runtime role, dropped afterwards) and drives the `robot` command as
ops and an attacker would. `tests/test_security.py` runs every family and fails on any probe that
does not hold. The SSBTEK header flood runs `robot batch` against a server that sends headers
without end (`bench/http_bounds.py`) and prints the batch's peak memory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import security_cli
from bench.harness import ROOT, Workspace
from bench.security_casesystem import casesystem
from bench.security_ssbtek_v11 import ssbtek_v11
from bench.security_web import web_bounds, web_login, web_pages
from robot.accounts.service import os_user

SAMPLES = ROOT / "samples"
STRONG_KEY = "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c2b4d6f8e0a1c3e5b7d9f2a4c6e8b0d1f"
"""A key that passes the check; the workspaces otherwise run like production (ROBOT_DEMO=0)."""
PRODUCTION = {"ROBOT_DEMO": "0", "ROBOT_STICKPROV_KEY": STRONG_KEY}
KONFLIKT_TITLE = "Ansökan kom in igen med annat innehåll"
"""ANSOKAN_KONFLIKT's title (rules/orsaker.yaml): `manual list` shows titles, not codes."""
ESCAPES = "\x1b]0;owned\x07\x1b[2J\x1b[31m\u202e\x9b"
"""A window-title change, a screen clear, colour, a bidi override and a C1 CSI."""
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Result:
    probe: str
    held: bool | None
    """None: not run here (no PostgreSQL, or another branch's probe)."""
    detail: str

    def line(self) -> str:
        mark = {True: "held  ", False: "FAILED", None: "skipped"}[self.held]
        return f"{mark}  {self.probe}: {self.detail}"


def _sample_workspace(ws: Workspace) -> None:
    shutil.copy(SAMPLES / "register.json", ws.register_file)


def _migrated(ws: Workspace) -> None:
    """The database, and an account for the operating-system user (the CLI acts as that person)."""
    _robot(ws, "db", "upgrade")
    _robot(ws, "users", "add", os_user(), "--role", "admin", "--role", "teamledare")


def _robot(ws: Workspace, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return ws.robot(*args, timeout=timeout, **{**PRODUCTION, "ROBOT_SSBTEK_REGISTER": str(ws.register_file), **env})


def _raw_controls(output: str) -> bool:
    return any(ch in output for ch in ("\x1b", "\x07", "\u202e", "\x9b"))


# SQLite: the chain shows what the triggers cannot stop --------------------------------------------


@contextlib.contextmanager
def processed_samples() -> Iterator[Workspace]:
    """A SQLite workspace in which the sample applications have been processed."""
    with Workspace.create() as ws:
        _sample_workspace(ws)
        _migrated(ws)
        _robot(ws, "enqueue", str(SAMPLES / "applications"))
        _robot(ws, "batch")
        yield ws


def sqlite_tampering() -> list[Result]:
    with processed_samples() as ws:
        intact = _robot(ws, "db", "verify")
        results = [Result("sqlite: robot db verify on untouched records", intact.returncode == 0, _first(intact.stdout))]
        engine = ws.engine()
        attacks = {
            "sqlite: DROP TRIGGER, then UPDATE verdicts SET amount = 99999": "UPDATE verdicts SET amount = 99999 WHERE id = 2",
            "sqlite: a deleted event": "DELETE FROM events WHERE id = 3",
            "sqlite: two events swapped": "UPDATE events SET id = -5 WHERE id = 5; UPDATE events SET id = 5 WHERE id = 6; "
            "UPDATE events SET id = 6 WHERE id = -5",
        }
        backup = ws.root / "intact.db"
        engine.dispose()
        shutil.copy(ws.data_dir / "robot.db", backup)
        for name, sql in attacks.items():
            shutil.copy(backup, ws.data_dir / "robot.db")
            engine = ws.engine()
            with engine.begin() as conn:
                for trigger in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars().all():
                    conn.execute(text(f'DROP TRIGGER "{trigger}"'))
                for statement in sql.split(";"):
                    conn.execute(text(statement))
            engine.dispose()
            done = _robot(ws, "db", "verify")
            caught = done.returncode == 1 and "row " in done.stderr
            results.append(Result(name, caught, done.stderr.strip().splitlines()[-1] if done.stderr else "not caught"))
        return results


def _first(output: str) -> str:
    return output.strip().splitlines()[0] if output.strip() else ""


# PostgreSQL: the runtime role cannot touch the records --------------------------------------------


@contextlib.contextmanager
def two_roles(admin_url: str) -> Iterator[tuple[str, str]]:
    """A fresh database owned by a new owner role, and a new runtime role; (owner URL, runtime URL)."""
    tag = uuid.uuid4().hex[:8]
    owner, runtime, database = f"robot_owner_{tag}", f"robot_rt_{tag}", f"robot_sec_{tag}"
    admin = create_engine(make_url(admin_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {owner} LOGIN"))
        conn.execute(text(f"CREATE ROLE {runtime} LOGIN"))
        conn.execute(text(f"CREATE DATABASE {database} OWNER {owner}"))
    base = make_url(admin_url).set(database=database, password=None)
    try:
        yield (
            base.set(username=owner).render_as_string(hide_password=False),
            base.set(username=runtime).render_as_string(hide_password=False),
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            conn.execute(text(f"DROP ROLE IF EXISTS {owner}"))
            conn.execute(text(f"DROP ROLE IF EXISTS {runtime}"))
        admin.dispose()


ATTACKS = {
    "ALTER TABLE verdicts DISABLE TRIGGER verdicts_append_only": "ALTER TABLE verdicts DISABLE TRIGGER verdicts_append_only",
    "DROP TRIGGER verdicts_append_only": "DROP TRIGGER verdicts_append_only ON verdicts",
    "TRUNCATE verdicts": "TRUNCATE verdicts CASCADE",
    "UPDATE verdicts SET amount = 99999": "UPDATE verdicts SET amount = 99999",
    "DELETE FROM events": "DELETE FROM events",
    "UPDATE ledger_heads: the verdicts head back to the start": "UPDATE ledger_heads SET last_id = 0",
    "UPDATE ledger_heads: a head that is not the last row's hash": "UPDATE ledger_heads SET last_hash = 'x'",
    "CREATE TABLE": "CREATE TABLE robot_x (id int)",
}


def postgres_roles(admin_url: str | None) -> list[Result]:
    if admin_url is None or not _postgres_answers(admin_url):
        return [Result("postgres: runtime role attacks", None, f"no PostgreSQL at {admin_url}")]
    results = []
    with two_roles(admin_url) as (owner_url, runtime_url), Workspace.create(database_url=runtime_url) as ws:
        _sample_workspace(ws)
        same = _robot(ws, "db", "upgrade", ROBOT_MIGRATION_DATABASE_URL=runtime_url)
        results.append(
            Result("postgres: db upgrade with one role for owner and runtime", same.returncode == 2, _last(same.stderr))
        )
        up = _robot(ws, "db", "upgrade", ROBOT_MIGRATION_DATABASE_URL=owner_url)
        results.append(Result("postgres: db upgrade as the owner, grants to the runtime role", up.returncode == 0,
                              _last(up.stdout) or _last(up.stderr)))  # fmt: skip
        _robot(ws, "users", "add", os_user(), "--role", "admin", "--role", "teamledare")
        _robot(ws, "enqueue", str(SAMPLES / "applications"))
        batch = _robot(ws, "batch")
        approve = security_access.approve_reviewed(partial(_robot, ws), "R1")
        runtime = create_engine(runtime_url)
        for name, sql in ATTACKS.items():
            try:
                with runtime.begin() as conn:
                    conn.execute(text(sql))
                results.append(Result(f"postgres runtime role: {name}", False, "it worked"))
            except Exception as exc:
                cause = str(getattr(exc, "orig", exc)).splitlines()[0]
                results.append(Result(f"postgres runtime role: {name}", True, f"refused: {cause}"))
        runtime.dispose()
        verify = _robot(ws, "db", "verify")
        works = batch.returncode == 0 and approve.returncode == 0 and verify.returncode == 0
        results.append(Result("postgres: the daemon works as the runtime role", works,
                              f"{_last(batch.stdout)}; verify: {'intact' if verify.returncode == 0 else _last(verify.stderr)}"))  # fmt: skip
        results += _purge_as_owner(owner_url, runtime_url)
        owner = create_engine(owner_url)
        with owner.begin() as conn:  # what the owner (or a superuser) can still do: the chain shows it
            conn.execute(text("ALTER TABLE verdicts DISABLE TRIGGER verdicts_append_only"))
            conn.execute(text("UPDATE verdicts SET amount = 99999 WHERE id = 1"))
            conn.execute(text("ALTER TABLE verdicts ENABLE TRIGGER verdicts_append_only"))
        owner.dispose()
        caught = _robot(ws, "db", "verify")
        results.append(Result("postgres: the owner disables the trigger and edits a verdict; verify",
                              caught.returncode == 1 and "verdicts row 1" in caught.stderr, _last(caught.stderr)))  # fmt: skip
    return results


def _purge_as_owner(owner_url: str, runtime_url: str) -> list[Result]:
    """Gallring through the owner role: the approved case loses its personal data, the chains still verify."""
    import datetime as dt

    from robot.queue import ledger
    from robot.queue.db import make_engine
    from robot.queue.retention import purge

    owner, runtime = make_engine(owner_url), make_engine(runtime_url)
    try:
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)
        with runtime.begin() as conn:
            refused = _refused(conn, "UPDATE verdicts SET verdict_json = '', purged_at = now(), personal_hash = 'x'")
        report = purge(owner, later, "purge:bench", later)
        states = ledger.verify(runtime)
        purged = sum(s.purged for s in states)
        ok = report.applications >= 1 and purged > 0 and all(s.broken is None for s in states)
        return [
            Result("postgres runtime role: a purge-shaped UPDATE of verdicts", refused, "refused: it has no UPDATE"),
            Result("postgres: robot db purge through the owner role", ok,
                   f"{report.applications} closed cases purged, {purged} chained rows purged; verify intact"),
        ]  # fmt: skip
    finally:
        owner.dispose()
        runtime.dispose()


def _refused(conn, sql: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        with conn.begin_nested():
            conn.execute(text(sql))
    except Exception:
        return True
    return False


def _postgres_answers(url: str) -> bool:
    try:
        engine = create_engine(make_url(url).set(database="postgres"))
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def _last(output: str) -> str:
    return output.strip().splitlines()[-1] if output.strip() else ""


# Files: private whatever the umask -----------------------------------------------------------------


def private_files() -> list[Result]:
    return [_private_files_under(umask) for umask in (0o022, 0o000)]


def _private_files_under(umask: int) -> Result:
    with Workspace.create() as ws:
        _sample_workspace(ws)

        def as_umask() -> None:
            os.umask(umask)

        env = ws.env(**PRODUCTION, ROBOT_SSBTEK_REGISTER=str(ws.register_file))
        for n, args in enumerate((["db", "upgrade"], ["enqueue", str(SAMPLES / "applications")], ["batch"], ["batch"],
                                  ["report", "--month", "2026-12"])):  # fmt: skip
            if n == 3:  # the e-service drops a world-readable file into the inbox the first batch made
                (ws.data_dir / "inbox" / "broken.json").write_text("not json", encoding="utf-8")
                (ws.data_dir / "inbox" / "broken.json").chmod(0o644)
            subprocess.run([sys.executable, "-m", "robot", *args], cwd=ROOT, env=env, capture_output=True,
                           timeout=120, preexec_fn=as_umask, check=False)  # fmt: skip
        loose = []
        for path in [ws.data_dir, *ws.data_dir.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            wanted = 0o700 if path.is_dir() else 0o600
            if mode & ~wanted:
                loose.append(f"{path.relative_to(ws.root)} {mode:o}")
        files = sum(1 for p in ws.data_dir.rglob("*") if p.is_file())
        detail = f"{files} files, all 0600, folders 0700" if not loose else "; ".join(loose[:4])
        return Result(f"files under umask {umask:03o}", not loose and files >= 5, detail)


# The inbox -----------------------------------------------------------------------------------------


def inbox() -> list[Result]:
    with Workspace.create() as ws:
        _sample_workspace(ws)
        _migrated(ws)
        box = ws.data_dir / "inbox"
        box.mkdir(parents=True, exist_ok=True)
        outside = ws.root / "outside.json"
        outside.write_bytes((SAMPLES / "applications" / "000101-ensamstaende-med-barn.json").read_bytes())
        (box / "link.json").symlink_to(outside)
        (box / "dangling.json").symlink_to(ws.root / "nothing-here.json")
        os.mkfifo(box / "pipe.json")
        (box / "folder").mkdir()
        (box / ".hidden.json").write_bytes(outside.read_bytes())
        doc = json.loads(outside.read_text(encoding="utf-8"))
        doc["application_id"] = "GBG-2026-12-DUPKEY"
        dup = json.dumps(doc, ensure_ascii=False)
        twin = '"personnummer": "' + doc["household"]["applicant"]["personnummer"] + '"'
        (box / "dup.json").write_text(dup.replace(twin, twin + ', "personnummer": "19121212-1212"', 1), encoding="utf-8")
        try:
            batch = _robot(ws, "batch", timeout=60)
            hung = False
        except subprocess.TimeoutExpired:
            batch, hung = None, True
        rejected = {p.name for p in (ws.data_dir / "rejected").iterdir()} if (ws.data_dir / "rejected").exists() else set()
        moved = {n for n in ("link.json", "dangling.json", "pipe.json", "folder", ".hidden.json") if n in rejected}
        results = [
            Result("inbox: a FIFO does not hang robot batch", not hung, "finished" if not hung else "hung for 60 s"),
            Result("inbox: symlink, dangling link, FIFO, folder, dotfile moved to rejected/ with a reason",
                   len(moved) == 5 and all(f"{n}.error.txt" in rejected for n in moved) and not any(box.iterdir()),
                   f"moved: {', '.join(sorted(moved))}; left in the inbox: {sorted(p.name for p in box.iterdir())}"),
            Result("inbox: a link to a file outside is not followed", outside.exists() and _state(ws, "GBG-2026-12-000101") is None,
                   "the target was not queued and is untouched"),
        ]  # fmt: skip
        explain = _robot(ws, "explain", "GBG-2026-12-DUPKEY")
        results.append(Result("a duplicate JSON key is INVALID_APPLICATION naming the key",
                              "inte följer formatet ansokan/1" in explain.stdout and "personnummer" in explain.stdout,
                              _grep(explain.stdout, "förekommer") or _last(explain.stdout)))  # fmt: skip
        fifo = ws.root / "enqueue.fifo"
        os.mkfifo(fifo)
        try:
            done = _robot(ws, "enqueue", str(fifo), timeout=20)
            results.append(Result("robot enqueue on a FIFO", done.returncode == 1 and "FIFO" in done.stderr, _last(done.stderr)))
        except subprocess.TimeoutExpired:
            results.append(Result("robot enqueue on a FIFO", False, "hung"))
        first = SAMPLES / "applications" / "000101-ensamstaende-med-barn.json"
        _robot(ws, "enqueue", str(first))
        changed = ws.root / "changed.json"
        changed.write_text(first.read_text(encoding="utf-8").replace('"amount": 7350', '"amount": 7351', 1), encoding="utf-8")
        again = _robot(ws, "enqueue", str(changed))
        listing = _robot(ws, "manual", "list")
        results.append(Result("a conflicting re-submission is stored and shown as a manual item",
                              KONFLIKT_TITLE in listing.stdout, _grep(listing.stdout, KONFLIKT_TITLE) or _last(again.stdout)))  # fmt: skip
        del batch
        return results


def _state(ws: Workspace, application_id: str) -> str | None:
    engine = ws.engine()
    with engine.connect() as conn:
        state = conn.execute(
            text("SELECT state FROM applications WHERE application_id = :a"), {"a": application_id}
        ).scalar()
    engine.dispose()
    return state


def _grep(output: str, needle: str) -> str:
    return next((line.strip() for line in output.splitlines() if needle in line), "")


# Keys ----------------------------------------------------------------------------------------------


def keys() -> list[Result]:
    results = []
    with Workspace.create() as ws:
        _sample_workspace(ws)
        _robot(ws, "db", "upgrade")
        for key in (" ", "x", "demo-key-not-secret", "bench-key", "test-key", "bistandsrobot-development-key-not-secret"):
            done = _robot(ws, "batch", ROBOT_STICKPROV_KEY=key)
            results.append(Result(f"stickprov key {key!r} refused outside the demo",
                                  done.returncode == 2 and "refused" in done.stderr, _last(done.stderr)[:110]))  # fmt: skip
        demo = _robot(ws, "batch", ROBOT_STICKPROV_KEY="demo-key-not-secret", ROBOT_DEMO="1")
        results.append(Result("ROBOT_DEMO=1 accepts the demo key and the daemon warns",
                              demo.returncode == 0 and "demo_mode" in demo.stderr, _grep(demo.stderr, "demo_mode")[:110]))  # fmt: skip
    return results


# Escape sequences ----------------------------------------------------------------------------------


def escapes() -> list[Result]:
    with processed_samples() as ws:
        _robot(ws, "manual", "claim", "M1")
        resolve = _robot(ws, "manual", "resolve", "M1", "-d", "avslag", "--note", f"Nej {ESCAPES}")
        show = _robot(ws, "manual", "show", "M1")
        approve = security_access.approve_reviewed(partial(_robot, ws), "R1",
                                                                                    "--note", ESCAPES)  # fmt: skip
        box = ws.data_dir / "inbox"
        box.mkdir(exist_ok=True)
        (box / f"{ESCAPES}.json").write_text("not json", encoding="utf-8")
        console = _robot(ws, "batch", ROBOT_LOG_FORMAT="console")
        return [
            Result("a note with escape sequences: manual resolve and manual show", resolve.returncode == 0
                   and "Nej" in show.stdout and not _raw_controls(show.stdout + resolve.stdout), _grep(show.stdout, "Motivering")),
            Result("recommendations approve with escape sequences in the note", approve.returncode == 0 and not _raw_controls(approve.stdout),
                   _last(approve.stdout)),
            Result("a file name with escape sequences in the console log", "file_rejected" in console.stderr
                   and not _raw_controls(console.stderr), _grep(console.stderr, "file_rejected")[:110]),
        ]  # fmt: skip


HEADER_FLOOD_LIMIT_MB = 300
"""Before the bounds, `robot batch` reached 4.8 GB in 20 s against this server."""


def header_flood(applications: int = 64) -> list[Result]:
    """`robot batch` against an SSBTEK that sends response headers without end (bench/http_bounds.py)."""
    from bench.http_bounds import run_case

    row = run_case("endless_headers", applications)
    waiting = row["states"] == {"RETRY_WAIT": applications}
    held = row["exit"] == 0 and waiting and row["peak_rss_mb"] < HEADER_FLOOD_LIMIT_MB
    return [Result("SSBTEK endless response headers: robot batch's memory stays bounded, every application waits",
                   held, f"peak RSS {row['peak_rss_mb']:.0f} MB with {applications} calls in flight; queue {row['states']}")]


# Later issues' families live in their own modules; they import what is defined above.
from bench import security_access, security_backend, security_intake, security_law  # noqa: E402

FAMILIES: dict[str, Callable[[], list[Result]]] = {
    "sqlite": sqlite_tampering,
    "files": private_files,
    "inbox": inbox,
    "keys": keys,
    "escapes": escapes,
    "header_flood": header_flood,
    "intake_documents": lambda: security_intake.one_document_stops_nothing(),
    "redirects": lambda: security_backend.redirects(),
    "budget_race": lambda: security_backend.budget_race(),
    "postgres_facts": lambda: security_backend.postgres_facts(),
    "huge_answer": lambda: security_backend.huge_answer(),
    "access": lambda: security_access.access_day(),
    "law": lambda: security_law.overpayment(),
    "casesystem": casesystem,
    "web_bounds": web_bounds,
    "web_login": web_login,
    "web_pages": web_pages,
    "ssbtek_v11": ssbtek_v11,
    "cli_amount_ceiling": security_cli.amount_ceiling,
    "cli_one_line_failures": security_cli.one_line_failures,
    "cli_purge_as_runtime_role": security_cli.purge_as_runtime_role,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="an administrator's URL (creates roles)")
    args = parser.parse_args()
    results = postgres_roles(args.postgres)
    for family in FAMILIES.values():
        results += family()
    for result in results:
        print(result.line())
    failed = [r for r in results if r.held is False]
    held = sum(r.held is True for r in results)
    print(f"{held} held, {len(failed)} failed, {sum(r.held is None for r in results)} skipped")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
