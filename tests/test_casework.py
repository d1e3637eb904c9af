"""What handläggare do: the manual queue and recommendations, every action by an account with its roles."""

from __future__ import annotations

import contextlib
import functools
import json

import hypothesis
import pytest
from hypothesis import strategies as st
from sqlalchemy import select

from robot.accounts import NotAllowed, Role
from robot.casework import (
    CaseworkError,
    Conflict,
    Invalid,
    NotFound,
    claim_manual,
    find_manual,
    find_recommendation,
    list_manual,
    list_recommendations,
    reject_recommendation,
    resolve_manual,
)
from robot.queue.schema import events
from tests.builders import application
from tests.people import ADA, ANNA, BO, CLOCK, TEA, VERA
from tests.queue_helpers import DictSource, FailingSource, approve_reviewed, put, run_until_idle, states


@pytest.fixture
def queue(engine, settings, ruleset):
    put(engine, settings, CLOCK,
        application(application_id="REC-1"),
        application(application_id="NY-1", kind="nyansokan"),
        application(application_id="EL-1", costs=[{"type": "hushallsel", "amount": 2000}]))  # fmt: skip
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    return engine


def logged(engine, prefix: str) -> list[tuple[str, str, dict]]:
    with engine.connect() as conn:
        rows = conn.execute(select(events).where(events.c.kind.like(f"{prefix}%")).order_by(events.c.id))
        return [(r.kind, r.actor, json.loads(r.details or "{}")) for r in rows]


def test_the_manual_queue_lists_items_by_deadline_with_reasons(queue):
    page = list_manual(queue)
    assert sorted(i.application_id for i in page) == ["EL-1", "NY-1"] and page.total == 2 and not page.cut
    assert find_manual(queue, "EL-1").codes == ["KOSTNAD_OVER_SCHABLON"]
    first = page[0]
    assert find_manual(queue, first.ref) == first == find_manual(queue, first.id), "M12, the number as an int, or id"
    assert find_manual(queue, first.ref.lower()) == first
    assert first.period == "2026-12"
    with pytest.raises(NotFound, match="inget ärende i manuella kön för REC-1"):
        find_manual(queue, "REC-1")


def test_a_list_that_is_cut_says_how_many_there_are(queue):
    page = list_manual(queue, limit=1)
    assert (len(page), page.total, page.cut) == (1, 2, True)
    assert list_recommendations(queue, None, 1).total == 1


@pytest.mark.parametrize(
    ("ref", "why"),
    [("1", "ange M1"), ("R1", "R1 är en rekommendation, inte ett ärende i manuella kön"), ("  ", "ange ett ärende")],
)
def test_a_bare_number_or_a_recommendations_number_does_not_name_a_manual_item(queue, ref, why):
    with pytest.raises(Invalid, match=why) as refused:
        find_manual(queue, ref)
    assert refused.value.field == "ref"


def test_a_number_that_is_also_another_applications_id_is_refused_as_ambiguous(engine, settings, ruleset):
    put(engine, settings, CLOCK, application(application_id="NY-A", kind="nyansokan"))
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    put(engine, settings, CLOCK, application(application_id="M1", kind="nyansokan"))
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    assert find_manual(engine, "NY-A").ref == "M1" and find_manual(engine, "M2").application_id == "M1"
    with pytest.raises(Invalid, match=r"M1 är tvetydigt.*ange M2 eller NY-A"):
        find_manual(engine, "M1")


@pytest.mark.parametrize("actor", [VERA, ADA], ids=["verksamhet", "admin"])
def test_only_handlaggare_and_teamledare_act_on_cases(queue, actor):
    for action in (
        lambda: claim_manual(queue, "NY-1", actor),
        lambda: approve_reviewed(queue, "REC-1", actor),
        lambda: resolve_manual(queue, "NY-1", actor, decision="avslag", note="nej"),
        lambda: reject_recommendation(queue, "REC-1", actor, note="nej"),
    ):
        with pytest.raises(NotAllowed, match="får inte handlägga ärenden"):
            action()
    assert list_recommendations(queue)[0].status == "pending" and find_manual(queue, "NY-1").status == "open"
    assert logged(queue, "manual") == [] and logged(queue, "recommendation") == []


@pytest.mark.parametrize(
    ("status", "limit", "field"), [("klar", 10, "status"), ("open", 0, "limit"), (None, -5, "limit")]
)
def test_unknown_statuses_and_limits_below_one_are_refused(queue, status, limit, field):
    with pytest.raises(Invalid) as refused:
        list_manual(queue, status, limit=limit)
    assert refused.value.field == field
    with pytest.raises(Invalid):
        list_recommendations(queue, status or "pending", limit)


def test_claim_resolve_and_the_event_log_records_who(queue, settings):
    claim_manual(queue, "NY-1", ANNA, clock=CLOCK)
    with pytest.raises(Conflict, match=r"redan tilldelat anna\.h") as taken:
        claim_manual(queue, "NY-1", BO, clock=CLOCK)
    assert taken.value.field is None, "a handläggare is not pointed at a takeover they may not make"
    with pytest.raises(Conflict, match=r"tilldelat anna\.h; be anna\.h eller en teamledare"):
        resolve_manual(queue, "NY-1", BO, decision="bifall", amount=5000, settings=settings)
    with pytest.raises(Invalid, match="kräver en motivering"):
        resolve_manual(queue, "NY-1", ANNA, decision="avslag", settings=settings)
    with pytest.raises(Invalid, match="större än 0"):
        resolve_manual(queue, "NY-1", ANNA, decision="bifall", amount=0, settings=settings)
    with pytest.raises(Invalid, match="bifall, delavslag, avslag eller överlämnad"):
        resolve_manual(queue, "NY-1", ANNA, decision="beviljas", amount=100, settings=settings)
    item = resolve_manual(
        queue, "NY-1", ANNA, decision="delavslag", amount=8000, note="Hyran godtas delvis", settings=settings,
        clock=CLOCK, confirm_amount=True,
    )  # fmt: skip
    assert (item.status, item.resolution, item.resolution_amount, item.resolved_by) == (
        "resolved",
        "delavslag",
        8000,
        "anna.h",
    )
    with pytest.raises(Conflict, match="redan avslutat"):
        resolve_manual(queue, "NY-1", ANNA, decision="bifall", amount=1, settings=settings)
    assert [(k, a, d.get("via")) for k, a, d in logged(queue, "manual")] == [
        ("manual_claimed", "anna.h", "cli"),
        ("manual_resolved", "anna.h", "cli"),
    ]


def test_only_a_teamledare_takes_over_or_resolves_an_item_someone_else_took(queue, settings):
    claim_manual(queue, "EL-1", ANNA, clock=CLOCK)
    for action in (
        lambda: claim_manual(queue, "EL-1", BO, force=True),
        lambda: resolve_manual(queue, "EL-1", BO, decision="avslag", note="Nej", force=True, settings=settings),
    ):
        with pytest.raises(NotAllowed, match="ta över andras ärenden"):
            action()
    with pytest.raises(Conflict, match="ta över ärendet") as offered:
        resolve_manual(queue, "EL-1", TEA, decision="avslag", note="Elräkning saknas", settings=settings)
    assert offered.value.field == "force"
    item = resolve_manual(
        queue, "EL-1", TEA, decision="avslag", note="Elräkning saknas", force=True, settings=settings, clock=CLOCK
    )
    assert (item.assignee, item.resolved_by, item.resolution_amount) == ("anna.h", "tea", None)
    _, actor, details = logged(queue, "manual_resolved")[0]
    assert (actor, details["assignee"]) == ("tea", "anna.h"), "both names"


def test_a_teamledare_takes_an_item_over_and_the_log_has_both_names(queue):
    claim_manual(queue, "NY-1", ANNA, clock=CLOCK)
    taken = claim_manual(queue, "NY-1", TEA, force=True, clock=CLOCK)
    assert taken.assignee == "tea"
    assert logged(queue, "manual_claimed")[-1][1:] == ("tea", {"item": taken.id, "taken_from": "anna.h", "via": "cli"})


def test_a_stickprov_item_needs_to_know_whether_the_application_was_correct(engine, settings, ruleset):
    settings.stickprov.rate = 1.0
    put(engine, settings, CLOCK, application(application_id="SP-1"))
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    with pytest.raises(Invalid, match="stickprov") as refused:
        resolve_manual(engine, "SP-1", ANNA, decision="bifall", amount=11220, settings=settings)
    assert refused.value.field == "stickprov_correct"
    item = resolve_manual(
        engine, "SP-1", ANNA, decision="bifall", amount=11220, stickprov_correct=False, settings=settings
    )
    assert item.stickprov and item.stickprov_correct is False


def test_an_item_handed_over_to_the_case_system_has_no_amount(queue, settings):
    with pytest.raises(Invalid, match="har inget belopp"):
        resolve_manual(queue, "NY-1", ANNA, decision="overlamnad", amount=100, settings=settings)
    item = resolve_manual(queue, "NY-1", ANNA, decision="overlamnad", settings=settings)
    assert (item.resolution, item.resolution_amount) == ("overlamnad", None)


@pytest.mark.parametrize(
    ("amount", "needs", "why"),
    [
        (7220 + 1900, True, "avviker mer än 25 % från robotens förslag 7 220 kr"),
        (7220 - 1800, False, None),
        (42220, True, "avviker"),
        (7220, False, None),
    ],
    ids=["26-percent-above", "25-percent-below", "a-typo", "as-proposed"],
)
def test_an_amount_far_from_the_robots_proposal_must_be_confirmed(queue, settings, amount, needs, why):
    assert find_manual(queue, "EL-1").proposal_amount == 7220
    if needs:
        with pytest.raises(Invalid, match=why) as refused:
            resolve_manual(queue, "EL-1", ANNA, decision="bifall", amount=amount, settings=settings)
        assert refused.value.field == "confirm_amount" and find_manual(queue, "EL-1").status == "open"
    item = resolve_manual(
        queue, "EL-1", ANNA, decision="bifall", amount=amount, confirm_amount=needs, settings=settings
    )
    assert item.resolution_amount == amount


def test_without_a_proposal_an_amount_above_the_configured_limit_must_be_confirmed(engine, settings, ruleset):
    settings.casework.confirm_above = 20000
    settings.queue.max_attempts = 1
    put(engine, settings, CLOCK, application(application_id="FEL-1"))
    run_until_idle(engine, settings, ruleset, FailingSource(9, RuntimeError("x")), CLOCK)
    assert find_manual(engine, "FEL-1").proposal_amount is None
    with pytest.raises(Invalid, match="större än 20 000 kr och roboten har inget förslag"):
        resolve_manual(engine, "FEL-1", ANNA, decision="bifall", amount=20001, settings=settings)
    assert resolve_manual(engine, "FEL-1", ANNA, decision="bifall", amount=20000, settings=settings).status == "resolved"


@pytest.mark.parametrize("amount", [200_001, 99_999_999_999, 10**24])
def test_no_confirmation_passes_the_ceiling_verksamheten_set(queue, settings, amount):
    assert settings.casework.max_amount == 200_000
    with pytest.raises(Invalid, match="större än taket 200 000 kr som verksamheten har satt") as refused:
        resolve_manual(queue, "EL-1", ANNA, decision="bifall", amount=amount, confirm_amount=True, settings=settings)
    assert refused.value.field == "amount" and find_manual(queue, "EL-1").status == "open"
    settings.casework.max_amount = 250_000
    item = resolve_manual(
        queue, "EL-1", ANNA, decision="bifall", amount=200_001, confirm_amount=True, settings=settings
    )
    assert (item.status, item.resolution_amount) == ("resolved", 200_001)


def test_approving_and_rejecting_recommendations(queue, engine, settings, ruleset):
    put(engine, settings, CLOCK, application(application_id="REC-2"))
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    assert [r.application_id for r in list_recommendations(queue)] == ["REC-1", "REC-2"]
    first = find_recommendation(queue, "REC-1")
    assert find_recommendation(queue, first.ref) == first and first.ref.startswith("R")
    with pytest.raises(Invalid, match="är ett ärende i manuella kön, inte en rekommendation"):
        find_recommendation(queue, "M1")
    approved = approve_reviewed(queue, "REC-1", ANNA, settings=settings, clock=CLOCK)
    assert (approved.status, approved.decided_by, approved.amount) == ("approved", "anna.h", 11220)
    with pytest.raises(Conflict, match=r"redan fastställd av anna\.h"):
        reject_recommendation(queue, "REC-1", BO, note="nej", settings=settings)
    with pytest.raises(Invalid, match="avvisas") as refused:
        reject_recommendation(queue, "REC-2", BO, note="  ", settings=settings)
    assert refused.value.field == "note"
    item = reject_recommendation(queue, "REC-2", BO, note="Hyran har ändrats, se avtalet", settings=settings, clock=CLOCK)
    assert item.codes == ["REKOMMENDATION_AVVISAD"] and item.proposal_amount == 11220
    assert item.reasons[0].text.endswith("bifall med 11 220 kr: Hyran har ändrats, se avtalet")
    assert states(engine)["REC-2"] == "MANUAL"
    assert list(list_recommendations(queue)) == []
    assert [r.application_id for r in list_recommendations(queue, None)] == ["REC-1", "REC-2"]
    with pytest.raises(NotFound):
        approve_reviewed(queue, "NY-1", ANNA, settings=settings)
    assert [(k, a) for k, a, _ in logged(queue, "recommendation")] == [
        ("recommendation_approved", "anna.h"),
        ("recommendation_rejected", "bo"),
    ]


def test_every_refusal_is_a_casework_error_with_a_swedish_message(queue):
    refusals = []
    for action in (
        lambda: find_manual(queue, "M9999"),
        lambda: find_manual(queue, "12"),
        lambda: list_recommendations(queue, "done"),
    ):
        with pytest.raises(CaseworkError) as refused:
            action()
        refusals.append(str(refused.value))
    assert all("--" not in text for text in refusals), "messages name no CLI options: the web shows them too"


def _cli(settings, monkeypatch, *args):
    """`robot …` in-process, as a handläggare at the terminal (`handlaggare_at_terminal`)."""
    from typer.testing import CliRunner

    from robot.cli.main import app

    monkeypatch.setenv("ROBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBOT_CONFIG", "/dev/null")
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def handlaggare_at_terminal(engine, monkeypatch):
    """The OS user at the terminal is anna.h, a handläggare (robot explain shows personal data)."""
    from robot.accounts import service as accounts

    accounts.add_account(engine, None, "ada", frozenset({Role.ADMIN}))
    accounts.add_account(engine, ADA, "anna.h", frozenset({Role.HANDLAGGARE}))
    monkeypatch.setattr(accounts, "os_user", lambda: "anna.h")


def test_explain_replays_a_stored_verdict_identically(queue, settings, monkeypatch, handlaggare_at_terminal):
    done = _cli(settings, monkeypatch, "explain", "EL-1", "--replay")
    assert done.exit_code == 0, done.output
    assert "hushållsel 1 250 kr" not in done.output and "hushållsel 2 000 kr" in done.output
    assert "identiskt utfall" in done.output


def test_explain_and_notice_for_an_application_the_robot_could_not_assess(
    engine, settings, ruleset, monkeypatch, handlaggare_at_terminal
):
    from tests.queue_helpers import FailingSource

    settings.queue.max_attempts = 1
    put(engine, settings, CLOCK, application(application_id="FEL-1"))
    run_until_idle(engine, settings, ruleset, FailingSource(9, RuntimeError("x")), CLOCK)
    explained = _cli(settings, monkeypatch, "explain", "FEL-1")
    assert explained.exit_code == 0
    assert "inget utfall från roboten" in explained.output and "Tekniskt fel vid automatisk behandling" in explained.output
    assert "roboten gjorde sin bedömning: manuell handläggning" in explained.output and "MANUAL" not in explained.output
    notice = _cli(settings, monkeypatch, "explain", "FEL-1", "--notice")
    assert notice.exit_code == 0 and "En person fattar beslutet" in notice.output
    assert "inom tre veckor" in notice.output and "Kontakta Göteborgs Stads kontaktcenter" in notice.output


def test_a_recommendation_is_approved_only_by_someone_shown_its_calculation(queue, engine, settings, ruleset):
    from robot.casework import approve_recommendation, show_for_review
    from robot.queue import access_log
    from robot.queue.outbox import for_application

    put(engine, settings, CLOCK, application(application_id="REC-2"))
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    rec1, rec2 = find_recommendation(queue, "REC-1"), find_recommendation(queue, "REC-2")
    with pytest.raises(Conflict, match="först när du har öppnat den och gått igenom beräkningen") as unseen:
        approve_recommendation(queue, "REC-1", ANNA, reviewed=None, settings=settings)
    assert unseen.value.field == "reviewed"
    seen_by_bo = show_for_review(queue, rec1, BO, clock=CLOCK)
    with pytest.raises(Conflict, match="öppnat den"):
        approve_recommendation(queue, "REC-1", ANNA, reviewed=seen_by_bo.code, settings=settings)
    first, second = (show_for_review(queue, r, ANNA, clock=CLOCK) for r in (rec1, rec2))
    assert first.code != second.code and len(first.code) == 8
    with pytest.raises(Conflict, match=f"granskningskoden {second.code} stämmer inte med rekommendation {rec1.ref}"):
        approve_recommendation(queue, "REC-1", ANNA, reviewed=second.code, settings=settings)
    with pytest.raises(Conflict, match="ange granskningskoden"):
        approve_recommendation(queue, "REC-1", ANNA, reviewed=" ", settings=settings)
    assert [r.status for r in list_recommendations(queue, None)] == ["pending", "pending"]
    approved = approve_recommendation(queue, "REC-1", ANNA, reviewed=first.code.upper(), settings=settings, clock=CLOCK)
    assert approved.status == "approved"
    record = json.loads(for_application(queue, "REC-1")[0].body)
    assert record["reviewed_at"] == "2026-12-01T09:00:00+01:00"
    reviews = [(e.user_id, e.what) for e in access_log.entries(queue, application_id="REC-1")]
    assert reviews == [("bo", "review"), ("anna.h", "review")], "each showing is logged as that person's review"
    event = next(e for e in logged(queue, "recommendation") if e[0] == "recommendation_approved")
    assert event[2]["reviewed_at"].startswith("2026-12-01T08:00:00")


def test_a_review_counts_for_approving_only_within_its_window(queue, settings):
    from robot.casework import approve_recommendation, show_for_review
    from robot.casework.audit import logged as audited
    from robot.clock import FixedClock
    from robot.queue import access_log
    from robot.queue.access_log import What
    from robot.queue.outbox import for_application

    assert settings.casework.review_valid_minutes == 480
    clock = FixedClock(CLOCK.now())
    rec = find_recommendation(queue, "REC-1")
    code = show_for_review(queue, rec, ANNA, clock=clock).code
    clock.advance(minutes=481)
    approve = functools.partial(
        approve_recommendation, queue, "REC-1", ANNA, reviewed=code, settings=settings, clock=clock
    )
    said = (
        f"din granskning av rekommendation {rec.ref} gjordes för mer än 8 timmar sedan; "
        "öppna den igen och gå igenom beräkningen och skälen innan du fastställer den"
    )
    with pytest.raises(Conflict, match=said) as late:
        audited(queue, ANNA, "REC-1", What.APPROVE, approve)
    assert late.value.field == "reviewed" and find_recommendation(queue, "REC-1").status == "pending"
    assert [(e.what, e.outcome) for e in access_log.entries(queue, application_id="REC-1")] == [
        ("review", "ok"), ("approve", "refused"),
    ]  # fmt: skip
    settings.casework.review_valid_minutes = 90
    assert show_for_review(queue, rec, ANNA, clock=clock).code == code, "the same recommendation, the same code"
    clock.advance(minutes=91)
    with pytest.raises(Conflict, match="gjordes för mer än 1 timme och 30 minuter sedan"):
        approve()
    clock.advance(minutes=-1)  # exactly 90 minutes after the review: still within it
    approved = approve()
    assert approved.status == "approved"
    record = json.loads(for_application(queue, "REC-1")[0].body)
    assert record["reviewed_at"] == "2026-12-01T17:01:00+01:00", "the review that counted, not the stale one"


@pytest.mark.parametrize("minutes", [0, -5, 2881, 1.5, "en dag"])
def test_the_review_window_is_a_positive_whole_number_of_minutes_up_to_two_days(minutes):
    from pydantic import ValidationError

    from robot.config import Settings

    with pytest.raises(ValidationError, match="review_valid_minutes"):
        Settings(casework={"review_valid_minutes": minutes})
    assert Settings(casework={"review_valid_minutes": 2880}).casework.review_valid_minutes == 2880


def test_the_notice_promises_the_review_the_system_enforces_and_no_more():
    from robot.swedish.notice import notice_text

    text = " ".join(notice_text("REC-1", manual=False, stickprov=False).split())
    assert "kan handläggaren bevilja enligt förslaget först när hen har öppnat beräkningen och skälen" in text
    assert "prövar alltid" not in text and "går igenom underlaget" not in text, "not enforced for every application"


_STEP = st.tuples(
    st.sampled_from(["show", "approve_seen", "approve_other", "approve_blind"]), st.sampled_from([ANNA, BO]),
    st.integers(0, 3),
)


@hypothesis.settings(max_examples=25, deadline=None,
                     suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])  # fmt: skip
@hypothesis.given(days=st.lists(st.lists(_STEP, max_size=8), min_size=1, max_size=3))
def test_no_approval_without_its_approvers_review_and_every_attempt_is_logged(engine, settings, ruleset, days):
    """Whatever handläggare do in whatever order, every approval was preceded by a review of that
    recommendation by the one approving, and every attempt is one access-log row with its outcome."""
    from robot.casework import approve_recommendation, show_for_review
    from robot.casework.audit import logged as audited
    from robot.queue import access_log
    from robot.queue.access_log import What
    from robot.queue.outbox import for_application

    if not list_recommendations(engine, None).total:
        put(engine, settings, CLOCK, *(application(application_id=f"P-{n}") for n in range(4)))
        run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    recs = sorted(list_recommendations(engine, None), key=lambda r: r.application_id)
    attempts = sum(e.what == "approve" for e in access_log.entries(engine))  # by the examples before
    seen: dict[tuple[str, int], str] = {}
    for steps in days:
        for op, actor, n in steps:
            rec = find_recommendation(engine, recs[n].id)
            if op == "show":
                seen[(actor.user_id, n)] = show_for_review(engine, rec, actor, clock=CLOCK).code
                continue
            code = {"approve_seen": seen.get((actor.user_id, n)), "approve_blind": None,
                    "approve_other": seen.get((actor.user_id, (n + 1) % 4))}[op]  # fmt: skip
            attempts += 1
            with contextlib.suppress(Conflict):
                approve = functools.partial(approve_recommendation, engine, rec.id, actor, reviewed=code,
                                            settings=settings, clock=CLOCK)  # fmt: skip
                audited(engine, actor, rec.application_id, What.APPROVE, approve)
    log = access_log.entries(engine)
    assert sum(e.what == "approve" for e in log) == attempts
    for rec in list_recommendations(engine, "approved"):
        approval = next(e for e in log if e.what == "approve" and e.outcome == "ok" and e.application_id == rec.application_id)
        assert approval.user_id == rec.decided_by
        assert any(e.what == "review" and e.user_id == rec.decided_by and e.application_id == rec.application_id
                   and e.id < approval.id for e in log), f"{rec.ref} approved without its approver's review"  # fmt: skip
        assert json.loads(for_application(engine, rec.application_id)[0].body)["reviewed_at"]
