"""The queue's state machine: the transition table decides every state change the queue writes."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from robot.accounts import Actor, Role
from robot.casework import reject_recommendation
from robot.clock import FixedClock
from robot.queue import claims, states
from robot.queue.outcomes import FailureOutcome, commit
from robot.queue.schema import events, verdicts
from robot.queue.states import TRANSITIONS, IllegalTransition, State, allowed, require
from robot.queue.transition import change
from tests.builders import APPLICANT, application, register
from tests.queue_helpers import DictSource, FailingSource, count, put, run_until_idle
from tests.queue_helpers import states as stored_states

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def test_the_table_allows_only_the_documented_transitions():
    assert allowed(State.NEW, State.IN_PROGRESS)
    assert {s for s in State if allowed(State.IN_PROGRESS, s)} == {State.DONE, State.MANUAL, State.RETRY_WAIT, State.NEW}
    assert allowed(State.RETRY_WAIT, State.NEW) and not allowed(State.RETRY_WAIT, State.IN_PROGRESS)
    assert not any(allowed(State.MANUAL, s) for s in State)
    assert not allowed(State.DONE, State.NEW) and not allowed(State.NEW, State.DONE)
    assert set(TRANSITIONS) == set(State)


@pytest.mark.parametrize(("source", "target"), list(itertools.product(State, State)))
def test_every_change_outside_the_table_is_refused(source, target):
    if allowed(source, target):
        assert require(source, target) is target
        assert change(source, target)[1] == {"state": target.value}
    else:
        with pytest.raises(IllegalTransition, match=f"{source.value} → {target.value}"):
            change(source, target)


def test_a_result_the_table_does_not_allow_is_refused_and_nothing_is_written(engine, settings, monkeypatch):
    clock = FixedClock(T0)
    put(engine, settings, clock, application())
    held = claims.claim(engine, "w", 1, 30, clock)[0]
    monkeypatch.setitem(states.TRANSITIONS, State.IN_PROGRESS, frozenset({State.DONE, State.RETRY_WAIT, State.NEW}))
    with pytest.raises(IllegalTransition, match="IN_PROGRESS → MANUAL"):
        commit(engine, [FailureOutcome(held, "boom", 3, 1)], "w", clock)
    assert stored_states(engine) == {"TEST-2026-12-000001": State.IN_PROGRESS}
    with engine.connect() as conn:
        assert conn.execute(select(events.c.kind).where(events.c.kind == "processed")).all() == []


def test_a_claim_the_table_does_not_allow_is_refused(engine, settings, monkeypatch):
    clock = FixedClock(T0)
    put(engine, settings, clock, application())
    monkeypatch.setitem(states.TRANSITIONS, State.NEW, frozenset())
    with pytest.raises(IllegalTransition, match="NEW → IN_PROGRESS"):
        claims.claim(engine, "w", 1, 30, clock)
    assert stored_states(engine) == {"TEST-2026-12-000001": State.NEW}


def test_every_state_change_in_the_event_log_is_one_the_table_allows(engine, settings, ruleset):
    """Recommendation, manual, a wait for SSBTEK, a technical retry, a lost lease, a rejected recommendation."""
    clock = FixedClock(T0)
    put(engine, settings, clock,
        application(application_id="OK"), application(application_id="NY", kind="nyansokan"))  # fmt: skip
    run_until_idle(engine, settings, ruleset, DictSource(), clock)
    put(engine, settings, clock, application(application_id="WAIT"))
    run_until_idle(engine, settings, ruleset, DictSource(register(**{APPLICANT: {"unavailable": ["FK"]}})), clock)
    put(engine, settings, clock, application(application_id="ERR"))
    run_until_idle(engine, settings, ruleset, FailingSource(1, ConnectionError("reset")), clock)
    put(engine, settings, clock, application(application_id="LOST"))
    claims.claim(engine, "killed", 1, 5, clock)
    clock.advance(hours=3)
    run_until_idle(engine, settings, ruleset, DictSource(), clock)
    anna = Actor("anna.h", frozenset({Role.HANDLAGGARE}))
    reject_recommendation(engine, "OK", anna, note="Hyran har ändrats", settings=settings, clock=clock)
    assert stored_states(engine) == {"OK": "MANUAL", "NY": "MANUAL", "WAIT": "DONE", "ERR": "DONE", "LOST": "DONE"}
    with engine.connect() as conn:
        changes = {
            (r.from_state, r.to_state)
            for r in conn.execute(select(events.c.from_state, events.c.to_state).where(events.c.to_state.is_not(None)))
        }
    assert (None, "NEW") in changes, "an application enters the queue as NEW"
    moves = {(State(a), State(b)) for a, b in changes if a is not None}
    assert moves == {
        (State.NEW, State.IN_PROGRESS),
        (State.IN_PROGRESS, State.DONE),
        (State.IN_PROGRESS, State.MANUAL),
        (State.IN_PROGRESS, State.RETRY_WAIT),
        (State.IN_PROGRESS, State.NEW),
        (State.RETRY_WAIT, State.NEW),
        (State.DONE, State.MANUAL),
    }, "the scenario makes every change the table allows"
    assert all(allowed(a, b) for a, b in moves)
    assert count(engine, verdicts) == 5
