"""Gallring: `robot db purge` removes the personal data of closed cases; the chains still verify, as purged."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from robot.accounts import Actor, Role
from robot.casework import reject_recommendation, resolve_manual
from robot.clock import FixedClock
from robot.queue import cases, ledger
from robot.queue.db import make_engine
from robot.queue.retention import TamperedRow, closed_before, purge
from robot.queue.schema import applications, decisions, events, manual_items, recommendations, verdicts
from tests.conftest import ROOT
from tests.queue_helpers import DictSource, approve_reviewed, many, put, run_until_idle

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
LATER = T0 + dt.timedelta(days=1)
DAY = dt.timedelta(days=1)


def three_cases(engine, settings, ruleset) -> dict[str, int]:
    """Three recommendations: one approved, one rejected and then resolved by hand, one still pending."""
    clock = FixedClock(T0)
    put(engine, settings, clock, *many(3, "R"))
    run_until_idle(engine, settings, ruleset, DictSource(), clock)
    anna = Actor("anna.h", frozenset({Role.HANDLAGGARE}))
    approve_reviewed(engine, "R-2026-12-000000", anna, note="Ok", settings=settings, clock=clock)
    reject_recommendation(engine, "R-2026-12-000001", anna, note="Ny hyra", settings=settings, clock=clock)
    resolve_manual(engine, "R-2026-12-000001", anna, decision="bifall", amount=5000, note="Beviljat efter kontakt",
                   confirm_amount=True, settings=settings, clock=clock)  # fmt: skip


def test_purge_removes_personal_data_of_closed_cases_and_the_chains_still_verify(engine, settings, ruleset):
    three_cases(engine, settings, ruleset)
    assert len(closed_before(engine, T0)) == 0, "closed at T0, not before"
    report = purge(engine, LATER, "purge:ops", LATER)
    assert report.applications == 2 and report.rows["verdicts"] == 2 and report.rows["events"] > 4
    assert report.rows["decisions"] == 3, "the bifall, the överlämnad and the bifall after manual handling"
    with engine.connect() as conn:
        apps = {r.application_id: r for r in conn.execute(select(applications))}
        gone, kept = apps["R-2026-12-000000"], apps["R-2026-12-000002"]
        assert (gone.raw, gone.raw_sha256, gone.source, gone.purged_at is not None) == (b"", "", "", True)
        assert kept.raw and kept.purged_at is None, "a pending recommendation is an open case"
        purged_verdicts = conn.execute(select(verdicts).where(verdicts.c.purged_at.is_not(None))).all()
        assert {(v.verdict_json, v.inputs_json, v.amount) for v in purged_verdicts} == {("", "", None)}
        assert {v.outcome for v in purged_verdicts} == {"recommendation"}, "outcomes stay for the statistics"
        item = conn.execute(select(manual_items)).one()
        assert (item.reasons_json, item.note, item.resolution_amount, item.resolution) == ("[]", None, None, "bifall")
        assert item.reason_codes == "REKOMMENDATION_AVVISAD" and item.resolved_by == "anna.h"
        assert {r.amount for r in conn.execute(select(recommendations))} == {None, 11220}
        details = [e.details for e in conn.execute(select(events).where(events.c.application_pk == gone.id))]
        assert details and set(details) == {None}
        bodies = {(d.body, d.amount) for d in conn.execute(select(decisions).where(decisions.c.purged_at.is_not(None)))}
        assert bodies == {("", None)}
        assert "personnummer" not in json.dumps([dict(r._mapping) for r in conn.execute(select(verdicts))], default=str)
    states = {s.chain: s for s in ledger.verify(engine)}
    assert all(s.broken is None for s in states.values())
    assert states["verdicts"].purged == 2 and states["events"].purged == report.rows["events"]
    assert states["decisions"].purged == 3
    assert purge(engine, LATER, "purge:ops", LATER).applications == 0, "a purged case is not purged again"
    assert cases.recommendation(engine, application_id="R-2026-12-000000").amount is None


def test_a_purged_row_cannot_be_changed_and_an_edit_is_still_caught(engine, settings, ruleset):
    three_cases(engine, settings, ruleset)
    purge(engine, LATER, "purge:ops", LATER)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(verdicts.update().where(verdicts.c.id == 1).values(outcome="manual"))
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER verdicts_no_update"))
        conn.execute(verdicts.update().where(verdicts.c.id == 1).values(outcome="manual"))
    found = {s.chain: s.broken for s in ledger.verify(engine)}["verdicts"]
    assert found is not None and found.row_id == 1


def test_a_tampered_row_is_not_purged(engine, settings, ruleset):
    three_cases(engine, settings, ruleset)
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER verdicts_no_update"))
        conn.execute(verdicts.update().where(verdicts.c.id == 1).values(amount=99999))
    with pytest.raises(TamperedRow, match="verdicts row 1"):
        purge(engine, LATER, "purge:ops", LATER)
    with engine.connect() as conn:
        assert conn.execute(select(verdicts.c.verdict_json).where(verdicts.c.id == 1)).scalar_one() != ""


def test_purge_on_postgres_passes_the_triggers_and_verifies(postgres_url, settings, ruleset):
    eng = make_engine(postgres_url)
    three_cases(eng, settings, ruleset)
    report = purge(eng, LATER, "purge:ops", LATER)
    assert report.applications == 2
    assert all(s.broken is None for s in ledger.verify(eng))
    with pytest.raises(DBAPIError, match="append-only"), eng.begin() as conn:
        conn.execute(text("UPDATE verdicts SET verdict_json = 'x' WHERE purged_at IS NOT NULL"))
    eng.dispose()


def test_the_cli_refuses_a_date_inside_the_retention_period(tmp_path):
    env = {**os.environ, "ROBOT_DATA_DIR": str(tmp_path / "data"), "ROBOT_CONFIG": "/dev/null"}
    subprocess.run([sys.executable, "-m", "robot", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    done = subprocess.run(
        [sys.executable, "-m", "robot", "db", "purge", "--before", "2025-01-01"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2 and "bevarandetiden" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "robot", "db", "purge", "--before", "2021-01-01"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0 and "gallrade personuppgifterna i 0 ärenden" in done.stdout
