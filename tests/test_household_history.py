"""A child's own work income: the robot finds what the child earned earlier this year in its own
earlier verdicts for the household, and exempts up to one prisbasbelopp (12 kap. 9 § SoL 2025:400)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from sqlalchemy import select

from robot.clock import FixedClock
from robot.queue.schema import application_persons, applications, verdicts
from tests.builders import APPLICANT, application, register
from tests.queue_helpers import DictSource, put, run_until_idle

CHILD = {"birth_date": "2010-05-01", "lunch_away_5_days": False}
PRISBASBELOPP_2026 = 59_200


def month_application(period: str, earned: int | None) -> dict:
    control = f"{period[:4]}-{int(period[5:]) - 1:02d}"
    doc = application(application_id=f"BARN-{period}", period=period)
    doc["household"] = {**doc["household"], "children": [CHILD]}
    doc["activities"][0]["month"] = control
    doc["incomes"] = [{"person": "applicant", "type": "barnbidrag", "month": control, "amount": 1250}]
    if earned is not None:
        doc["incomes"].append({"person": "child:0", "type": "lon", "month": control, "amount": earned})
    doc["submitted_at"] = f"{period}-01T09:00:00+01:00"
    return doc


def household_register(months: list[str]) -> dict:
    reg = register()
    reg["persons"][APPLICANT]["incomes"] = [
        {"source": "FK", "type": "barnbidrag", "month": m, "amount": 1250} for m in months
    ]
    return reg


def verdict_of(engine, application_id: str) -> dict:
    with engine.connect() as conn:
        text = conn.execute(
            select(verdicts.c.verdict_json)
            .join(applications, applications.c.id == verdicts.c.application_pk)
            .where(applications.c.application_id == application_id)
        ).scalar_one()
    return json.loads(text)


def child_facts(verdict: dict) -> list[dict]:
    return [f for s in verdict["steps"] for f in s["facts"].get("children_work_income") or []]


def test_without_the_households_earlier_months_a_childs_income_goes_to_a_handlaggare(engine, settings, ruleset):
    clock = FixedClock(dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC))
    settings.stickprov.rate = 0.0
    put(engine, settings, clock, month_application("2026-03", 2500))
    run_until_idle(engine, settings, ruleset, DictSource(household_register(["2026-02"])), clock)
    verdict = verdict_of(engine, "BARN-2026-03")
    assert verdict["outcome"] == "manual" and "BARNINKOMST_OKAND" in [r["code"] for r in verdict["reasons"]]


def test_the_robots_own_earlier_verdicts_give_the_year_so_far_and_the_income_is_exempt(engine, settings, ruleset):
    """January (control month, nothing earlier to know), then February with 2 500 kr: both found, exempt."""
    settings.stickprov.rate = 0.0
    source = DictSource(household_register(["2026-01", "2026-02"]))
    clock = FixedClock(dt.datetime(2026, 2, 13, 8, 0, tzinfo=dt.UTC))
    put(engine, settings, clock, month_application("2026-02", 3000))  # control month January: the year starts
    run_until_idle(engine, settings, ruleset, source, clock)
    january = verdict_of(engine, "BARN-2026-02")
    assert child_facts(january)[0] | {"so_far": 0} == child_facts(january)[0] and child_facts(january)[0]["exempt"] == 3000
    clock.at = dt.datetime(2026, 3, 13, 8, 0, tzinfo=dt.UTC)
    put(engine, settings, clock, month_application("2026-03", 2500))
    run_until_idle(engine, settings, ruleset, source, clock)
    february = verdict_of(engine, "BARN-2026-03")
    fact = child_facts(february)[0]
    assert (fact["so_far"], fact["exempt"], fact["counted"]) == (3000, 2500, 0)
    assert february["outcome"] == "recommendation"
    assert january["amount"] == february["amount"], "the exempt income is not deducted in either month"
    with engine.connect() as conn:
        keys = conn.execute(select(application_persons.c.person_key)).scalars().all()
    assert len(keys) == 2 and APPLICANT not in "".join(keys), "the adults are remembered as digests only"


def test_income_above_the_prisbasbelopp_for_the_year_is_counted(engine, settings, ruleset):
    settings.stickprov.rate = 0.0
    source = DictSource(household_register(["2026-01", "2026-02"]))
    clock = FixedClock(dt.datetime(2026, 2, 13, 8, 0, tzinfo=dt.UTC))
    put(engine, settings, clock, month_application("2026-02", PRISBASBELOPP_2026 - 1000))
    run_until_idle(engine, settings, ruleset, source, clock)
    clock.at = dt.datetime(2026, 3, 13, 8, 0, tzinfo=dt.UTC)
    put(engine, settings, clock, month_application("2026-03", 2500))
    run_until_idle(engine, settings, ruleset, source, clock)
    fact = child_facts(verdict_of(engine, "BARN-2026-03"))[0]
    assert (fact["exempt"], fact["counted"]) == (1000, 1500)


def test_a_database_outage_during_the_household_lookup_is_waited_out_not_a_retry(engine, settings, ruleset):
    """The lookup once turned a database outage into a retry with back-off: the application was left in
    RETRY_WAIT past the end of a batch (bench/db_outage.py found one without a verdict). It waits instead."""
    from sqlalchemy.exc import OperationalError

    from robot.chain.stickprov import StickprovInput
    from robot.queue.claims import claim
    from robot.queue.outcomes import VerdictOutcome
    from robot.worker.processing import Processor, household_from_verdicts
    from robot.worker.retry import RetryPolicy

    clock = FixedClock(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC))
    put(engine, settings, clock, month_application("2026-12", 5000))
    real = household_from_verdicts(engine)
    failures = []

    def flaky(app):  # type: ignore[no-untyped-def]
        if len(failures) < 2:
            failures.append(1)
            raise OperationalError("SELECT …", {}, ConnectionRefusedError("the database is down"))
        return real(app)

    source = DictSource(household_register(["2026-11"]))
    processor = Processor(RetryPolicy.from_settings(settings.queue), ruleset, source,
                          StickprovInput(key=b"test-key"), clock, flaky)  # fmt: skip
    [claimed] = claim(engine, "test-worker", 1, 60, clock)
    outcome = asyncio.run(processor.process(claimed))
    assert len(failures) == 2 and isinstance(outcome, VerdictOutcome), outcome
