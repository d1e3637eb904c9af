"""The simulator's answers follow the contract, and the adapter reads back exactly what the file says."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek.request import TEST_ENVELOPE, Question, control_period, fetch_envelope, question_for
from robot.adapters.ssbtek.response import parse_fetch_answer, parse_test_answer
from robot.adapters.ssbtek.simulator import (
    FaultInjection,
    SimulatorApp,
    check_register,
    expected_person,
    load_register,
    ssbtek_simulator,
)
from robot.adapters.ssbtek.soap import (
    AF,
    FETCH_FAULT,
    FETCH_RESPONSE,
    SIM,
    SO,
    SOAP_ENV,
    SSBT,
    TEST_RESPONSE,
    body_element,
    envelope,
    schema_errors,
)
from robot.config import Settings
from robot.formats.application import IncomeType
from robot.formats.register import AfInfo, Authority, Register, RegisterIncome, RegisterPerson
from tests.conftest import SAMPLES

REGISTER_FILE = SAMPLES / "register.json"
G = f"{{{SSBT}}}"
ALL = frozenset(Authority)


def config(**ssbtek) -> Settings:
    return Settings(ssbtek={"url": "http://ssbtek.invalid/", **ssbtek})


def ask(app: SimulatorApp, pnr: str, include=ALL, period="2026-12", **question) -> tuple[int, bytes, Question]:
    q = question_for(config(include=sorted(include)), RegisterRequest("GBG-1", period, (pnr,), frozenset()), pnr)
    if question:
        q = Question(**{**q.__dict__, **question})
    status, body = app.answer(fetch_envelope(q))
    return status, body, q


@pytest.fixture(scope="module")
def sample() -> Register:
    return load_register(REGISTER_FILE)


@pytest.fixture(scope="module")
def app(sample: Register) -> SimulatorApp:
    return SimulatorApp(sample)


def test_every_person_in_the_sample_comes_back_exactly(app: SimulatorApp, sample: Register):
    for pnr, person in sample.persons.items():
        status, body, q = ask(app, pnr)
        assert status == 200
        assert schema_errors(body_element(body)) == []
        read = parse_fetch_answer(body, q.include, q.korrelationsid).person
        assert read == expected_person(sample, pnr, ALL, q.from_date, q.to_date)
        # Every sample income is in the control period, so nothing is left out (but the tax withheld,
        # which the SKV payload assumed here does not carry).
        assert sorted(read.incomes, key=repr) == sorted(
            (i.model_copy(update={"tax_withheld": None}) for i in person.incomes if i.source not in person.unavailable),
            key=repr,
        )
        assert read.af == person.af or Authority.AF in person.unavailable
        assert read.unavailable == person.unavailable


def test_an_unavailable_authority_answers_with_an_error_and_the_others_with_data(app: SimulatorApp):
    _status, body, q = ask(app, "198401202026")
    payload = body_element(body)
    fk = payload.find(f"{G}svarsdata/{G}FK")
    assert fk.findtext(f"{G}error/{G}kalla") == "BT"
    assert fk.findtext(f"{G}error/{G}felkod")
    assert payload.find(f"{G}svarsdata/{G}AF/{G}data") is not None
    answer = parse_fetch_answer(body, q.include, q.korrelationsid)
    assert answer.person.unavailable == [Authority.FK]
    assert answer.person.af.status == "inskriven"
    assert answer.errors[Authority.FK].kalla == "BT"


def test_a_person_absent_from_the_file_has_no_incomes_and_is_not_registered_at_af(app: SimulatorApp):
    status, body, q = ask(app, "191212121212")
    assert status == 200
    svar = body_element(body).find(f"{G}svarsdata/{G}AF/{G}data/{{{AF}}}Svar")
    assert svar.findtext(f"{{{AF}}}StatusSokandeinformationKod") == "500"
    assert svar.findtext(f"{{{AF}}}ArbetssokandeInfo/{{{AF}}}Arbetssokande") == "false"
    assert parse_fetch_answer(body, q.include).person == RegisterPerson()


def test_af_answers_carry_registration_activity_report_and_decisions():
    pnr = "199001011234"
    person = RegisterPerson(
        af=AfInfo(status="inskriven", aktivitetsrapport=501, registered_since=dt.date(2024, 3, 1)),
        incomes=[RegisterIncome(source="AF", type=IncomeType.aktivitetsstod, month="2026-11", amount=4400)],
    )
    app = SimulatorApp(Register(format="register/1", persons={pnr: person}))
    _status, body, q = ask(app, pnr, include={Authority.AF})
    svar = body_element(body).find(f"{G}svarsdata/{G}AF/{G}data/{{{AF}}}Svar")
    a = f"{{{AF}}}"
    assert svar.findtext(f"{a}ArbetssokandeInfo/{a}Arbetssokande") == "true"
    assert svar.findtext(f"{a}ArbetssokandeInfo/{a}ArbetssokandeRegistrerad") == "2024-03-01"
    assert svar.findtext(f"{a}StatusSokandeinformationKod") == "501"
    assert svar.findtext(f"{a}StatusSokandeinformationKodText") == "Aktivitetsrapport saknas"
    assert svar.findtext(f"{a}ArbetssokandeInfo/{a}AktivetetsRapportDatum/{a}AktivitetsRapportMeddelande")
    beslut = svar.find(f"{a}BeslutInfo/{a}EkonomiskaBeslut/{a}Beslut")
    assert beslut.findtext(f"{a}ErsattningTyp") == "Aktivitetsstöd"
    assert (beslut.findtext(f"{a}BeslutFrom"), beslut.findtext(f"{a}BeslutTom")) == ("2026-11-01", "2026-11-30")
    assert beslut.find(f"{{{SIM}}}Utbetalning").attrib == {
        "inkomsttyp": "aktivitetsstod",
        "manad": "2026-11",
        "belopp": "4400",
    }
    assert parse_fetch_answer(body, q.include).person == person


def test_a_real_af_decision_without_an_amount_gives_no_income():
    pnr = "199001011234"
    person = RegisterPerson(
        af=AfInfo(status="inskriven", aktivitetsrapport=200),
        incomes=[RegisterIncome(source="AF", type=IncomeType.etableringsersattning, month="2026-11", amount=1)],
    )
    _, body, q = ask(SimulatorApp(Register(format="register/1", persons={pnr: person})), pnr, include={Authority.AF})
    stripped = body.replace(f'<sim:Utbetalning xmlns:sim="{SIM}"'.encode(), b"<!--").replace(b' belopp="1"/>', b"-->")
    assert schema_errors(body_element(stripped)) == []
    assert parse_fetch_answer(stripped, q.include).person == RegisterPerson(af=person.af)


def test_an_unknown_af_code_makes_af_unavailable(app: SimulatorApp):
    _, body, q = ask(app, "198503142385")
    changed = body.replace(b"StatusSokandeinformationKod>200<", b"StatusSokandeinformationKod>777<")
    answer = parse_fetch_answer(changed, q.include)
    assert answer.person.unavailable == [Authority.AF]
    assert answer.person.incomes  # FK's data is still used
    assert answer.errors[Authority.AF].felkod == "UNREADABLE"


def test_a_kassa_payments_use_the_published_structure(app: SimulatorApp):
    _, body, q = ask(app, "197006066661", include={Authority.SO})
    s = f"{{{SO}}}"
    data = body_element(body).find(f"{G}svarsdata/{G}SO/{G}data")
    payment = data.find(f"{s}ArbetsloshetsersattningLista/{s}Arbetsloshetsersattning/{s}Utbetalningar")
    assert payment.findtext(f"{s}NettoEfterSkatt") == "3200"
    assert (payment.findtext(f"{s}AvserFrom"), payment.findtext(f"{s}AvserTom")) == ("2026-11-01", "2026-11-30")
    assert data.findtext(f"{s}IdentificationNumber") == "197006066661"
    decimals = body.replace(b"NettoEfterSkatt>3200<", b"NettoEfterSkatt>3199.50<")
    assert parse_fetch_answer(decimals, q.include).person.incomes[0].amount == 3200


def test_incomes_outside_the_period_are_not_served():
    pnr = "199001011234"
    incomes = [
        RegisterIncome(source="SKV", type=IncomeType.lon, month=month, amount=100)
        for month in ("2026-08", "2026-09", "2026-10", "2026-11", "2026-12")
    ]
    app = SimulatorApp(Register(format="register/1", persons={pnr: RegisterPerson(incomes=incomes)}))
    _, body, q = ask(app, pnr, include={Authority.SKV})
    assert [i.month for i in parse_fetch_answer(body, q.include).person.incomes] == ["2026-10", "2026-11"]


def test_the_question_is_returned_when_asked_for(app: SimulatorApp):
    _status, body, _q = ask(app, "198503142385", include_question_in_answer=True)
    payload = body_element(body)
    assert schema_errors(payload) == []
    assert payload.findtext(f"{G}fraga/{G}generellaFrageparametrar/{G}personidentitet") == "198503142385"


def test_an_invalid_request_gets_a_soap_fault_with_http_500(app: SimulatorApp):
    _, _, q = ask(app, "198503142385")
    bad = fetch_envelope(Question(**{**q.__dict__, "namn": ""}))
    status, body = app.answer(bad)
    assert status == 500
    fault = body_element(body)
    assert fault.tag == f"{{{SOAP_ENV}}}Fault"
    assert fault.findtext("faultcode") == "soapenv:Client"
    assert fault.find(f"detail/{FETCH_FAULT}").findtext(f"{G}felkod") == "SSBT-VALIDERING"


@pytest.mark.parametrize(
    "body",
    [b"not xml", b"<a/>", envelope(""), envelope("<ssbt:okand/>"), envelope("<ssbt:hamtaBastjanstInformation/>")],
)
def test_requests_that_are_not_the_contract_get_soap_faults(app: SimulatorApp, body: bytes):
    status, answer = app.answer(body)
    assert status == 500
    assert body_element(answer).tag == f"{{{SOAP_ENV}}}Fault"


def test_the_ping_answer_lists_every_authority(app: SimulatorApp):
    status, body = app.answer(TEST_ENVELOPE)
    assert status == 200
    payload = body_element(body)
    assert payload.tag == TEST_RESPONSE
    assert schema_errors(payload) == []
    assert {a: s.state for a, s in parse_test_answer(body).items()} == dict.fromkeys(Authority, "ok")


def test_authority_error_injection_replaces_answers_with_ssbt_errors(sample: Register):
    app = SimulatorApp(sample, FaultInjection(authority_error_rate=1.0, seed=1))
    status, body, q = ask(app, "198503142385")
    assert status == 200
    assert schema_errors(body_element(body)) == []
    answer = parse_fetch_answer(body, q.include)
    assert answer.person.unavailable == sorted(ALL, key=lambda a: a.value)
    assert {e.kalla for e in answer.errors.values()} == {"SSBT"}
    status, body = app.answer(TEST_ENVELOPE)
    assert schema_errors(body_element(body)) == []
    assert {s.state for s in parse_test_answer(body).values()} == {"error"}


def test_a_register_with_non_a_kassa_so_incomes_is_refused():
    person = RegisterPerson(incomes=[RegisterIncome(source="SO", type=IncomeType.lon, month="2026-11", amount=1)])
    with pytest.raises(ValueError, match="a_kassa"):
        check_register(Register(format="register/1", persons={"199001011234": person}))


# Generated registers -------------------------------------------------------------------------

PERIOD = "2026-12"
months_near = st.sampled_from(["2026-08", "2026-09", "2026-10", "2026-11", "2026-12", "2027-01"])


@st.composite
def register_incomes(draw):
    source = draw(st.sampled_from(["AF", "CSN", "FK", "SKV", "SO"]))
    kind = IncomeType.a_kassa if source == "SO" else draw(st.sampled_from(list(IncomeType)))
    return RegisterIncome(source=source, type=kind, month=draw(months_near), amount=draw(st.integers(0, 10_000_000)))


af_infos = st.builds(
    AfInfo,
    status=st.sampled_from(["inskriven", "ej_inskriven"]),
    aktivitetsrapport=st.sampled_from([200, 500, 501, 502]),
    registered_since=st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
)
persons = st.builds(
    RegisterPerson,
    af=af_infos,
    incomes=st.lists(register_incomes(), max_size=8),
    unavailable=st.lists(st.sampled_from(list(Authority)), unique=True, max_size=3),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(person=persons, include=st.frozensets(st.sampled_from(list(Authority))), absent=st.booleans())
def test_generated_registers_round_trip_through_the_contract(person, include, absent):
    pnr = "199001011234"
    register = Register(format="register/1", persons={} if absent else {pnr: person})
    app = SimulatorApp(register)
    status, body, q = ask(app, pnr, include=include)
    assert status == 200
    assert schema_errors(body_element(body)) == []
    from_date, to_date = control_period(PERIOD)
    read = parse_fetch_answer(body, q.include, q.korrelationsid).person
    assert read == expected_person(register, pnr, include, from_date, to_date)


# Over HTTP -----------------------------------------------------------------------------------


def test_the_server_answers_soap_over_http_and_serves_its_wsdl():
    async def calls(url: str):
        async with httpx.AsyncClient() as client:
            wsdl = await client.get(url + "?wsdl")
            ok = await client.post(url, content=TEST_ENVELOPE, headers={"content-type": "text/xml"})
            bad = await client.post(url, content=b"<x/>")
            other = await client.put(url, content=b"")
            return wsdl, ok, bad, other

    with ssbtek_simulator(REGISTER_FILE) as sim:
        wsdl, ok, bad, other = asyncio.run(calls(sim.url))
        assert sim.stats.calls == 2 and sim.stats.faults == 1
    assert wsdl.status_code == 200 and b"BastjanstInformationInterfaceService" in wsdl.content
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/xml")
    assert body_element(ok.content).tag == TEST_RESPONSE
    assert bad.status_code == 500 and b"Fault" in bad.content
    assert other.status_code == 405


def test_injected_errors_are_plain_5xx_without_a_soap_fault():
    async def calls(url: str):
        async with httpx.AsyncClient() as client:
            return [await client.post(url, content=TEST_ENVELOPE) for _ in range(6)]

    with ssbtek_simulator(REGISTER_FILE, FaultInjection(error_rate=1.0, seed=3)) as sim:
        answers = asyncio.run(calls(sim.url))
        assert sim.stats.injected_errors == 6
    assert {a.status_code for a in answers} <= {500, 503}
    assert all(b"Fault" not in a.content for a in answers)


def test_the_simulator_can_run_in_a_subprocess(tmp_path: Path):
    async def call(url: str):
        async with httpx.AsyncClient() as client:
            return await client.post(url, content=TEST_ENVELOPE)

    with ssbtek_simulator(load_register(REGISTER_FILE), in_subprocess=True) as sim:
        answer = asyncio.run(call(sim.url))
    assert answer.status_code == 200
    assert body_element(answer.content).tag == TEST_RESPONSE


def test_answers_are_the_fetch_response_element(app: SimulatorApp):
    _, body, _ = ask(app, "198503142385")
    assert body_element(body).tag == FETCH_RESPONSE
