"""The queue: leases and fencing, retries, cut-offs, and what each outcome leaves behind."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from robot.clock import FixedClock
from robot.queue import claims
from robot.queue.outcomes import commit
from robot.queue.schema import applications, events, manual_items, recommendations, verdicts
from robot.queue.states import State
from tests.builders import APPLICANT, application, register
from tests.queue_helpers import (
    DictSource,
    FailingSource,
    a_lost_lease_and_held_ones,
    count,
    many,
    put,
    run_until_idle,
    states,
    verdict_counts,
)

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    return FixedClock(T0)


def test_recommendation_and_manual_outcomes_leave_the_right_records(engine, settings, ruleset, clock):
    low_attendance = application(
        application_id="T-LOW",
        activities=[{"person": "applicant", "kind": "sfi", "month": "2026-11", "planned_hours": 120,
                     "attended_hours": 10, "exemption": None}],
    )  # fmt: skip
    put(engine, settings, clock, application(application_id="T-OK"), low_attendance)
    stats = run_until_idle(engine, settings, ruleset, DictSource(), clock)
    assert (stats.recommendations, stats.manual) == (1, 1)
    assert states(engine) == {"T-OK": State.DONE, "T-LOW": State.MANUAL}
    assert verdict_counts(engine) == {"T-OK": 1, "T-LOW": 1}
    with engine.connect() as conn:
        rec = conn.execute(select(recommendations)).one()
        assert (rec.amount, rec.status) == (11220, "pending")
        item = conn.execute(select(manual_items)).one()
        assert item.reason_codes == "AKTIVITET_NARVARO" and item.status == "open"
        assert item.proposal_amount == 11220
        assert item.deadline == dt.datetime(2026, 12, 19, 23, 0, tzinfo=dt.UTC)  # 20 Dec 00:00 in Stockholm
        kinds = [r.kind for r in conn.execute(select(events).order_by(events.c.id))]
        assert kinds.count("enqueued") == 2 and kinds.count("claimed") == 2 and kinds.count("processed") == 2
        actors = {r.actor for r in conn.execute(select(events).where(events.c.kind == "processed"))}
        assert actors == {"test-worker"}


def test_claims_follow_deadline_then_submission_time(engine, settings, clock):
    late_period = application(application_id="JAN", period="2027-01", submitted_at="2026-11-01T08:00:00+01:00")
    second = application(application_id="DEC-2", submitted_at="2026-11-25T08:00:00+01:00")
    first = application(application_id="DEC-1", submitted_at="2026-11-24T08:00:00+01:00")
    put(engine, settings, clock, late_period, second, first)
    got = claims.claim(engine, "w", 10, 30, clock)
    assert [c.application_id for c in got] == ["DEC-1", "DEC-2", "JAN"]


def test_a_claimed_application_is_not_claimed_again_and_an_expired_lease_comes_back(engine, settings, clock):
    put(engine, settings, clock, application())
    first = claims.claim(engine, "w1", 10, 30, clock)
    assert len(first) == 1 and first[0].attempt == 1
    assert claims.claim(engine, "w2", 10, 30, clock) == []
    clock.advance(seconds=31)
    assert claims.rescue_expired(engine, clock) == 1
    second = claims.claim(engine, "w2", 10, 30, clock)
    assert len(second) == 1 and second[0].token > first[0].token and second[0].attempt == 2
    with engine.connect() as conn:
        assert conn.execute(select(events.c.kind).where(events.c.kind == "lease_expired")).all()


def test_a_claim_appends_to_no_chain_and_its_event_comes_with_what_ends_it(engine, settings, ruleset, clock):
    """Claims never wait for a chain's head: the `claimed` event, with the claim's time and worker, is written
    with the result, the release, or the rescue of the expired lease."""
    put(engine, settings, clock, application(application_id="KILLED"), application(application_id="RELEASED"))

    def kinds() -> list[tuple[str, str, str]]:
        with engine.connect() as conn:
            rows = conn.execute(select(events).where(events.c.kind != "enqueued").order_by(events.c.id))
            return [(r.kind, r.actor, r.at.isoformat()) for r in rows]

    claimed_at = clock.now()
    killed, released = claims.claim(engine, "w1", 2, 30, clock)
    assert kinds() == [], "the claim itself wrote no event"
    clock.advance(seconds=10)
    assert claims.release(engine, "w1", [released.key], clock) == 1
    clock.advance(seconds=31)
    assert claims.rescue_expired(engine, clock) == 1
    at = claimed_at.isoformat()
    assert [(k, a) for k, a, _ in kinds()] == [("claimed", "w1"), ("released", "w1"), ("claimed", "w1"),
                                               ("lease_expired", "system")]  # fmt: skip
    assert [t for k, _, t in kinds() if k == "claimed"] == [at, at]
    run_until_idle(engine, settings, ruleset, DictSource(), clock)
    after = kinds()[4:]
    assert [k for k, _, _ in after] == ["claimed", "processed", "claimed", "processed"]
    assert killed.application_id == "KILLED" and states(engine) == {"KILLED": State.DONE, "RELEASED": State.DONE}


def test_a_commit_takes_the_chain_heads_last_and_a_claim_takes_none(engine, settings, ruleset, clock):
    """The heads are held until the commit: after the first is locked, only the chained rows, the items that
    name them and the heads are written; a claim never touches a head."""
    import re

    from sqlalchemy import event

    put(engine, settings, clock, *many(3))
    transactions: list[list[str]] = [[]]

    def statement(conn, cursor, sql, params, context, executemany):  # type: ignore[no-untyped-def]
        transactions[-1].append(" ".join(sql.split()))

    def ended(conn):  # type: ignore[no-untyped-def]
        transactions.append([])

    listeners = [("before_cursor_execute", statement), ("commit", ended), ("rollback", ended)]
    for name, fn in listeners:
        event.listen(engine, name, fn)
    try:
        run_until_idle(engine, settings, ruleset, DictSource(), clock)
    finally:
        for name, fn in listeners:
            event.remove(engine, name, fn)
    under_heads = re.compile(r"SELECT .* FROM ledger_heads|INSERT INTO (verdicts|recommendations|manual_items|events) "
                             r"|INSERT INTO (decisions|decision_deliveries) |UPDATE ledger_heads ")  # fmt: skip
    writes = [t for t in transactions if any(s.startswith("INSERT INTO verdicts") for s in t)]
    assert writes, "the results were written"
    for t in writes:
        first = next(i for i, s in enumerate(t) if "FROM ledger_heads" in s)
        assert all(under_heads.match(s) for s in t[first:]), t[first:]
    claims_ = [t for t in transactions if any("fencing_token=(applications.fencing_token" in s for s in t)]
    assert claims_ and not any("ledger_heads" in s for t in claims_ for s in t)


def test_a_worker_that_lost_its_lease_cannot_write(engine, settings, ruleset, clock):
    from robot.chain.engine import evaluate
    from robot.chain.inputs import Circumstances
    from robot.chain.stickprov import StickprovInput
    from robot.formats.application import parse_application
    from robot.formats.register import Register
    from robot.queue.outcomes import VerdictOutcome

    put(engine, settings, clock, application())
    stale = claims.claim(engine, "slow", 1, 5, clock)[0]
    clock.advance(seconds=6)
    claims.rescue_expired(engine, clock)
    fresh = claims.claim(engine, "fast", 1, 5, clock)[0]
    evaluation = evaluate(
        parse_application(stale.raw), Register.model_validate_json(json.dumps(register()), strict=True), ruleset,
        StickprovInput(rate_override=0.0), circumstances=Circumstances(as_of=clock.now().date()),
    )  # fmt: skip
    report = commit(engine, [VerdictOutcome(stale, evaluation, ruleset, 0.0, 1)], "slow", clock)
    assert report.stale and not report.written
    assert count(engine, verdicts) == 0 and states(engine)["TEST-2026-12-000001"] == State.IN_PROGRESS
    report = commit(engine, [VerdictOutcome(fresh, evaluation, ruleset, 0.0, 1)], "fast", clock)
    assert report.written and count(engine, verdicts) == 1


def test_on_postgres_a_claim_takes_no_more_than_it_asks_for(postgres_url, settings, clock):
    """Over a table without statistics PostgreSQL planned the claim's subquery to be rescanned for each row, and
    each rescan skipped the rows already claimed and locked the next: a claim of 1 took the whole queue."""
    from robot.queue.db import make_engine

    eng = make_engine(postgres_url)
    put(eng, settings, clock, *many(4))
    assert [len(claims.claim(eng, "w", n, 5, clock)) for n in (1, 2, 2)] == [1, 2, 1]
    eng.dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_batch_writes_the_results_still_under_their_lease_and_nothing_of_the_others(
    database, engine, settings, ruleset, clock, request
):
    """On PostgreSQL one statement changes the states and says which leases held (`outcomes._change_all`)."""
    from robot.queue.db import make_engine
    from robot.queue.outcomes import FailureOutcome, RetryOutcome

    eng = make_engine(request.getfixturevalue("postgres_url")) if database == "postgresql" else engine
    put(eng, settings, clock, *many(4))
    lost, held = a_lost_lease_and_held_ones(eng, clock, 3)
    later = clock.now() + dt.timedelta(minutes=5)
    batch = [RetryOutcome(lost, later, "SSBTEK svarar inte", False, 1), RetryOutcome(held[0], later, "HTTP 503", True, 1),
             RetryOutcome(held[1], later, "SSBTEK svarar inte", False, 1), FailureOutcome(held[2], "krasch", 3, 1)]  # fmt: skip
    report = commit(eng, batch, "slow", clock)
    assert [o.claimed.pk for o in report.written] == [c.pk for c in held] and report.stale == batch[:1]
    with eng.connect() as conn:
        rows = conn.execute(select(applications).order_by(applications.c.id)).all()
    assert count(eng, manual_items) == 1 and count(eng, events, events.c.kind == "processed") == 3
    first = rows[0]
    assert (first.state, first.lease_owner, first.fencing_token) == (State.IN_PROGRESS, "fast", lost.token + 1)
    assert [(r.state, r.attempts, r.waits, r.last_error, r.lease_owner) for r in rows[1:]] == [
        (State.RETRY_WAIT, 1, 0, "HTTP 503", None), (State.RETRY_WAIT, 0, 1, "SSBTEK svarar inte", None),
        (State.MANUAL, 1, 0, "krasch", None),
    ]  # fmt: skip
    assert [r.next_attempt_at for r in rows[1:]] == [later, later, None]
    if eng is not engine:
        eng.dispose()


def test_ssbtek_unavailable_waits_then_goes_manual_after_the_cutoff(engine, settings, ruleset, clock):
    put(engine, settings, clock, application())
    source = FailingSource(failures=100)
    stats = run_until_idle(engine, settings, ruleset, source, clock)
    assert stats.retry_wait == 1 and states(engine)["TEST-2026-12-000001"] == State.RETRY_WAIT
    assert count(engine, verdicts) == 0
    with engine.connect() as conn:
        row = conn.execute(select(applications)).one()
    assert row.attempts == 0 and row.waits == 1, "waiting for SSBTEK does not use up technical attempts"
    assert "SSBTEK unavailable" in row.last_error
    # Still down a few days later, but before the cut-off: waits again.
    clock.at = row.next_attempt_at + dt.timedelta(seconds=1)
    run_until_idle(engine, settings, ruleset, source, clock)
    assert states(engine)["TEST-2026-12-000001"] == State.RETRY_WAIT
    # At the cut-off (17 Dec, 8 days before payment day) it goes to manual handling with the reason.
    clock.at = dt.datetime(2026, 12, 17, 0, 0, tzinfo=dt.UTC)
    run_until_idle(engine, settings, ruleset, source, clock)
    assert states(engine)["TEST-2026-12-000001"] == State.MANUAL
    with engine.connect() as conn:
        item = conn.execute(select(manual_items)).one()
        verdict = json.loads(conn.execute(select(verdicts.c.verdict_json)).scalar_one())
    assert "SSBTEK_EJ_TILLGANGLIG" in item.reason_codes
    assert verdict["outcome"] == "manual" and verdict["amount"] is None


def test_an_authority_error_waits_like_an_outage_and_recovers(engine, settings, ruleset, clock):
    put(engine, settings, clock, application())
    down = DictSource(register(**{APPLICANT: {"unavailable": ["FK"]}}))
    run_until_idle(engine, settings, ruleset, down, clock)
    assert states(engine)["TEST-2026-12-000001"] == State.RETRY_WAIT
    clock.advance(hours=3)
    run_until_idle(engine, settings, ruleset, DictSource(), clock)
    assert states(engine)["TEST-2026-12-000001"] == State.DONE


def test_technical_errors_retry_then_become_a_manual_item(engine, settings, ruleset, clock):
    put(engine, settings, clock, application())
    source = FailingSource(failures=100, error=RuntimeError("boom 199001012385"))
    for _ in range(settings.queue.max_attempts):
        run_until_idle(engine, settings, ruleset, source, clock)
        clock.advance(hours=2)
    assert states(engine)["TEST-2026-12-000001"] == State.MANUAL
    with engine.connect() as conn:
        item = conn.execute(select(manual_items)).one()
        errors = [r.details for r in conn.execute(select(events).where(events.c.kind == "processed"))]
    assert item.reason_codes == "TEKNISKT_FEL" and item.verdict_pk is None
    assert "försök 3 av 3" in json.loads(item.reasons_json)[0]["text"]
    assert count(engine, verdicts) == 0
    assert all("199001012385" not in (e or "") for e in errors), "exception messages may hold personal data"


def test_a_technical_error_recovers_when_the_fault_clears(engine, settings, ruleset, clock):
    put(engine, settings, clock, application())
    source = FailingSource(failures=1, error=ConnectionError("reset by peer"))
    run_until_idle(engine, settings, ruleset, source, clock)
    assert states(engine)["TEST-2026-12-000001"] == State.RETRY_WAIT
    clock.advance(hours=2)
    run_until_idle(engine, settings, ruleset, source, clock)
    assert states(engine)["TEST-2026-12-000001"] == State.DONE


def test_an_application_that_keeps_crashing_workers_goes_to_manual(engine, settings, ruleset, clock):
    put(engine, settings, clock, application())
    for _ in range(settings.queue.max_attempts):
        claims.claim(engine, "doomed", 1, 5, clock)
        clock.advance(seconds=6)
        claims.rescue_expired(engine, clock)
    run_until_idle(engine, settings, ruleset, DictSource(), clock)
    assert states(engine)["TEST-2026-12-000001"] == State.MANUAL
    with engine.connect() as conn:
        assert conn.execute(select(manual_items.c.reason_codes)).scalar_one() == "TEKNISKT_FEL"


def test_business_outcomes_are_never_retried(engine, settings, ruleset, clock):
    put(engine, settings, clock, application(kind="nyansokan"))
    source = DictSource()
    run_until_idle(engine, settings, ruleset, source, clock)
    clock.advance(days=3)
    run_until_idle(engine, settings, ruleset, source, clock)
    assert source.calls == 1 and states(engine)["TEST-2026-12-000001"] == State.MANUAL


def test_applications_wait_for_their_batch_when_held(engine, settings, ruleset):
    settings.queue.hold_until_batch = True
    clock = FixedClock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC))
    put(engine, settings, clock, application())
    assert run_until_idle(engine, settings, ruleset, DictSource(), clock).processed == 0
    clock.at = dt.datetime(2026, 12, 1, 5, 1, tzinfo=dt.UTC)  # 06:01 in Stockholm, after the first batch slot
    assert run_until_idle(engine, settings, ruleset, DictSource(), clock).processed == 1


def test_what_a_run_starts_with_is_what_the_status_calls_due_now(engine, settings, ruleset):
    from robot.queue.status import due_now, queue_status

    clock = FixedClock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC))
    settings.queue.hold_until_batch = True
    put(engine, settings, clock, *many(2, prefix="H"))  # held for the batch
    settings.queue.hold_until_batch = False
    put(engine, settings, clock, *many(3, prefix="D"))
    assert due_now(engine, clock) == queue_status(engine, clock)["due_now"] == 3
    clock.at = dt.datetime(2026, 12, 1, 5, 1, tzinfo=dt.UTC)
    assert due_now(engine, clock) == queue_status(engine, clock)["due_now"] == 5
    run_until_idle(engine, settings, ruleset, DictSource(), clock)
    assert due_now(engine, clock) == queue_status(engine, clock)["due_now"] == 0


def test_many_applications_each_get_exactly_one_verdict(engine, settings, ruleset, clock):
    put(engine, settings, clock, *many(300))
    stats = run_until_idle(engine, settings, ruleset, DictSource(), clock)
    assert stats.processed == 300
    assert set(verdict_counts(engine).values()) == {1}
    assert set(states(engine).values()) == {State.DONE}


def test_verdicts_and_events_are_append_only(engine, settings, ruleset, clock):
    put(engine, settings, clock, application())
    run_until_idle(engine, settings, ruleset, DictSource(), clock)
    for statement in (update(verdicts).values(amount=1), verdicts.delete(), update(events).values(actor="x"), events.delete()):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(statement)


def test_verdicts_and_events_are_append_only_on_postgres(postgres_url, settings, ruleset, clock):
    from robot.queue.db import make_engine

    eng = make_engine(postgres_url)
    put(eng, settings, clock, application())
    run_until_idle(eng, settings, ruleset, DictSource(), clock)
    for table in ("verdicts", "events"):
        for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with pytest.raises(DBAPIError, match="append-only"), eng.begin() as conn:
                conn.execute(text(sql))
    eng.dispose()


def test_on_postgres_verdicts_are_stored_compressed_with_lz4(postgres_url, settings, ruleset, clock):
    """pglz cost the server about 0.33 ms per verdict of 17 KB, lz4 0.07 ms (migration 0007)."""
    from robot.queue.db import make_engine

    eng = make_engine(postgres_url)
    put(eng, settings, clock, application())
    run_until_idle(eng, settings, ruleset, DictSource(), clock)
    with eng.connect() as conn:
        if "lz4" not in conn.execute(text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")).scalar():
            pytest.skip("this PostgreSQL server was built without lz4")
        stored = conn.execute(text("SELECT length(verdict_json), pg_column_compression(verdict_json) FROM verdicts")).one()
    eng.dispose()
    assert stored[0] > 2000, "a verdict large enough to be compressed"
    assert stored[1] == "lz4"


def test_each_claim_and_sweep_uses_its_own_values_though_their_statements_are_built_once(engine, settings, clock):
    """The claim's and the sweep's statements are built once with parameters: each call still brings its
    own time, count, worker and lease."""
    put(engine, settings, clock, *(application(application_id=f"C-{i}") for i in range(4)))
    first = claims.claim(engine, "w1", 1, 30, clock)
    clock.advance(seconds=5)
    second = claims.claim(engine, "w2", 2, 60, clock)
    assert (len(first), len(second)) == (1, 2)
    with engine.connect() as conn:
        leases = {r.application_id: (r.lease_owner, r.lease_expires_at, r.updated_at) for r in conn.execute(
            select(applications).where(applications.c.state == State.IN_PROGRESS.value))}  # fmt: skip
    assert leases[first[0].application_id] == ("w1", T0 + dt.timedelta(seconds=30), T0)
    later = T0 + dt.timedelta(seconds=5)
    for c in second:
        assert leases[c.application_id] == ("w2", later + dt.timedelta(seconds=60), later)
    assert claims.anything_due(engine, clock)
    clock.advance(seconds=30)  # w1's lease (until T0 + 30 s) has expired, w2's (until T0 + 65 s) has not
    assert claims.rescue_expired(engine, clock) == 1
    with engine.connect() as conn:
        row = conn.execute(select(applications).where(applications.c.application_id == first[0].application_id)).one()
    assert (row.state, row.lease_owner, row.updated_at) == (State.NEW.value, None, clock.now())
    assert claims.promote_due_retries(engine, clock) == 0


def test_a_renewal_extends_the_leases_still_held_and_no_other(engine, settings, clock):
    put(engine, settings, clock, application(application_id="A"), application(application_id="B"))
    a, b = claims.claim(engine, "w", 2, 30, clock)
    clock.advance(seconds=10)
    stale = (b.pk, b.token - 1)
    assert claims.renew(engine, "w", [a.key, stale], 30, clock) == 1
    clock.advance(seconds=5)
    assert claims.renew(engine, "w", [a.key, b.key], 45, clock) == 2
    assert claims.renew(engine, "w", [], 45, clock) == 0
    with engine.connect() as conn:
        until = dict(conn.execute(select(applications.c.application_id, applications.c.lease_expires_at)).all())
    assert until == {"A": clock.now() + dt.timedelta(seconds=45), "B": clock.now() + dt.timedelta(seconds=45)}


def test_an_error_is_described_with_its_message_only_where_that_cannot_hold_personal_data():
    import httpx

    from robot.worker.processing import describe

    assert describe(httpx.ConnectTimeout("connect timed out")) == "ConnectTimeout: connect timed out"
    assert describe(OSError("no space left for 199001011234")) == "OSError: no space left for [personnummer]"
    assert describe(KeyError("199001011234")) == "KeyError"


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_anything_due_says_what_a_count_of_the_due_and_in_progress_said(database, engine, settings, clock, request):
    """`claims.anything_due` asks one EXISTS per state (read from that state's index, stopped at the first row)
    where it counted the rows; every state, due or not yet, alone and together."""
    from sqlalchemy import func, or_

    from robot.queue.db import make_engine

    eng = make_engine(request.getfixturevalue("postgres_url")) if database == "postgresql" else engine
    now, soon = clock.now(), clock.now() + dt.timedelta(minutes=1)
    a = applications.c
    counted = select(func.count()).where(or_(
        (a.state == State.NEW.value) & (a.available_at <= now),
        (a.state == State.RETRY_WAIT.value) & (a.next_attempt_at <= now), a.state == State.IN_PROGRESS.value,
    ))  # fmt: skip
    put(eng, settings, clock, *many(2))
    cases = [(State.DONE, now, None), (State.NEW, soon, None), (State.RETRY_WAIT, now, soon), (State.MANUAL, now, None),
             (State.NEW, now, None), (State.RETRY_WAIT, now, now), (State.IN_PROGRESS, soon, None)]  # fmt: skip
    answers = []
    for first, second in [(c, (State.DONE, now, None)) for c in cases] + list(itertools.pairwise(cases)):
        for pk, (state, available_at, next_attempt_at) in zip((1, 2), (first, second), strict=True):
            with eng.begin() as conn:
                conn.execute(update(applications).where(a.id == pk).values(state=state, available_at=available_at,
                                                                           next_attempt_at=next_attempt_at))  # fmt: skip
        with eng.connect() as conn:
            due = bool(conn.execute(counted).scalar())
        assert claims.anything_due(eng, clock) == due, (first, second)
        answers.append(due)
    assert True in answers and False in answers
    if eng is not engine:
        eng.dispose()
