"""The employer declarations (AGI): the assumed wire form, the client with its retries, the simulator."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from robot.adapters.agi import wire
from robot.adapters.agi.client import AgiSource, PayRecords, agi_endpoint
from robot.adapters.agi.simulator import AgiSimulatorApp
from robot.adapters.decoding import PayloadError
from robot.adapters.register_source import RegisterRequest, RegisterUnavailable
from robot.config import Settings
from robot.formats.application import IncomeType
from robot.formats.register import Register, RegisterIncome
from tests.http_fake import MockExchange
from tests.sources_fixture import ABSENT, AF_ERROR, SKV_SO_DOWN, WORKER, register

PNR = "199001011234"
months = st.sampled_from(["2026-09", "2026-10", "2026-11"])
amounts = st.integers(0, 10_000_000)
pay = st.builds(
    RegisterIncome,
    source=st.just("SKV"),
    type=st.just(IncomeType.lon),
    month=months,
    amount=amounts,
    tax_withheld=st.none() | amounts,
)


@settings(max_examples=100, deadline=None)
@given(incomes=st.lists(pay, max_size=6))
def test_pay_with_or_without_tax_withheld_round_trips_through_the_wire_form(incomes):
    assert wire.decode_answer(wire.encode_answer(PNR, incomes), PNR) == incomes


def test_the_question_names_the_person_and_the_redovisningsperioder():
    question = wire.PayQuestion(PNR, "2026-10", "2026-11")
    assert json.loads(wire.encode_question(question)) == {
        "personnummer": PNR,
        "redovisningsperiodFrom": "202610",
        "redovisningsperiodTom": "202611",
    }
    assert wire.decode_question(wire.encode_question(question)) == question


def answer(**changes) -> bytes:
    document = {
        "personnummer": PNR,
        "status": "OK",
        "individuppgifter": [
            {"redovisningsperiod": "202611", "arbetsgivare": "165560000001", "specifikationsnummer": 1,
             "kontantBruttolon": 24000, "avdragenSkatt": 5200}
        ],
    }  # fmt: skip
    document.update(changes)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("content", "felkod"),
    [
        (answer(status="EJ_TILLGANGLIG", individuppgifter=[]), "AGI_EJ_TILLGANGLIG"),
        (answer(personnummer="198503142385"), "ANNAN_PERSON"),
        (answer(individuppgifter=[{"redovisningsperiod": "2026-11", "kontantBruttolon": 1}]), "UNREADABLE"),
        (answer(individuppgifter=[{"redovisningsperiod": "202611", "kontantBruttolon": -5}]), "UNREADABLE"),
        (answer(individuppgifter=[{"redovisningsperiod": "202611"}]), "UNREADABLE"),
        (answer(individuppgifter=None), "UNREADABLE"),
        (b"<xml/>", "UNREADABLE"),
    ],
    ids=["not-available", "other-person", "period", "negative", "no-pay", "no-list", "not-json"],
)
def test_answers_that_cannot_be_used_are_errors_never_zero_pay(content, felkod):
    with pytest.raises(PayloadError) as caught:
        wire.decode_answer(content, PNR)
    assert caught.value.felkod == felkod


def test_the_simulator_serves_skv_pay_for_the_months_asked_and_says_when_it_cannot():
    app = AgiSimulatorApp(register())
    status, body = app.answer(wire.encode_question(wire.PayQuestion(WORKER, "2026-10", "2026-11")))
    assert status == 200
    assert wire.decode_answer(body, WORKER) == [
        RegisterIncome(source="SKV", type=IncomeType.lon, month="2026-11", amount=9000, tax_withheld=1800),
        RegisterIncome(source="SKV", type=IncomeType.lon, month="2026-10", amount=8600, tax_withheld=1700),
    ]
    _, body = app.answer(wire.encode_question(wire.PayQuestion(SKV_SO_DOWN, "2026-10", "2026-11")))
    assert json.loads(body)["status"] == "EJ_TILLGANGLIG"
    _, body = app.answer(wire.encode_question(wire.PayQuestion(ABSENT, "2026-10", "2026-11")))
    assert wire.decode_answer(body, ABSENT) == []
    assert app.answer(b'{"personnummer": "1"}')[0] == 400


def test_the_simulator_refuses_skatteverket_incomes_other_than_pay():
    other = Register(
        format="register/1",
        persons={PNR: {"incomes": [RegisterIncome(source="SKV", type=IncomeType.pension, month="2026-11", amount=1)]}},
    )
    with pytest.raises(ValueError, match="only lon"):
        AgiSimulatorApp(other)


# The client ---------------------------------------------------------------------------------


def source_with(handler, **agi) -> tuple[AgiSource, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    settings = Settings(agi={"url": "http://127.0.0.1:9/agi/", "retries": 2, "backoff_initial_seconds": 0.01, **agi})
    return AgiSource(settings, exchange=MockExchange(record)), seen


def fetch(source: AgiSource, *persons: str):
    async def run():
        try:
            return await source.fetch(RegisterRequest("GBG-2026-12-000123", "2026-12", persons, frozenset()))
        finally:
            await source.aclose()

    return asyncio.run(run())


def simulated(request: httpx.Request) -> httpx.Response:
    status, body = AgiSimulatorApp(register()).answer(request.content)
    return httpx.Response(status, content=body)


def test_each_adult_is_asked_for_the_control_months_by_post():
    source, seen = source_with(simulated)
    with capture_logs() as logs:
        pay = fetch(source, WORKER, SKV_SO_DOWN, AF_ERROR)
    assert pay[WORKER].incomes[0] == RegisterIncome(
        source="SKV", type=IncomeType.lon, month="2026-11", amount=9000, tax_withheld=1800
    )
    assert pay[SKV_SO_DOWN] == PayRecords(available=False)
    assert pay[AF_ERROR].incomes[0].tax_withheld is None
    assert {r.method for r in seen} == {"POST"} and {str(r.url) for r in seen} == {
        "http://127.0.0.1:9/agi/individuppgifter"
    }
    assert {json.loads(r.content)["redovisningsperiodFrom"] for r in seen} == {"202610"}
    assert [e["event"] for e in logs] == ["agi.person_unavailable"]
    assert logs[0]["felkod"] == "AGI_EJ_TILLGANGLIG" and SKV_SO_DOWN not in repr(logs)


def test_transient_failures_are_retried():
    failures = iter([httpx.Response(503), httpx.ConnectError("refused")])

    def flaky(request: httpx.Request) -> httpx.Response:
        failure = next(failures, None)
        if isinstance(failure, Exception):
            raise failure
        return failure or simulated(request)

    source, seen = source_with(flaky)
    assert fetch(source, WORKER)[WORKER].available
    assert len(seen) == 3


def test_when_the_retries_are_spent_the_source_is_unavailable_without_personal_data():
    source, seen = source_with(lambda request: httpx.Response(502))
    with pytest.raises(RegisterUnavailable, match=r"after 3 attempt\(s\): HTTP 502") as caught:
        fetch(source, WORKER)
    assert len(seen) == 3 and WORKER not in str(caught.value)


def test_a_refused_question_is_not_retried():
    source, seen = source_with(lambda request: httpx.Response(403))
    with pytest.raises(RegisterUnavailable, match="HTTP 403"):
        fetch(source, WORKER)
    assert len(seen) == 1


def test_the_certificate_settings_default_to_ssbteks():
    settings = Settings(
        ssbtek={
            "client_cert": "/etc/robot/tls/org.pem",
            "client_key": "/etc/robot/tls/org.key",
            "ca_bundle": "/ca.pem",
        },
        agi={"url": "https://agi.example/"},
    )
    endpoint = agi_endpoint(settings)
    assert (str(endpoint.client_cert), str(endpoint.client_key), str(endpoint.ca_bundle)) == (
        "/etc/robot/tls/org.pem",
        "/etc/robot/tls/org.key",
        "/ca.pem",
    )
    own = agi_endpoint(
        Settings(ssbtek={"client_key": "/ssbtek.key"}, agi={"url": "https://agi/", "client_cert": "/agi.pem"})
    )
    assert (str(own.client_cert), own.client_key) == ("/agi.pem", None)


anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(field=st.sampled_from(["redovisningsperiod", "kontantBruttolon", "avdragenSkatt", "status", "individuppgifter"]),
       value=anything)  # fmt: skip
def test_any_malformed_answer_is_a_payload_error_or_a_valid_reading(field, value):
    document = json.loads(answer())
    if field in ("status", "individuppgifter"):
        document[field] = value
    else:
        document["individuppgifter"][0][field] = value
    try:
        incomes = wire.decode_answer(json.dumps(document).encode(), PNR)
    except PayloadError:
        return
    assert all(i.source == "SKV" and i.type is IncomeType.lon and i.amount >= 0 for i in incomes)
