"""What handläggare do: the manual queue and recommendations, every action with its actor."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from robot.clock import FixedClock
from robot.queue.handling import (
    HandlingError,
    approve,
    claim_manual,
    find_manual,
    list_manual,
    list_recommendations,
    reject,
    resolve_manual,
)
from robot.queue.schema import events
from tests.builders import application
from tests.queue_helpers import DictSource, put, run_until_idle, states

CLOCK = FixedClock(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC))


@pytest.fixture
def queue(engine, settings, ruleset):
    put(engine, settings, CLOCK,
        application(application_id="REC-1"),
        application(application_id="NY-1", kind="nyansokan"),
        application(application_id="EL-1", costs=[{"type": "hushallsel", "amount": 2000}]))  # fmt: skip
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    return engine


def test_the_manual_queue_lists_items_by_deadline_with_reasons(queue):
    items = list_manual(queue)
    assert sorted(i.application_id for i in items) == ["EL-1", "NY-1"]
    assert find_manual(queue, "EL-1").codes == ["KOSTNAD_OVER_SCHABLON"]


@pytest.mark.parametrize("actor", [None, "", "   "])
def test_actions_without_an_actor_are_refused(queue, actor):
    with pytest.raises(HandlingError, match="--as"):
        claim_manual(queue, "NY-1", actor)
    with pytest.raises(HandlingError, match="--as"):
        approve(queue, "REC-1", actor)
    with pytest.raises(HandlingError, match="--as"):
        resolve_manual(queue, "NY-1", actor, "bifall", 100, None, None)


def test_claim_resolve_and_the_event_log_records_who(queue):
    claim_manual(queue, "NY-1", "anna.h", CLOCK)
    with pytest.raises(HandlingError, match=r"tilldelat anna\.h"):
        resolve_manual(queue, "NY-1", "bo", "bifall", 5000, None, None)
    with pytest.raises(HandlingError, match="kräver en motivering"):
        resolve_manual(queue, "NY-1", "anna.h", "avslag", None, None, None)
    with pytest.raises(HandlingError, match="större än 0"):
        resolve_manual(queue, "NY-1", "anna.h", "bifall", 0, None, None)
    item = resolve_manual(queue, "NY-1", "anna.h", "delavslag", 8000, "Hyran godtas delvis", None, clock=CLOCK)
    assert (item.status, item.resolution, item.resolution_amount, item.resolved_by) == (
        "resolved",
        "delavslag",
        8000,
        "anna.h",
    )
    with pytest.raises(HandlingError, match="redan avslutat"):
        resolve_manual(queue, "NY-1", "anna.h", "bifall", 1, None, None)
    with queue.connect() as conn:
        actions = [(r.kind, r.actor) for r in conn.execute(select(events).where(events.c.kind.like("manual_%")))]
    assert actions == [("manual_claimed", "anna.h"), ("manual_resolved", "anna.h")]


def test_a_stickprov_item_needs_to_know_whether_the_application_was_correct(engine, settings, ruleset):
    settings.stickprov.rate = 1.0
    put(engine, settings, CLOCK, application(application_id="SP-1"))
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    with pytest.raises(HandlingError, match="stickprov"):
        resolve_manual(engine, "SP-1", "anna.h", "bifall", 11220, None, None)
    item = resolve_manual(engine, "SP-1", "anna.h", "bifall", 11220, None, False)
    assert item.stickprov and item.stickprov_correct is False


def test_approving_and_rejecting_recommendations(queue, engine, settings, ruleset):
    put(engine, settings, CLOCK, application(application_id="REC-2"))
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    assert [r.application_id for r in list_recommendations(queue)] == ["REC-1", "REC-2"]
    approved = approve(queue, "REC-1", "anna.h", clock=CLOCK)
    assert (approved.status, approved.decided_by, approved.amount) == ("approved", "anna.h", 11220)
    with pytest.raises(HandlingError, match="redan approved"):
        reject(queue, "REC-1", "bo", "nej")
    with pytest.raises(HandlingError, match="--note"):
        reject(queue, "REC-2", "bo", None)
    item = reject(queue, "REC-2", "bo", "Hyran har ändrats, se avtalet", clock=CLOCK)
    assert item.codes == ["REKOMMENDATION_AVVISAD"] and item.proposal_amount == 11220
    assert item.reasons[0].text.endswith("bifall med 11 220 kr: Hyran har ändrats, se avtalet")
    assert states(engine)["REC-2"] == "MANUAL"
    assert list_recommendations(queue) == []


def _cli(settings, monkeypatch, *args):
    from typer.testing import CliRunner

    from robot.cli.main import app

    monkeypatch.setenv("ROBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBOT_CONFIG", str(settings.data_dir / "none.toml"))
    return CliRunner().invoke(app, list(args))


def test_explain_replays_a_stored_verdict_identically(queue, settings, monkeypatch):
    done = _cli(settings, monkeypatch, "explain", "EL-1", "--replay")
    assert done.exit_code == 0, done.output
    assert "1 250 kr" not in done.output and "2 000 kr" in done.output
    assert "identiskt utfall" in done.output


def test_explain_and_notice_for_an_application_the_robot_could_not_assess(engine, settings, ruleset, monkeypatch):
    from tests.queue_helpers import FailingSource

    settings.queue.max_attempts = 1
    put(engine, settings, CLOCK, application(application_id="FEL-1"))
    run_until_idle(engine, settings, ruleset, FailingSource(9, RuntimeError("x")), CLOCK)
    explained = _cli(settings, monkeypatch, "explain", "FEL-1")
    assert explained.exit_code == 0
    assert "inget utfall från roboten" in explained.output and "TEKNISKT_FEL" in explained.output
    notice = _cli(settings, monkeypatch, "explain", "FEL-1", "--notice")
    assert notice.exit_code == 0 and "En person fattar beslutet" in notice.output
    assert "inom tre veckor" in notice.output and "Kontakta Göteborgs Stads kontaktcenter" in notice.output
