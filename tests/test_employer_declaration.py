"""A salary the employer has not declared yet: the worker waits until the declaration day, never past
the cut-off, and after the cut-off sends the application to a handläggare with that reason."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from robot.clock import FixedClock
from robot.queue.schema import applications, manual_items, verdicts
from robot.queue.states import State
from tests.builders import APPLICANT, application, register
from tests.queue_helpers import DictSource, count, put, run_until_idle, states

SALARY_DECLARED = [{"person": "applicant", "type": "lon", "month": "2026-11", "amount": 4650}]
NOVEMBER_PAY = {"source": "SKV", "type": "lon", "month": "2026-11", "amount": 6200, "tax_withheld": 1550}
STOCKHOLM_MIDNIGHT_12_DEC = dt.datetime(2026, 12, 11, 23, 0, tzinfo=dt.UTC)
"""The small employers' day (SFL 26 kap. 26 §); the robot waits for the large employers' (26 kap. 30 §)."""
STOCKHOLM_MIDNIGHT_28_DEC = dt.datetime(2026, 12, 27, 23, 0, tzinfo=dt.UTC)
"""27 December (26 kap. 30 §), 2026 a Sunday: every employer has declared November's pay by the 28th."""


def test_a_salary_not_yet_declared_waits_until_the_declaration_day_or_cutoff_then_is_used(engine, settings, ruleset):
    clock = FixedClock(dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC))
    put(engine, settings, clock, application(incomes=SALARY_DECLARED))
    source = DictSource(register())
    run_until_idle(engine, settings, ruleset, source, clock)
    assert states(engine)["TEST-2026-12-000001"] == State.RETRY_WAIT
    assert count(engine, verdicts) == 0, "not yet known is not an assessment"
    with engine.connect() as conn:
        row = conn.execute(select(applications)).one()
    # Past the small employers' 12th: the cut-off (17 December) comes before the large employers' day.
    assert STOCKHOLM_MIDNIGHT_12_DEC < row.next_attempt_at == row.cutoff < STOCKHOLM_MIDNIGHT_28_DEC
    assert row.attempts == 0 and "not yet declared by the employer (until 2026-12-28)" in row.last_error
    # By then the employer has declared November's pay: the net pay is used.
    clock.at = row.cutoff
    declared = DictSource(register(**{APPLICANT: {"incomes": [NOVEMBER_PAY]}}))
    run_until_idle(engine, settings, ruleset, declared, clock)
    with engine.connect() as conn:
        verdict = json.loads(conn.execute(select(verdicts.c.verdict_json)).scalar_one())
    assert verdict["outcome"] == "recommendation" and verdict["amount"] == 11220 - 4650


def test_never_waits_past_the_cutoff_and_then_goes_manual_with_the_reason(engine, settings, ruleset):
    settings.payment.day = 18  # cut-off 10 December, before the declaration day
    clock = FixedClock(dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC))
    put(engine, settings, clock, application(incomes=SALARY_DECLARED))
    run_until_idle(engine, settings, ruleset, DictSource(register()), clock)
    with engine.connect() as conn:
        row = conn.execute(select(applications)).one()
    assert row.state == State.RETRY_WAIT and row.next_attempt_at == row.cutoff < STOCKHOLM_MIDNIGHT_28_DEC
    clock.at = row.cutoff
    run_until_idle(engine, settings, ruleset, DictSource(register()), clock)
    assert states(engine)["TEST-2026-12-000001"] == State.MANUAL
    with engine.connect() as conn:
        item = conn.execute(select(manual_items)).one()
        verdict = json.loads(conn.execute(select(verdicts.c.verdict_json)).scalar_one())
    assert item.reason_codes == "ARBETSGIVARDEKLARATION_VANTAS"
    assert verdict["outcome"] == "manual" and verdict["amount"] is None


def test_the_as_of_date_is_recorded_and_a_replay_uses_it(engine, settings, ruleset):
    from robot.queue.records import stored_verdict
    from robot.whatif.replay import replay

    clock = FixedClock(dt.datetime(2026, 12, 29, 8, 0, tzinfo=dt.UTC))
    put(engine, settings, clock, application(incomes=SALARY_DECLARED))
    run_until_idle(engine, settings, ruleset, DictSource(register()), clock)
    with engine.connect() as conn:
        row = conn.execute(select(applications)).one()
    stored = stored_verdict(engine, row.id)
    assert stored.inputs["as_of"] == "2026-12-29" and stored.inputs["program"]
    assert stored.verdict.reason_codes() == ["INKOMSTTYP_MOTSAGS"]  # after the day: no salary declared
    result = replay(row.raw, stored)
    assert result.identical and not result.other_program
