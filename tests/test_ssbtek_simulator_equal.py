"""Issue 23 made the SSBTEK simulator cheaper per call: every answer must be byte for byte what it was before
(tests/ssbtek_simulator_oracle.py), with the same counters, for questions about generated applications (v11 and
v10, every authority or a few, some persons unavailable at an authority or with a business, persons absent
from the file, per-authority errors injected at a fixed seed), for refused questions, and for questions with
any texts, periods and parts (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek.request import Question, fetch_envelope, ping_envelope, question_for
from robot.adapters.ssbtek.simulator import FaultInjection, SimulatorApp
from robot.adapters.ssbtek.skv_parts import PARTS
from robot.adapters.ssbtek.soap import V10, V11, Contract
from robot.config import Settings
from robot.formats.application import parse_application
from robot.formats.register import Authority, Register
from tests.generated_registers import varied
from tests.ssbtek_simulator_oracle import OldSimulator

SETTINGS = Settings(ssbtek={"url": "http://127.0.0.1:9/"})
ABSENT = "191212121212"


@functools.cache
def generated(seed: int) -> tuple[Register, tuple[Question, ...]]:
    """A register (some persons unavailable at an authority, some with a business) and questions about every adult
    of 40 generated applications and one person absent from it, every authority asked by half of them."""
    applications, register = varied(seed)
    questions = []
    for n, g in enumerate(applications):
        app = parse_application(g.raw()).application
        assert app is not None
        adults = [adult.personnummer for _, adult in app.adults()] + ([ABSENT] if n == 0 else [])
        asked = frozenset(Authority) if n % 2 else frozenset({Authority.AF, Authority.SO})
        request = RegisterRequest(g.application_id, app.period, tuple(adults), asked)
        for pnr in adults:
            question = question_for(SETTINGS, request, pnr, korrelationsid=f"k-{n}")
            if n % 5 == 0:
                question = dataclasses.replace(question, include_question_in_answer=True, skv_parts=frozenset(PARTS))
            questions.append(question)
    return register, tuple(questions)


def assert_same(register: Register, faults: FaultInjection, contract: Contract, bodies: list[bytes]) -> None:
    new, old = SimulatorApp(register, faults, contract), OldSimulator(register, faults, contract)
    for body in bodies:
        assert new.answer(body) == old.answer(body)
    assert new.stats == old.stats


CASES = [(seed, contract, rate) for seed in (1, 2) for contract in (V11, V10) for rate in (0.0, 0.3)]


@pytest.mark.parametrize(("seed", "contract", "error_rate"), CASES, ids=[f"{s}-{c.version}-{r}" for s, c, r in CASES])
def test_answers_to_generated_applications_are_as_before(seed: int, contract: Contract, error_rate: float) -> None:
    register, questions = generated(seed)
    bodies = [fetch_envelope(q, contract) for q in questions]
    assert_same(register, FaultInjection(authority_error_rate=error_rate, seed=seed), contract, bodies)
    if error_rate == 0:  # the file's unavailable authorities were asked about
        simulator = SimulatorApp(register, FaultInjection(), contract)
        for body in bodies:
            simulator.answer(body)
        assert simulator.stats.authority_errors > 0


@pytest.mark.parametrize("contract", [V11, V10], ids=["v11", "v10"])
def test_refusals_and_the_ping_are_as_before(contract: Contract) -> None:
    register, questions = generated(1)
    other = V10 if contract is V11 else V11
    valid = fetch_envelope(questions[0], contract)
    bodies = [
        b"not xml",
        b"<a/>",
        b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>',
        fetch_envelope(questions[0], other),
        valid.replace(b"hamtaBastjanstInformation>", b"hamtaNagonting>"),
        valid.replace(b"<ssbt:personidentitet>", b"<ssbt:personidentitet>x"),
        valid.replace(b"2026-10-01", b"2026-02-30"),
        ping_envelope(contract),
        ping_envelope(other),
        valid,
    ]
    assert_same(register, FaultInjection(authority_error_rate=0.5, seed=7), contract, bodies)


TEXT = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20),
)
DATES = st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    contract=st.sampled_from([V11, V10]),
    include=st.frozensets(st.sampled_from(list(Authority))),
    parts=st.frozensets(st.sampled_from(PARTS)),
    texts=st.tuples(TEXT, TEXT, TEXT, TEXT, TEXT, st.none() | TEXT),
    dates=st.tuples(DATES, DATES),
    echo=st.booleans(),
)
def test_any_question_is_answered_as_before(
    data: st.DataObject,
    contract: Contract,
    include: frozenset[Authority],
    parts: frozenset[str],
    texts: tuple[str, str, str, str, str, str | None],
    dates: tuple[dt.date, dt.date],
    echo: bool,
) -> None:
    register, questions = generated(1)
    base = data.draw(st.sampled_from(questions))
    namn, handlaggare, syfte, lagtext, arende, korrelationsid = texts
    periods = {
        a: tuple(sorted(data.draw(st.tuples(DATES, DATES))))
        for a in data.draw(st.frozensets(st.sampled_from([Authority.AF, Authority.CSN, Authority.SO])))
    }
    question = dataclasses.replace(
        base, include=include, skv_parts=parts, namn=namn, handlaggare=handlaggare, syfte=syfte, lagtext=lagtext,
        arendeidentitet=arende, korrelationsid=korrelationsid, from_date=min(dates), to_date=max(dates),
        include_question_in_answer=echo, periods=periods,
    )  # fmt: skip
    assert_same(
        register, FaultInjection(authority_error_rate=0.2, seed=3), contract, [fetch_envelope(question, contract)]
    )
