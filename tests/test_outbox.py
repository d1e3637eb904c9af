"""Decisions reach the case system: one beslut/1 record per action, written with it, delivered in order, once.

What a case system and ops would notice: the record's fields, that a refused or failed action
leaves none, that delivery keeps the order and retries, that the alert comes, that the HTTP body
is signed and the folder never holds a partial file, and that no personnummer leaves.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from robot.accounts import NotAllowed
from robot.casework import (
    Conflict,
    Invalid,
    correct_decision,
    decisions_for,
    find_manual,
    reject_recommendation,
    resolve_manual,
)
from robot.clock import FixedClock
from robot.config import OutputSettings, Settings
from robot.formats.beslut import Beslut
from robot.outbox.deliverer import Deliverer
from robot.outbox.signing import verify
from robot.outbox.targets import FolderTarget, HttpTarget, write_atomically
from robot.queue import outbox
from robot.queue.schema import APPEND_ONLY_TABLES, decisions, delivery_attempts, events, recommendations
from tests.builders import APPLICANT, application
from tests.people import ANNA, BO, CLOCK, TEA
from tests.queue_helpers import DictSource, approve_reviewed, count, put, run_until_idle

SECRET = "a-shared-secret-for-the-case-system"


@pytest.fixture
def queue(engine, settings, ruleset):
    put(engine, settings, CLOCK, *(application(application_id=f"REC-{n}") for n in range(1, 6)),
        application(application_id="NY-1", kind="nyansokan"),
        application(application_id="EL-1", costs=[{"type": "hushallsel", "amount": 2000}]))  # fmt: skip
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    return engine


def records(engine) -> list[Beslut]:
    with engine.connect() as conn:
        return [Beslut.model_validate_json(b) for b in conn.execute(select(decisions.c.body).order_by(decisions.c.id)).scalars()]


def decide_all(engine, settings) -> None:
    """An approval, a rejection (→ överlämnad) and a manual delavslag."""
    approve_reviewed(engine, "REC-1", ANNA, settings=settings, clock=CLOCK)
    reject_recommendation(engine, "REC-2", BO, note="Hyran har ändrats", settings=settings, clock=CLOCK)
    resolve_manual(engine, "EL-1", ANNA, decision="delavslag", amount=6000, note="Elen godtas delvis",
                   settings=settings, clock=CLOCK)  # fmt: skip


def test_each_decision_is_one_beslut_record_with_the_fixed_fields(queue, settings):
    decide_all(queue, settings)
    approved, handed_over, manual = records(queue)
    assert approved.model_dump(exclude={"event_id", "robot", "motivering", "norm"}) == {
        "format": "beslut/1", "application_id": "REC-1", "period": "2026-12", "district": "Nordost",
        "decision": "bifall", "amount": 11220, "decided_by": "anna.h", "decided_at": "2026-12-01T09:00:00+01:00", "basis": "robotens_forslag",
        "lagrum": ["12 kap. 1 § socialtjänstlagen (2025:400)", "12 kap. 7 § socialtjänstlagen (2025:400)",
                   "12 kap. 1–3 §§ socialtjänstförordningen (2025:468)"], "supersedes": None,
        "reviewed_at": "2026-12-01T09:00:00+01:00",
    }  # fmt: skip
    assert '"reviewed_at": "2026-12-01T09:00:00+01:00"' in approved.to_json(), "when the calculation was shown"
    assert handed_over.reviewed_at is None and "reviewed_at" not in handed_over.to_json(), "optional: left out"
    n = approved.norm
    assert (n.total, n.costs, n.incomes, n.personal + n.shared) == (11220, 6000, 0, 5220), "riksnorm + costs − incomes"
    assert approved.robot.outcome == "recommendation" and approved.robot.amount == 11220
    assert not approved.robot.stickprov and approved.robot.ruleset.startswith("2026")
    assert approved.motivering.startswith("Bifall med 11 220 kr för december 2026 enligt robotens rekommendation")
    assert (handed_over.decision, handed_over.amount, handed_over.basis, handed_over.decided_by) == (
        "overlamnad", None, "manuell_handlaggning", "bo")
    assert handed_over.motivering == "Hyran har ändrats" and handed_over.norm is None
    assert (manual.decision, manual.amount, manual.motivering, manual.basis) == (
        "delavslag", 6000, "Elen godtas delvis", "manuell_handlaggning")
    assert manual.norm is None, "the robot's calculation is not the basis of another amount"
    assert manual.robot.outcome == "manual" and manual.robot.amount == 7220
    assert len({r.event_id for r in (approved, handed_over, manual)}) == 3
    with queue.connect() as conn:
        logged = [json.loads(r.details)["record"] for r in conn.execute(
            select(events.c.details).where(events.c.kind.in_(
                ["recommendation_approved", "recommendation_rejected", "manual_resolved"])).order_by(events.c.id))]
    assert logged == [approved.event_id, handed_over.event_id, manual.event_id], "the event log names each record"


def test_a_refused_action_writes_no_record(queue, settings):
    approve_reviewed(queue, "REC-1", ANNA, settings=settings)
    with pytest.raises(Conflict):
        approve_reviewed(queue, "REC-1", BO, settings=settings)
    with pytest.raises(Invalid):
        resolve_manual(queue, "EL-1", ANNA, decision="bifall", amount=42220, settings=settings)
    assert count(queue, decisions) == 1


def test_the_record_and_the_action_commit_together_or_not_at_all(queue, settings, monkeypatch):
    import robot.queue.cases as cases

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(cases, "add_decision", broken)
    with pytest.raises(RuntimeError):
        approve_reviewed(queue, "REC-1", ANNA, settings=settings)
    with pytest.raises(RuntimeError):
        resolve_manual(queue, "EL-1", ANNA, decision="bifall", amount=7220, settings=settings)
    with queue.connect() as conn:
        assert conn.execute(select(recommendations.c.status).where(recommendations.c.id == 1)).scalar() == "pending"
        assert conn.execute(select(events.c.id).where(events.c.kind.like("%approved"))).all() == []
    assert find_manual(queue, "EL-1").status == "open" and count(queue, decisions) == 0


@pytest.mark.parametrize("table", ["decisions", "delivery_attempts"])
def test_records_and_delivery_attempts_are_append_only(queue, settings, table):
    assert table in APPEND_ONLY_TABLES
    approve_reviewed(queue, "REC-1", ANNA, settings=settings)
    asyncio.run(Deliverer(queue, settings.output, FolderTarget(settings.data_dir / "ut"), "t").deliver_pending())
    assert count(queue, delivery_attempts) == 1
    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with pytest.raises(Exception, match="append-only"), queue.begin() as conn:
            conn.execute(text(statement))


def test_a_motivering_with_a_personnummer_is_refused(queue, settings):
    for note in (f"Se {APPLICANT}", f"Gäller {APPLICANT[2:8]}-{APPLICANT[8:]}"):
        with pytest.raises(Invalid, match="personnummer") as refused:
            reject_recommendation(queue, "REC-1", ANNA, note=note, settings=settings)
        assert refused.value.field == "note"
    assert count(queue, decisions) == 0


# Delivery ----------------------------------------------------------------------------------------


class Receiver:
    """A case system behind httpx.MockTransport: answers from a script, records every request."""

    def __init__(self, *statuses: int):
        self.script = list(statuses)
        self.requests: list[httpx.Request] = []
        self.in_flight = 0
        self.most_in_flight = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.script.pop(0) if self.script else 200)

    def keys(self) -> list[str]:
        return [r.headers["idempotency-key"] for r in self.requests]


def http_settings(**changes) -> OutputSettings:
    values = {"url": "https://case.example/beslut", "secret": SECRET, "retries": 0, "backoff_initial_seconds": 60}
    return OutputSettings(**{**values, **changes})


def deliverer(engine, out: OutputSettings, receiver: Receiver, clock=CLOCK, owner: str = "test") -> Deliverer:
    return Deliverer(engine, out, HttpTarget(out, httpx.MockTransport(receiver)), owner, clock)


def test_http_delivery_is_signed_and_carries_the_record_as_stored(queue, settings):
    decide_all(queue, settings)
    receiver = Receiver()
    report = asyncio.run(deliverer(queue, http_settings(), receiver).deliver_pending())
    assert report.delivered == 3 and report.pending_after == 0
    stored = outbox.listing(queue, "delivered", 10)
    for request in receiver.requests:
        record = next(r for r in stored if r.event_id == request.headers["idempotency-key"])
        assert request.content == record.body.encode()
        assert request.headers["x-signature"] == "sha256=" + hmac.new(
            SECRET.encode(), request.content, hashlib.sha256).hexdigest()  # fmt: skip
        assert verify(SECRET.encode(), request.content, request.headers["x-signature"])
        assert not verify(b"another secret", request.content, request.headers["x-signature"])
        assert request.headers["content-type"].startswith("application/json")


def test_records_are_delivered_in_order_and_a_refused_one_holds_back_those_after_it(queue, settings):
    for n in (1, 2, 3, 4, 5):
        approve_reviewed(queue, f"REC-{n}", ANNA, settings=settings, clock=CLOCK)
    order = [r.event_id for r in outbox.next_pending(queue, 10)]
    receiver = Receiver(200, 503)
    clock = FixedClock(CLOCK.now())
    first = asyncio.run(deliverer(queue, http_settings(), receiver, clock).deliver_pending())
    assert (first.delivered, first.failed, first.pending_after) == (1, "HTTP 503", 4)
    head = outbox.by_event_id(queue, order[1])
    assert head.attempts == 1 and head.last_error == "HTTP 503" and head.next_attempt_at > clock.now()
    waiting = asyncio.run(deliverer(queue, http_settings(), receiver, clock).deliver_pending())
    assert waiting.delivered == 0 and waiting.waiting_until == head.next_attempt_at, "the backoff is kept"
    clock.advance(minutes=2)
    last = asyncio.run(deliverer(queue, http_settings(), receiver, clock).deliver_pending())
    assert last.delivered == 4 and last.pending_after == 0
    assert receiver.keys() == [order[0], order[1], order[1], order[2], order[3], order[4]]
    results = [(a.result, a.detail) for a in reversed(outbox.attempts(queue, head.pk))]
    assert results == [("failed", "HTTP 503"), ("delivered", "HTTP 200")], "every try is recorded"


def test_quick_retries_within_a_pass_and_then_a_growing_backoff(queue, settings):
    approve_reviewed(queue, "REC-1", ANNA, settings=settings)
    receiver = Receiver(500, 429, 200)
    report = asyncio.run(deliverer(queue, http_settings(retries=2), receiver).deliver_pending())
    assert report.delivered == 1 and len(receiver.requests) == 3
    out = http_settings(backoff_initial_seconds=10, backoff_max_seconds=300)
    d = deliverer(queue, out, receiver)
    waits = [d.backoff(n) for n in range(8)]
    assert 8 <= waits[0] <= 12 and 16 <= waits[1] <= 24 and all(240 <= w <= 360 for w in waits[5:])


def test_a_timeout_or_a_refused_connection_is_retried_too(queue, settings):
    approve_reviewed(queue, "REC-1", ANNA, settings=settings)
    calls = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        if len(calls) == 2:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(204)

    out = http_settings(retries=2)
    target = HttpTarget(out, httpx.MockTransport(flaky))
    report = asyncio.run(Deliverer(queue, out, target, "t", CLOCK).deliver_pending())
    assert report.delivered == 1
    details = [a.detail for a in reversed(outbox.attempts(queue, 1))]
    assert details == ["ConnectError", "ReadTimeout", "HTTP 204"]


def test_a_redirect_is_never_followed_and_the_attempt_names_where_it_pointed(queue, settings):
    """Issue 22: a record (and its signature) must not go to wherever a 3xx points."""
    approve_reviewed(queue, "REC-1", ANNA, settings=settings)
    hosts = []

    def redirecting(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(307, headers={"location": "https://elsewhere.example/beslut"})

    out = http_settings()
    target = HttpTarget(out, httpx.MockTransport(redirecting))
    report = asyncio.run(Deliverer(queue, out, target, "t", CLOCK).deliver_pending())
    assert report.delivered == 0 and hosts == ["case.example"]
    (attempt,) = outbox.attempts(queue, 1)
    assert attempt.result == "failed"
    assert attempt.detail == "HTTP 307, a redirect to https://elsewhere.example/beslut: not followed"


def test_retry_clears_the_backoff_for_ops(queue, settings):
    approve_reviewed(queue, "REC-1", ANNA, settings=settings)
    asyncio.run(deliverer(queue, http_settings(), Receiver(503)).deliver_pending())
    assert outbox.retry_now(queue, None, "ops:test", CLOCK.now()) == 1
    assert asyncio.run(deliverer(queue, http_settings(), Receiver()).deliver_pending()).delivered == 1


def test_an_undelivered_record_past_the_alert_time_is_a_warning_line(queue, settings):
    from structlog.testing import capture_logs

    approve_reviewed(queue, "REC-1", ANNA, settings=settings, clock=CLOCK)
    later = FixedClock(CLOCK.now() + dt.timedelta(minutes=59))
    d = deliverer(queue, http_settings(alert_after="1h"), Receiver(503), later)
    assert asyncio.run(d.alert_if_overdue())["overdue"] == 0
    later.advance(minutes=2)
    with capture_logs() as lines:
        asyncio.run(d.deliver_pending())
        summary = asyncio.run(d.alert_if_overdue())
        asyncio.run(d.alert_if_overdue())
    assert summary["overdue"] == 1 and summary["oldest_pending"]["last_error"] == "HTTP 503"
    alert = [line for line in lines if line["event"] == "decisions_undelivered"]
    assert len(alert) == 1, "at most once a minute"
    assert alert[0]["log_level"] == "warning" and alert[0]["oldest_waiting_minutes"] == 61


def test_the_alert_shows_in_robot_status_and_outbox_status(queue, settings, monkeypatch):
    from typer.testing import CliRunner

    from robot.cli.main import app

    approve_reviewed(queue, "REC-1", ANNA, settings=settings, clock=CLOCK)  # the test clock is a day later
    monkeypatch.setenv("ROBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBOT_CONFIG", "/dev/null")
    monkeypatch.setenv("ROBOT_OUTPUT_ALERT_AFTER", "30m")
    status = CliRunner().invoke(app, ["outbox", "status"])
    assert status.exit_code == 1 and "LARM: 1 inte levererade på mer än 30 min" in status.output
    assert "mottagare: inte inställd" in status.output
    assert "LARM: 1 inte levererade" in CliRunner().invoke(app, ["status"]).output
    listed = CliRunner().invoke(app, ["outbox", "list"])
    assert "REC-1" in listed.output and "11 220" not in listed.output and "11220" not in listed.output


# The folder target ---------------------------------------------------------------------------------


def test_the_folder_gets_one_complete_file_per_record_and_a_repeat_changes_nothing(queue, settings, tmp_path):
    decide_all(queue, settings)
    folder = tmp_path / "beslut"
    out = OutputSettings(dir=folder)
    assert asyncio.run(Deliverer(queue, out, FolderTarget(folder), "t").deliver_pending()).delivered == 3
    stored = {r.event_id: r.body for r in outbox.listing(queue, None, 10)}
    assert {p.name for p in folder.iterdir()} == {f"{e}.json" for e in stored}
    for event_id, body in stored.items():
        assert (folder / f"{event_id}.json").read_text(encoding="utf-8") == body
    record = outbox.by_event_id(queue, next(iter(stored)))
    asyncio.run(FolderTarget(folder).send(record))
    assert len(list(folder.iterdir())) == 3


def test_an_atomic_write_leaves_the_old_file_or_the_new_never_a_part(tmp_path, monkeypatch):
    import os

    write_atomically(tmp_path, "a.json", b'{"v": 1}')
    real_fsync = os.fsync

    def crash(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError):
        write_atomically(tmp_path, "a.json", b'{"v": 2, "long": "' + b"x" * 100_000 + b'"}')
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"] and (tmp_path / "a.json").read_bytes() == b'{"v": 1}'


def test_half_written_files_of_a_killed_deliverer_are_tidied_away(tmp_path):
    import os
    import time

    left = tmp_path / ".5f0c2f1e-8d7a-4d0e-9a51-2b7f7c3c9e10.json.4711.0a1b2c3d.tmp"
    left.write_bytes(b'{"half')
    os.utime(left, (time.time() - 600, time.time() - 600))
    fresh = tmp_path / ".5f0c2f1e-8d7a-4d0e-9a51-2b7f7c3c9e11.json.4712.0a1b2c3d.tmp"
    fresh.write_bytes(b'{"being written')
    (tmp_path / "notes.tmp").write_text("not ours")
    assert FolderTarget(tmp_path).tidy(older_than_seconds=60) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, "notes.tmp"])


def test_an_unwritable_folder_is_a_failed_attempt_not_a_crash(queue, settings, tmp_path):
    approve_reviewed(queue, "REC-1", ANNA, settings=settings)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    out = OutputSettings(dir=blocked, retries=0)
    report = asyncio.run(Deliverer(queue, out, FolderTarget(blocked), "t").deliver_pending())
    assert report.delivered == 0 and report.failed.startswith("FileExistsError")


# One deliverer at a time ----------------------------------------------------------------------------


def test_a_second_deliverer_waits_while_the_first_holds_the_lease(queue, settings):
    approve_reviewed(queue, "REC-1", ANNA, settings=settings)
    token = outbox.take_lease(queue, "daemon-a", 60, CLOCK.now())
    assert token is not None
    busy = asyncio.run(deliverer(queue, http_settings(), Receiver(), owner="daemon-b").deliver_pending())
    assert busy.busy and busy.delivered == 0
    later = FixedClock(CLOCK.now() + dt.timedelta(seconds=61))
    taken = asyncio.run(deliverer(queue, http_settings(), Receiver(), later, owner="daemon-b").deliver_pending())
    assert taken.delivered == 1, "an expired lease (a killed daemon) is taken over"


def test_a_deliverer_that_lost_its_lease_writes_nothing(queue, settings):
    approve_reviewed(queue, "REC-1", ANNA, settings=settings)
    receiver = Receiver()

    def steal_while_sending(request: httpx.Request) -> httpx.Response:
        outbox.take_lease(queue, "daemon-b", 60, CLOCK.now() + dt.timedelta(hours=1))  # a's lease ran out meanwhile
        return receiver(request)

    out = http_settings()
    d = Deliverer(queue, out, HttpTarget(out, httpx.MockTransport(steal_while_sending)), "daemon-a", CLOCK)
    report = asyncio.run(d.deliver_pending())
    assert report.delivered == 0 and len(receiver.requests) == 1
    assert outbox.by_event_id(queue, receiver.keys()[0]).status == "pending" and count(queue, delivery_attempts) == 0


@pytest.mark.postgres
def test_two_daemons_on_postgresql_never_send_at_once_and_deliver_each_record_once(postgres_url, settings, ruleset):
    from robot.queue.db import make_engine

    engine = make_engine(postgres_url)
    put(engine, settings, CLOCK, *(application(application_id=f"PG-{n}") for n in range(12)))
    run_until_idle(engine, settings, ruleset, DictSource(), CLOCK)
    for n in range(12):
        approve_reviewed(engine, f"PG-{n}", ANNA, settings=settings, clock=CLOCK)
    order = [r.event_id for r in outbox.next_pending(engine, 20)]
    seen: list[str] = []
    in_flight = {"now": 0, "most": 0}

    async def slow_case_system(request: httpx.Request) -> httpx.Response:
        in_flight["now"] += 1
        in_flight["most"] = max(in_flight["most"], in_flight["now"])
        await asyncio.sleep(0.01)
        seen.append(request.headers["idempotency-key"])
        in_flight["now"] -= 1
        return httpx.Response(200)

    async def both() -> None:
        out = http_settings()
        daemons = [Deliverer(engine, out, HttpTarget(out, httpx.MockTransport(slow_case_system)), f"d{n}")
                   for n in range(2)]  # fmt: skip
        for _ in range(10):
            await asyncio.gather(*(d.deliver_pending() for d in daemons))

    asyncio.run(both())
    engine.dispose()
    assert seen == order and in_flight["most"] == 1


# No personnummer leaves ------------------------------------------------------------------------------


def test_no_personnummer_leaves_in_a_record_a_file_or_a_request(engine, settings, ruleset, tmp_path):
    from tests.builders import CO_APPLICANT

    couple = application(application_id="PAR-1")
    couple["household"] = {**couple["household"], "co_applicant": {"personnummer": CO_APPLICANT, "able_to_work": True},
                           "changed_since_last_application": True}  # manual: a household that changed
    put(engine, settings, CLOCK, application(application_id="EN-1"), application(application_id="EN-2"), couple,
        application(application_id="NY-9", kind="nyansokan"))  # fmt: skip
    from tests.builders import register

    run_until_idle(engine, settings, ruleset, DictSource(register(APPLICANT, CO_APPLICANT)), CLOCK)
    approve_reviewed(engine, "EN-1", ANNA, settings=settings)
    reject_recommendation(engine, "EN-2", ANNA, note="Hushållet har ändrats", settings=settings)
    resolve_manual(engine, "PAR-1", ANNA, decision="bifall", amount=9000, confirm_amount=True, settings=settings)
    resolve_manual(engine, "NY-9", ANNA, decision="avslag", note="Inkomsterna räcker", settings=settings)
    correct_decision(engine, "NY-9", ANNA, decision="overlamnad", note="Utreds i verksamhetssystemet",
                     settings=settings)  # fmt: skip
    receiver = Receiver()
    asyncio.run(deliverer(engine, http_settings(), receiver).deliver_pending())
    outbox.retry_now(engine, None, "t", CLOCK.now())
    folder = tmp_path / "ut"
    with engine.begin() as conn:  # deliver the same records again, to a folder
        conn.execute(text("UPDATE decision_deliveries SET status = 'pending'"))
    asyncio.run(Deliverer(engine, OutputSettings(dir=folder), FolderTarget(folder), "t").deliver_pending())
    texts = [r.body for r in outbox.listing(engine, None, 10)]
    texts += [r.content.decode() for r in receiver.requests] + [p.read_text() for p in folder.iterdir()]
    assert len(texts) == 3 * 5
    forms = {f(p) for p in (APPLICANT, CO_APPLICANT) for f in (
        lambda p: p, lambda p: p[2:], lambda p: f"{p[2:8]}-{p[8:]}", lambda p: f"{p[:8]}-{p[8:]}")}  # fmt: skip
    assert [t for t in texts for form in forms if form in t] == []


# Correcting a decision ----------------------------------------------------------------------------------


def test_a_decision_is_corrected_by_a_new_record_never_an_edit(queue, settings):
    approve_reviewed(queue, "REC-1", ANNA, settings=settings, clock=CLOCK)
    original = records(queue)[0]
    with pytest.raises(Invalid, match="ange varför"):
        correct_decision(queue, "REC-1", ANNA, decision="delavslag", amount=10000, note=" ", settings=settings)
    with pytest.raises(Invalid, match="ändrar inget"):
        correct_decision(queue, "R1", ANNA, decision="bifall", amount=11220, note="Samma", settings=settings)
    with pytest.raises(NotAllowed, match="ta över andras ärenden"):
        correct_decision(queue, "REC-1", BO, decision="avslag", note="Fel", settings=settings)
    fixed = correct_decision(queue, "R1", ANNA, decision="delavslag", amount=10000, note="Hyran var lägre",
                             settings=settings, clock=CLOCK)  # fmt: skip
    assert fixed.supersedes == original.event_id and fixed.decided_by == "anna.h"
    again = correct_decision(queue, fixed.event_id, TEA, decision="bifall", amount=10500, note="Rätt belopp",
                             settings=settings, clock=CLOCK)  # fmt: skip
    chain = decisions_for(queue, "REC-1")
    assert [(r.decision, r.amount, r.supersedes) for r in chain] == [
        ("bifall", 11220, None),
        ("delavslag", 10000, original.event_id),
        ("bifall", 10500, fixed.event_id),
    ]
    assert records(queue)[0] == original, "the first record is unchanged"
    corrected = Beslut.model_validate_json(again.body)
    assert corrected.basis == "manuell_handlaggning" and corrected.motivering == "Rätt belopp"
    with queue.connect() as conn:
        logged = [json.loads(r.details) | {"actor": r.actor}
                  for r in conn.execute(select(events).where(events.c.kind == "decision_corrected"))]  # fmt: skip
    assert logged[1]["actor"] == "tea" and logged[1]["decided_by_before"] == "anna.h", "both names"


def test_a_decision_with_an_open_manual_item_is_finished_there_not_corrected(queue, settings):
    reject_recommendation(queue, "REC-1", ANNA, note="Fel hyra", settings=settings)
    with pytest.raises(Conflict, match="har ett ärende i manuella kön"):
        correct_decision(queue, "REC-1", ANNA, decision="bifall", amount=11220, note="Ändå rätt", settings=settings)


def test_a_record_is_superseded_at_most_once(queue, settings):
    approve_reviewed(queue, "REC-1", ANNA, settings=settings)
    original = records(queue)[0]
    from robot.casework.records import grounds, new_record

    g = grounds(queue, "REC-1")
    rival = new_record(g, decision="avslag", amount=None, actor=TEA, at=CLOCK.now(), basis="manuell_handlaggning",
                       motivering="x", lagrum=[], supersedes=original.event_id)  # fmt: skip
    correct_decision(queue, "REC-1", ANNA, decision="avslag", note="Fel", settings=settings)
    assert not outbox.add_correction(queue, g.application_pk, rival), "the loser of a race writes nothing"
    with pytest.raises(Exception, match=r"(?i)unique"), queue.begin() as conn:
        outbox.add_decision(conn, g.application_pk, rival)


# Settings ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "why"),
    [
        ({"dir": "/tmp/x", "url": "https://x"}, "either output.dir"),
        ({"url": "https://x"}, "needs ROBOT_OUTPUT_SECRET"),
        ({"url": "https://x", "secret": "s", "lease_seconds": 20}, "at least twice"),
    ],
)
def test_output_settings_that_cannot_work_are_refused(output, why):
    with pytest.raises(ValueError, match=why):
        Settings(output=output)


def test_the_alert_time_reads_like_ops_write_it(monkeypatch):
    monkeypatch.setenv("ROBOT_OUTPUT_ALERT_AFTER", "90m")
    monkeypatch.setenv("ROBOT_OUTPUT_DIR", "/srv/beslut")
    settings = Settings(_env_file=None)
    assert settings.output.alert_after == 5400 and settings.output.dir == Path("/srv/beslut")
    assert settings.output.target() == "folder:/srv/beslut"


# The example receiver ------------------------------------------------------------------------------------


def test_the_example_receiver_checks_the_signature_and_takes_each_record_once(queue, settings, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    approve_reviewed(queue, "REC-1", ANNA, settings=settings)
    store = tmp_path / "received"
    receiver = subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / "receiver.py"), "--port", "0", "--store", str(store)],
        env={**os.environ, "ROBOT_OUTPUT_SECRET": SECRET}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = receiver.stdout.readline().split(" on ")[1].split(" ")[0] + "beslut"
        out = http_settings(url=url)
        assert asyncio.run(Deliverer(queue, out, HttpTarget(out), "t").deliver_pending()).delivered == 1
        outbox.retry_now(queue, None, "t", CLOCK.now())
        with queue.begin() as conn:
            conn.execute(text("UPDATE decision_deliveries SET status = 'pending'"))  # as after a crash
        assert asyncio.run(Deliverer(queue, out, HttpTarget(out), "t").deliver_pending()).delivered == 1
        forged = http_settings(url=url, secret="not-the-secret", retries=0)
        with queue.begin() as conn:
            conn.execute(text("UPDATE decision_deliveries SET status = 'pending'"))
        refused = asyncio.run(Deliverer(queue, forged, HttpTarget(forged), "t").deliver_pending())
        assert refused.failed == "HTTP 401"
    finally:
        receiver.terminate()
        receiver.wait()
    record = outbox.listing(queue, None, 1)[0]
    assert [p.name for p in store.glob("*.json")] == [f"{record.event_id}.json"]
    assert (store / f"{record.event_id}.json").read_text() == record.body
    log = (store / "requests.log").read_text().splitlines()
    assert [line.split(" ", 1)[1] for line in log] == ["201 taken", "200 duplicate", "401 bad signature"]


def test_robot_outbox_deliver_runs_one_pass_and_says_what_it_did(queue, settings, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    approve_reviewed(queue, "REC-1", ANNA, settings=settings)
    approve_reviewed(queue, "REC-2", ANNA, settings=settings)
    env = {**os.environ, "ROBOT_DATA_DIR": str(settings.data_dir), "ROBOT_CONFIG": os.devnull, "ROBOT_LOG_FORMAT": "json"}
    env.pop("ROBOT_DATABASE_URL", None)

    def robot(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "robot", *args], cwd=ROOT, env={**env, **extra},
                              capture_output=True, text=True, timeout=60)  # fmt: skip

    without = robot("outbox", "deliver")
    assert without.returncode == 3 and "ingen mottagare" in without.stderr
    weak = robot("outbox", "deliver", ROBOT_OUTPUT_URL="http://127.0.0.1:9/beslut", ROBOT_OUTPUT_SECRET="s3cret",
                 ROBOT_DEMO="0")  # fmt: skip
    assert weak.returncode == 3 and weak.stderr.startswith("robot: ROBOT_OUTPUT_SECRET is refused")
    assert "Traceback" not in weak.stderr
    done = robot("outbox", "deliver", ROBOT_OUTPUT_DIR=str(tmp_path / "ut"))
    assert done.returncode == 0, done.stderr
    assert f"levererade 2 till folder:{tmp_path / 'ut'}; väntar 0" in done.stdout
    assert sorted(json.loads(line)["event"] for line in done.stderr.splitlines()) == ["decision_delivered"] * 2
    assert len(list((tmp_path / "ut").glob("*.json"))) == 2
