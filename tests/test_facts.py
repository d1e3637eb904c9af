"""What decides money or access cannot be changed silently (issue 22, item 4).

Roles, amounts, the received document and a record's delivery live in tables the robot updates; each
must agree with the append-only, chained record written with it, and `robot db verify` names the row
where it does not. On PostgreSQL the runtime role is refused most of these changes outright
(`bench/security_backend.py`, run below with ROBOT_REQUIRE_POSTGRES=1).
"""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from robot.accounts import Role
from robot.accounts.service import add_account, disable_account
from robot.casework import resolve_manual
from robot.config import OutputSettings
from robot.outbox.deliverer import Deliverer
from robot.outbox.targets import FolderTarget
from robot.queue import facts
from tests.builders import application
from tests.people import ADA, ANNA, CLOCK
from tests.queue_helpers import DictSource, approve_reviewed, put, run_until_idle


@pytest.fixture
def decided(engine, settings, ruleset, tmp_path):
    """Two recommendations approved (one record delivered, one pending), a manual item resolved, three accounts."""
    put(engine, settings, CLOCK, *(application(application_id=f"REC-{n}") for n in (1, 2, 3)),
        application(application_id="EL-1", costs=[{"type": "hushallsel", "amount": 2000}]))  # fmt: skip
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    approve_reviewed(engine, "REC-1", ANNA, settings=settings, clock=CLOCK)
    out = OutputSettings(dir=tmp_path / "ut")
    asyncio.run(Deliverer(engine, out, FolderTarget(out.dir), "test", CLOCK).deliver_pending())
    approve_reviewed(engine, "REC-2", ANNA, settings=settings, clock=CLOCK)
    resolve_manual(engine, "EL-1", ANNA, decision="delavslag", amount=6000, note="Elen godtas delvis",
                   settings=settings, clock=CLOCK)  # fmt: skip
    add_account(engine, None, "ada", frozenset({Role.ADMIN}), clock=CLOCK)
    add_account(engine, ADA, "anna.h", frozenset({Role.HANDLAGGARE}), clock=CLOCK)
    add_account(engine, ADA, "gammal", frozenset({Role.ADMIN}), clock=CLOCK)
    disable_account(engine, ADA, "gammal", clock=CLOCK)
    return engine


def changed(engine, *statements: str, **params) -> list[str]:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)
    return [str(b) for b in facts.verify(engine)]


def test_an_untouched_database_agrees_with_its_records(decided):
    assert facts.verify(decided) == []


TAMPERING = {
    "anyone made admin": (["UPDATE users SET roles = 'admin,handlaggare' WHERE user_id = 'anna.h'"],
                          "users row 2: account anna.h's roles (admin,handlaggare) are not those its events gave it"),
    "a disabled admin active again": (["UPDATE users SET disabled = 0, disabled_at = NULL WHERE user_id = 'gammal'"],
                                      "users row 3: account gammal was disabled, and is active again"),
    "an admin account written in": (["INSERT INTO users (user_id, roles, disabled, created_at, created_by) "
                                     "VALUES ('mallory', 'admin', 0, '2026-12-01', 'x')"],
                                    "users row 4: account mallory has no event that added it"),
    "a handläggare's amount": (["UPDATE manual_items SET resolution_amount = 99999"],
                               "manual_items row 1: the resolution (delavslag, amount) is not that of its decision record"),
    "a recommendation's amount": (["UPDATE recommendations SET amount = amount + 5000 WHERE id = 3"],
                                  "recommendations row 3: the amount of REC-3's recommendation is not its verdict's"),
    "the application as received": (["UPDATE applications SET raw = CAST('{}' AS BLOB) WHERE application_id = 'REC-3'"],
                                    "applications row 3: REC-3's document does not match its digest"),
    "the application and its digest": (["UPDATE applications SET raw = CAST('{}' AS BLOB), raw_sha256 = :digest "
                                        "WHERE application_id = 'REC-3'"],
                                       "applications row 3: REC-3's document and digest are not those received"),
    "a pending record marked delivered": (["UPDATE decision_deliveries SET status = 'delivered' WHERE status = 'pending'"],
                                          "is marked delivered without an attempt that delivered it"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(TAMPERING))
def test_a_change_outside_the_robot_is_named_by_its_row(decided, case):
    statements, expected = TAMPERING[case]
    found = changed(decided, *statements, digest=hashlib.sha256(b"{}").hexdigest())
    assert found and all(expected in f for f in found), found


def test_robot_db_verify_fails_naming_the_changed_row(decided, settings, monkeypatch):
    from robot.cli.main import app

    monkeypatch.setenv("ROBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBOT_CONFIG", "/dev/null")
    intact = CliRunner().invoke(app, ["db", "verify"])
    assert intact.exit_code == 0 and "facts deciding money or access: agree with the records" in intact.output
    changed(decided, "UPDATE users SET roles = 'admin' WHERE user_id = 'anna.h'")
    caught = CliRunner().invoke(app, ["db", "verify"])
    assert caught.exit_code == 1
    assert "CHANGED users row 2: account anna.h's roles (admin)" in caught.output


def test_a_purge_leaves_the_facts_in_agreement(decided):
    import datetime as dt

    from robot.queue.retention import purge

    later = CLOCK.now() + dt.timedelta(days=3650)
    assert purge(decided, later, "purge:test", later).applications >= 2
    assert facts.verify(decided) == []


def test_on_postgres_the_runtime_role_is_refused_or_named_by_verify(postgres_server):
    """Each UPDATE of issue 22 as the runtime role: refused (column grants), or named by `robot db verify`."""
    from bench.security_backend import postgres_facts

    results = postgres_facts(postgres_server)
    assert len(results) == 7 and all(r.held is not None for r in results), [r.line() for r in results]
    failed = [r.line() for r in results if not r.held]
    assert not failed, "\n".join(failed)


def test_every_fixed_column_is_a_column_of_a_table_the_runtime_role_may_update():
    from robot.queue.grants import FIXED_COLUMNS, privileges
    from robot.queue.schema import metadata

    for table, columns in FIXED_COLUMNS.items():
        assert "UPDATE" in privileges()[table], table
        assert set(columns) <= set(metadata.tables[table].columns.keys()), table
    assert {"roles", "amount", "raw"} <= {c for cs in FIXED_COLUMNS.values() for c in cs}
