"""What handläggare do: the manual queue and recommendations, every action with its actor."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from robot.casework import (
    CaseworkError,
    Conflict,
    Invalid,
    NotFound,
    approve_recommendation,
    claim_manual,
    find_manual,
    list_manual,
    list_recommendations,
    reject_recommendation,
    resolve_manual,
)
from robot.clock import FixedClock
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
    assert find_manual(queue, items[0].id) == items[0], "by number or by application id"
    with pytest.raises(NotFound, match="inget ärende i manuella kön för REC-1"):
        find_manual(queue, "REC-1")


@pytest.mark.parametrize("actor", [None, "", "   ", "x" * 121])
def test_actions_without_a_usable_actor_are_refused(queue, actor):
    for action in (
        lambda: claim_manual(queue, "NY-1", actor),
        lambda: approve_recommendation(queue, "REC-1", actor),
        lambda: resolve_manual(queue, "NY-1", actor, resolution="bifall", amount=100),
        lambda: reject_recommendation(queue, "REC-1", actor, "nej"),
    ):
        with pytest.raises(Invalid, match="användar-id") as refused:
            action()
        assert refused.value.field == "actor"
    assert list_recommendations(queue)[0].status == "pending" and find_manual(queue, "NY-1").status == "open"


@pytest.mark.parametrize(
    ("status", "limit", "field"), [("klar", 10, "status"), ("open", 0, "limit"), (None, -5, "limit")]
)
def test_unknown_statuses_and_limits_below_one_are_refused(queue, status, limit, field):
    with pytest.raises(Invalid) as refused:
        list_manual(queue, status, limit=limit)
    assert refused.value.field == field
    with pytest.raises(Invalid):
        list_recommendations(queue, status or "pending", limit)


def test_claim_resolve_and_the_event_log_records_who(queue):
    claim_manual(queue, "NY-1", "anna.h", CLOCK)
    with pytest.raises(Conflict, match=r"redan tilldelat av anna\.h"):
        claim_manual(queue, "NY-1", "bo", CLOCK)
    with pytest.raises(Conflict, match=r"tilldelat anna\.h") as taken:
        resolve_manual(queue, "NY-1", "bo", resolution="bifall", amount=5000)
    assert taken.value.field == "force"
    with pytest.raises(Invalid, match="kräver en motivering"):
        resolve_manual(queue, "NY-1", "anna.h", resolution="avslag")
    with pytest.raises(Invalid, match="större än 0"):
        resolve_manual(queue, "NY-1", "anna.h", resolution="bifall", amount=0)
    with pytest.raises(Invalid, match="bifall, delavslag eller avslag"):
        resolve_manual(queue, "NY-1", "anna.h", resolution="beviljas", amount=100)
    item = resolve_manual(
        queue, "NY-1", "anna.h", resolution="delavslag", amount=8000, note="Hyran godtas delvis", clock=CLOCK
    )
    assert (item.status, item.resolution, item.resolution_amount, item.resolved_by) == (
        "resolved",
        "delavslag",
        8000,
        "anna.h",
    )
    with pytest.raises(Conflict, match="redan avslutat"):
        resolve_manual(queue, "NY-1", "anna.h", resolution="bifall", amount=1)
    with queue.connect() as conn:
        actions = [(r.kind, r.actor) for r in conn.execute(select(events).where(events.c.kind.like("manual_%")))]
    assert actions == [("manual_claimed", "anna.h"), ("manual_resolved", "anna.h")]


def test_an_item_someone_else_took_is_resolved_only_when_taken_over(queue):
    claim_manual(queue, "EL-1", "anna.h", CLOCK)
    item = resolve_manual(queue, "EL-1", "bo", resolution="avslag", note="Elräkning saknas", force=True, clock=CLOCK)
    assert (item.assignee, item.resolved_by, item.resolution_amount) == ("anna.h", "bo", None)


def test_a_stickprov_item_needs_to_know_whether_the_application_was_correct(engine, settings, ruleset):
    settings.stickprov.rate = 1.0
    put(engine, settings, CLOCK, application(application_id="SP-1"))
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    with pytest.raises(Invalid, match="stickprov") as refused:
        resolve_manual(engine, "SP-1", "anna.h", resolution="bifall", amount=11220)
    assert refused.value.field == "stickprov_correct"
    item = resolve_manual(engine, "SP-1", "anna.h", resolution="bifall", amount=11220, stickprov_correct=False)
    assert item.stickprov and item.stickprov_correct is False


def test_approving_and_rejecting_recommendations(queue, engine, settings, ruleset):
    put(engine, settings, CLOCK, application(application_id="REC-2"))
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    assert [r.application_id for r in list_recommendations(queue)] == ["REC-1", "REC-2"]
    approved = approve_recommendation(queue, "REC-1", "anna.h", clock=CLOCK)
    assert (approved.status, approved.decided_by, approved.amount) == ("approved", "anna.h", 11220)
    with pytest.raises(Conflict, match=r"redan fastställd av anna\.h"):
        reject_recommendation(queue, "REC-1", "bo", "nej")
    with pytest.raises(Invalid, match="avvisas") as refused:
        reject_recommendation(queue, "REC-2", "bo", "  ")
    assert refused.value.field == "note"
    item = reject_recommendation(queue, "REC-2", "bo", "Hyran har ändrats, se avtalet", clock=CLOCK)
    assert item.codes == ["REKOMMENDATION_AVVISAD"] and item.proposal_amount == 11220
    assert item.reasons[0].text.endswith("bifall med 11 220 kr: Hyran har ändrats, se avtalet")
    assert states(engine)["REC-2"] == "MANUAL"
    assert list_recommendations(queue) == []
    assert [r.application_id for r in list_recommendations(queue, None)] == ["REC-1", "REC-2"]
    with pytest.raises(NotFound):
        approve_recommendation(queue, "NY-1", "anna.h")


def test_every_refusal_is_a_casework_error_with_a_swedish_message(queue):
    refusals = []
    for action in (
        lambda: find_manual(queue, "9999"),
        lambda: claim_manual(queue, "NY-1", ""),
        lambda: list_recommendations(queue, "done"),
    ):
        with pytest.raises(CaseworkError) as refused:
            action()
        refusals.append(str(refused.value))
    assert all("--" not in text for text in refusals), "messages name no CLI options: the web shows them too"


def _cli(settings, monkeypatch, *args):
    from typer.testing import CliRunner

    from robot.cli.main import app

    monkeypatch.setenv("ROBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBOT_CONFIG", "/dev/null")
    return CliRunner().invoke(app, list(args))


def test_the_cli_names_the_option_to_fix(queue, settings, monkeypatch):
    refused = _cli(settings, monkeypatch, "manual", "claim", "NY-1")
    assert refused.exit_code == 2
    assert "robot: åtgärden kräver handläggarens användar-id (--as)" in refused.output
    taken = _cli(settings, monkeypatch, "manual", "resolve", "NY-1", "--as", "anna.h", "-d", "avslag")
    assert taken.exit_code == 2 and "(--note)" in taken.output
    unknown = _cli(settings, monkeypatch, "manual", "list", "--status", "klar")
    assert unknown.exit_code == 2 and "okänd status 'klar'" in unknown.output and "(--status)" in unknown.output
    negative = _cli(settings, monkeypatch, "recommendations", "list", "--limit", "-1")
    assert negative.exit_code == 2 and "minst 1" in negative.output and "(--limit)" in negative.output
    missing = _cli(settings, monkeypatch, "manual", "show", "GBG-0")
    assert missing.exit_code == 1 and "inget ärende" in missing.output


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
