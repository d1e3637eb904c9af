"""Backend probes of issue 22: redirects, the answer budget under load, the runtime role on what decides
money or access, and a huge but well-formed SSBTEK answer. Registered in bench/security.py FAMILIES.

    .venv/bin/python -m bench.security_backend        (all four, one line each)
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys

from sqlalchemy import create_engine, select, text

from bench.hostile import hostile_server
from bench.security import (
    DEFAULT_POSTGRES,
    SAMPLES,
    Result,
    _last,
    _postgres_answers,
    _robot,
    _sample_workspace,
    two_roles,
)

PNR = "198001012385"


# Redirects ------------------------------------------------------------------------------------------


def redirects() -> list[Result]:
    """An SSBTEK that answers 307 to another host (a loopback server on another port): nothing reaches it."""
    from robot.adapters.register_source import RegisterRequest, RegisterUnavailable
    from robot.adapters.ssbtek.client import SoapRegisterSource
    from robot.config import Settings

    elsewhere: list[int] = []
    with hostile_server("sized", body_bytes=5, served=elsewhere) as other:
        target = other + "steal"
        with hostile_server("redirect", location=target) as url:
            source = SoapRegisterSource(Settings(ssbtek={"url": url, "retries": 2, "timeout_seconds": 2.0}))

            async def fetch() -> str:
                try:
                    await source.fetch(RegisterRequest("A-1", "2026-12", (PNR,), frozenset()))
                    return "answered"
                except RegisterUnavailable as exc:
                    return str(exc)
                finally:
                    await source.aclose()

            said = asyncio.run(fetch())
    held = elsewhere == [0] and target in said
    return [Result("SSBTEK 307 to another host: not followed, the error names the Location", held,
                   f"{said}; requests at the other host: {elsewhere[0]}")]  # fmt: skip


# The answer budget under load -------------------------------------------------------------------------


def budget_race(calls: int = 2000, seed: int = 22) -> list[Result]:
    """Many calls with deadlines waiting in a small budget while others give bytes back: every deadline
    stays a TimeoutError (before the fix, some became `ValueError … not in deque`)."""
    from robot.adapters.budget import AnswerBudget

    async def run() -> tuple[dict[str, int], int, int]:
        rng = random.Random(seed)
        budget = AnswerBudget(64 * 1024)
        outcomes: dict[str, int] = {}

        async def call() -> None:
            n = rng.choice((4, 16, 32)) * 1024
            try:
                async with asyncio.timeout(rng.choice((0, 0.001, 0.005, 0.05))):
                    await budget.take(n)
                    try:
                        await asyncio.sleep(rng.choice((0, 0.0005, 0.001)))
                    finally:
                        budget.give(n)
                name = "ok"
            except TimeoutError:
                name = "timeout"
            except Exception as exc:  # what the race turned deadlines into
                name = type(exc).__name__
            outcomes[name] = outcomes.get(name, 0) + 1

        await asyncio.gather(*(call() for _ in range(calls)))
        return outcomes, budget.free, budget.total

    outcomes, free, total = asyncio.run(run())
    held = set(outcomes) <= {"ok", "timeout"} and free == total
    return [Result(f"answer budget: {calls} calls with deadlines under load, every deadline a timeout", held,
                   f"{outcomes}; bytes free after: {free} of {total}")]  # fmt: skip


# The runtime role on PostgreSQL -----------------------------------------------------------------------

REFUSED = {
    "users.roles (make anyone admin)": "UPDATE users SET roles = 'admin,handlaggare'",
    "users: an admin account written in": "INSERT INTO users (user_id, roles, disabled, created_at, created_by) "
    "VALUES ('mallory', 'admin', false, now(), 'x')",
    "recommendations.amount": "UPDATE recommendations SET amount = 99999",
    "applications.raw": "UPDATE applications SET raw = CAST('{}' AS bytea), raw_sha256 = 'x'",
}
"""UPDATEs the runtime role must be refused; the INSERT is allowed (accounts are added through the robot)
and must be named by `robot db verify` instead."""
DETECTED = {
    "manual_items.resolution_amount": "UPDATE manual_items SET resolution_amount = 99999 WHERE status = 'resolved'",
    "decision_deliveries: a pending record marked delivered": "UPDATE decision_deliveries SET status = 'delivered', "
    "delivered_at = now() WHERE status = 'pending'",
}
"""UPDATEs the runtime role makes in its work: allowed, and named by `robot db verify`."""


def postgres_facts(admin_url: str | None = None) -> list[Result]:
    admin_url = admin_url or os.environ.get("ROBOT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    if not _postgres_answers(admin_url):
        held = False if os.environ.get("ROBOT_REQUIRE_POSTGRES") == "1" else None
        return [Result("postgres: runtime role on what decides money or access", held, f"no PostgreSQL at {admin_url}")]
    from bench.harness import Workspace

    results = []
    with two_roles(admin_url) as (owner_url, runtime_url), Workspace.create(database_url=runtime_url) as ws:
        _sample_workspace(ws)
        up = _robot(ws, "db", "upgrade", ROBOT_MIGRATION_DATABASE_URL=owner_url)
        if up.returncode != 0:
            return [Result("postgres: db upgrade as the owner", False, _last(up.stderr))]
        _decide(ws, runtime_url)
        runtime = create_engine(runtime_url)
        for name, sql in (REFUSED | DETECTED).items():
            try:
                with runtime.begin() as conn:
                    rows = conn.execute(text(sql)).rowcount
                outcome, said = "changed", f"{rows} rows changed"
            except Exception as exc:
                outcome, said = "refused", "refused: " + str(getattr(exc, "orig", exc)).splitlines()[0]
            if outcome == "changed":
                verify = _robot(ws, "db", "verify")
                named = [line for line in verify.stdout.splitlines() if line.startswith("CHANGED")]
                said += f"; robot db verify exit {verify.returncode}: {named[0] if named else 'silent'}"
                held = name not in REFUSED or "INSERT" in sql
                held = held and rows > 0 and verify.returncode == 1 and bool(named)
                _undo(owner_url, name)
            else:
                held = name in REFUSED and "INSERT" not in sql
            results.append(Result(f"postgres runtime role: {name}", held, said))
        runtime.dispose()
        clean = _robot(ws, "db", "verify")
        results.append(Result("postgres: robot db verify after the changes were undone", clean.returncode == 0,
                              _last(clean.stdout)))  # fmt: skip
    return results


def _decide(ws, runtime_url: str) -> None:  # type: ignore[no-untyped-def]
    """The samples processed as the runtime role; one recommendation approved (its record pending), one
    manual item resolved, an administrator and a handläggare."""
    from robot.accounts import Actor, Role
    from robot.accounts.service import add_account
    from robot.casework import approve_recommendation, find_recommendation, resolve_manual, show_for_review
    from robot.config import Settings
    from robot.queue.db import make_engine
    from robot.queue.schema import applications, manual_items, recommendations

    admin, anna = Actor("ada", frozenset({Role.ADMIN})), Actor("anna.h", frozenset({Role.HANDLAGGARE}))

    _robot(ws, "enqueue", str(SAMPLES / "applications"))
    _robot(ws, "batch")
    engine = make_engine(runtime_url)
    settings = Settings(data_dir=ws.data_dir, database_url=runtime_url)
    try:
        add_account(engine, None, "ada", frozenset({Role.ADMIN}))
        add_account(engine, admin, "anna.h", frozenset({Role.HANDLAGGARE}))
        with engine.connect() as conn:
            rec = conn.execute(select(applications.c.application_id).join(recommendations)).scalars().first()
            item = (
                conn.execute(
                    select(applications.c.application_id).join(manual_items).where(manual_items.c.status == "open")
                )
                .scalars()
                .first()
            )
        review = show_for_review(engine, find_recommendation(engine, rec), anna)
        approve_recommendation(engine, rec, anna, reviewed=review.code, settings=settings)
        resolve_manual(engine, item, anna, decision="avslag", note="Prov", stickprov_correct=True, settings=settings)
    finally:
        engine.dispose()


def _undo(owner_url: str, name: str) -> None:
    """As the owner: put back what a detected change did, so the next probe is judged alone."""
    engine = create_engine(owner_url)
    with engine.begin() as conn:
        if name.startswith("users"):
            conn.execute(text("DELETE FROM users WHERE user_id = 'mallory'"))
        elif name.startswith("manual_items"):
            conn.execute(text("UPDATE manual_items SET resolution_amount = NULL WHERE resolution_amount = 99999"))
        elif name.startswith("decision_deliveries"):
            conn.execute(text(
                "UPDATE decision_deliveries SET status = 'pending', delivered_at = NULL WHERE decision_pk NOT IN "
                "(SELECT decision_pk FROM delivery_attempts WHERE result = 'delivered')"))  # fmt: skip
    engine.dispose()


# A huge but well-formed SSBTEK answer ---------------------------------------------------------------

_HUGE = r"""
import json, resource, sys, time
from robot.adapters.ssbtek.simulator import SimulatorApp, load_register
from robot.adapters.ssbtek.request import fetch_envelope, question_for
from robot.adapters.ssbtek.response import parse_fetch_answer
from robot.adapters.register_source import RegisterRequest, RegisterUnavailable
from robot.config import Settings

elements, pnr, register = int(sys.argv[1]), sys.argv[2], sys.argv[3]
q = question_for(Settings(), RegisterRequest("A-1", "2026-12", (pnr,), frozenset()), pnr, korrelationsid="k")
status, body = SimulatorApp(load_register(register)).answer(fetch_envelope(q))
head, _, tail = body.rpartition(b"</")
body = head + b"<x/>" * elements + b"</" + tail
rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
before, started = rss(), time.process_time()
try:
    parse_fetch_answer(body, q.include, "k", personnummer=pnr)
    said = "parsed"
except RegisterUnavailable as exc:
    said = str(exc)
cpu, after = time.process_time() - started, rss()
from lxml import etree  # for comparison: what building it would have cost (lxml alone, no decoders)
started = time.process_time()
tree = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
print(json.dumps({"before_mb": before, "after_mb": after, "cpu_s": round(cpu, 3), "said": said, "bytes": len(body),
                  "unbounded_mb": rss() - after, "unbounded_cpu_s": round(time.process_time() - started, 3)}))
"""


def huge_answer(elements: int = 1_000_000) -> list[Result]:
    """Peak RSS of a process before and after reading an answer with a million extra empty elements."""
    register = str(SAMPLES / "register.json")
    pnr = next(iter(json.loads((SAMPLES / "register.json").read_text(encoding="utf-8"))["persons"]))
    done = subprocess.run([sys.executable, "-c", _HUGE, str(elements), pnr, register],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    if done.returncode != 0:
        return [Result("SSBTEK answer of a million elements", False, _last(done.stderr))]
    m = json.loads(done.stdout)
    grew = m["after_mb"] - m["before_mb"]
    held = "more than" in m["said"] and grew < 50 and m["cpu_s"] < 0.2
    return [Result(f"SSBTEK answer of {elements:,} well-formed elements: unavailable, memory and CPU bounded", held,
                   f"{m['bytes'] / 2**20:.1f} MiB answer; peak RSS {m['before_mb']} MB before, {m['after_mb']} MB after "
                   f"(+{grew}); {m['cpu_s']} s CPU; {m['said']} (building it: +{m['unbounded_mb']} MB, "
                   f"{m['unbounded_cpu_s']} s for lxml alone)")]  # fmt: skip


def main() -> None:
    results = redirects() + budget_race() + postgres_facts() + huge_answer()
    for result in results:
        print(result.line())
    sys.exit(1 if any(r.held is False for r in results) else 0)


if __name__ == "__main__":
    main()
