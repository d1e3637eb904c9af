"""The simulator answers in the agencies' real shapes, valid against their schemas, and the adapter
reads back exactly what the register file says: register/1 → SOAP → register/1 is the identity."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek import codes
from robot.adapters.ssbtek.request import (
    TEST_ENVELOPE,
    Question,
    control_period,
    fetch_envelope,
    ping_envelope,
    question_for,
)
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
    FETCH_RESPONSE,
    SO,
    SOAP_ENV,
    SSBT,
    TEST_RESPONSE,
    V10,
    V11,
    Contract,
    body_element,
    contract_of,
    envelope,
    schema_errors,
)
from robot.config import Settings
from robot.formats.application import IncomeType
from robot.formats.register import (
    AF_UNKNOWN,
    AfInfo,
    Authority,
    BusinessRegistration,
    Register,
    RegisterIncome,
    RegisterPerson,
)
from tests.contract_schemas import payload_errors
from tests.sources_fixture import A_KASSA, AF_ERROR, FK_DOWN, PENSIONER, REGISTER_FILE, STUDENT, WORKER

G = f"{{{SSBT}}}"
A = f"{{{AF}}}"
S = f"{{{SO}}}"
ALL = frozenset(Authority)
PNR = "199001011234"


def config(**ssbtek) -> Settings:
    return Settings(ssbtek={"url": "http://127.0.0.1:9/", **ssbtek})


def ask(app: SimulatorApp, pnr: str, include=ALL, period="2026-12", **question) -> tuple[int, bytes, Question]:
    q = question_for(config(include=sorted(include)), RegisterRequest("GBG-1", period, (pnr,), frozenset()), pnr)
    if question:
        q = Question(**{**q.__dict__, **question})
    status, body = app.answer(fetch_envelope(q, app.contract))
    return status, body, q


def read(body: bytes, q: Question, **options) -> RegisterPerson:
    """The person as the adapter reads the answer, in the version the answer is in."""
    contract = contract_of(body_element(body)) or V11
    return parse_fetch_answer(
        body, q.include, q.korrelationsid, personnummer=q.personidentitet, contract=contract, **options
    ).person


def one(person: RegisterPerson, pnr: str = PNR, contract: Contract = V11) -> SimulatorApp:
    return SimulatorApp(Register(format="register/1", persons={pnr: person}), contract=contract)


CARRIED = {"v11": {"CSN", "FK", "SKV", "SO"}, "v10": {"CSN", "FK", "SO"}}
"""The income sources each version's answer carries."""


@pytest.fixture(scope="module")
def sample() -> Register:
    return load_register(REGISTER_FILE)


@pytest.fixture(scope="module")
def app(sample: Register) -> SimulatorApp:
    return SimulatorApp(sample)


@pytest.fixture(scope="module", params=[V11, V10], ids=["v11", "v10"])
def either(request: pytest.FixtureRequest, sample: Register) -> SimulatorApp:
    """The simulator in each version of the contract."""
    return SimulatorApp(sample, contract=request.param)


def test_every_person_comes_back_as_the_file_says_within_what_ssbtek_carries(either: SimulatorApp, sample: Register):
    app = either
    for pnr, person in sample.persons.items():
        status, body, q = ask(app, pnr)
        assert status == 200
        assert contract_of(body_element(body)) == app.contract
        assert schema_errors(body_element(body)) == []
        assert payload_errors(body) == []
        got = read(body, q)
        assert got == expected_person(sample, pnr, ALL, q.from_date, q.to_date, app.contract)
        assert got.unavailable == person.unavailable
        assert got.af == (person.af if Authority.AF not in person.unavailable else got.af)
        carried = CARRIED[app.contract.version]
        assert all(i.source in carried and i.month in ("2026-10", "2026-11") for i in got.incomes)


def test_fk_unavailable_is_said_by_lefi_and_the_others_data_is_used(app: SimulatorApp):
    _status, body, q = ask(app, FK_DOWN)
    fk = body_element(body).find(f"{G}svarsdata/{G}FK")
    assert fk.find(f"{G}error") is None
    lefi_answer = json.loads(base64.b64decode(fk.findtext(f"{G}data/{G}lefiJsonSvar")))
    states = {u["utlamnare"]["kod"]: u["tillstand"]["kod"] for u in lefi_answer["utlamnare"]}
    assert states == {"FK": "OTILLGANGLIG", "PM": "OK"}
    answer = parse_fetch_answer(body, q.include, personnummer=FK_DOWN)
    assert answer.person.unavailable == [Authority.FK]
    assert answer.errors[Authority.FK].felkod == "LEFI_FK_OTILLGANGLIG"
    assert answer.person.af.status == "inskriven"


def test_a_person_absent_from_the_file_is_unknown_everywhere(app: SimulatorApp):
    status, body, q = ask(app, PNR)
    assert status == 200 and payload_errors(body) == []
    svar = body_element(body).find(f"{G}svarsdata/{G}AF/{G}data/{A}Svar")
    assert svar.findtext(f"{A}StatusSokandeinformationKod") == "0"
    assert svar.findtext(f"{A}ArbetssokandeInfo/{A}Arbetssokande") == "false"
    csn = base64.b64decode(body_element(body).findtext(f"{G}svarsdata/{G}CSN/{G}data/{G}svar"))
    assert b'Status="Ej tr\xc3\xa4ff"' in csn
    assert read(body, q) == RegisterPerson()  # Skatteverket: BT 404, nothing registered


@pytest.mark.parametrize(
    ("af", "report_date", "lookup"),
    [
        (AfInfo(status="inskriven", aktivitetsrapport=200, registered_since=dt.date(2024, 3, 1)), "2026-11-12", "0"),
        (AfInfo(status="inskriven", aktivitetsrapport=501, registered_since=dt.date(2024, 3, 1)), "2026-09-12", "0"),
        (AfInfo(status="ej_inskriven", aktivitetsrapport=500), None, "0"),
        (AfInfo(status="inskriven", aktivitetsrapport=502, registered_since=dt.date(2025, 1, 7)), None, "1"),
    ],
    ids=["200", "501", "500", "502"],
)
def test_af_answers_carry_registration_and_the_latest_report_never_the_code(af, report_date, lookup):
    _status, body, q = ask(one(RegisterPerson(af=af)), PNR, include={Authority.AF})
    svar = body_element(body).find(f"{G}svarsdata/{G}AF/{G}data/{A}Svar")
    info = svar.find(f"{A}ArbetssokandeInfo")
    assert info.findtext(f"{A}Arbetssokande") == ("true" if af.status == "inskriven" else "false")
    assert info.findtext(f"{A}ArbetssokandeRegistrerad") == (af.registered_since and af.registered_since.isoformat())
    assert info.findtext(f"{A}AktivetetsRapportDatum/{A}SenasteAktivitetsRapportDatum") == report_date
    assert svar.findtext(f"{A}StatusSokandeinformationKod") == lookup
    assert svar.find(f"{A}BeslutInfo") is None  # AF's answer carries no amounts
    assert read(body, q) == RegisterPerson(af=af)


def test_a_kassa_payments_use_the_published_structure_and_the_payment_month(app: SimulatorApp):
    _, body, q = ask(app, A_KASSA, include={Authority.SO})
    data = body_element(body).find(f"{G}svarsdata/{G}SO/{G}data")
    kassa = data.find(f"{S}ArbetsloshetsersattningLista/{S}Arbetsloshetsersattning")
    assert kassa.findtext(f"{S}StatusSvarandeOrganisation") == "OK"
    payments = kassa.findall(f"{S}Utbetalningar")
    assert [(p.findtext(f"{S}Utbetalningsdatum"), p.findtext(f"{S}NettoEfterSkatt")) for p in payments] == [
        ("2026-11-05", "5400"),
        ("2026-10-05", "5100"),
    ]
    assert (payments[0].findtext(f"{S}AvserFrom"), payments[0].findtext(f"{S}AvserTom")) == ("2026-10-01", "2026-10-31")
    decimals = body.replace(b"NettoEfterSkatt>5400<", b"NettoEfterSkatt>5399.50<")
    assert [i.amount for i in read(decimals, q).incomes] == [5100, 5400]


def test_an_a_kassa_with_an_error_status_makes_so_unavailable_not_zero():
    person = RegisterPerson(
        incomes=[RegisterIncome(source="SO", type=IncomeType.a_kassa, month="2026-11", amount=4000)],
        unavailable=[Authority.SO],
    )
    _, body, q = ask(one(person), PNR, include={Authority.SO})
    kassa = body_element(body).find(
        f"{G}svarsdata/{G}SO/{G}data/{S}ArbetsloshetsersattningLista/{S}Arbetsloshetsersattning"
    )
    assert kassa.findtext(f"{S}StatusSvarandeOrganisation") == "Tekniskt fel"
    assert kassa.find(f"{S}Utbetalningar") is None
    answer = parse_fetch_answer(body, q.include, personnummer=PNR)
    assert answer.person.unavailable == [Authority.SO] and answer.person.incomes == []
    assert answer.errors[Authority.SO].felkod == "SO_STATUS"


def test_fk_and_pensionsmyndigheten_payments_are_lefi_payments(app: SimulatorApp):
    _, body, q = ask(app, PENSIONER, include={Authority.FK})
    answer = json.loads(base64.b64decode(body_element(body).findtext(f"{G}svarsdata/{G}FK/{G}data/{G}lefiJsonSvar")))
    fk = answer["formansinformation"]["utbetalningsuppgift"]
    assert {(p["formansfamilj"]["id"], p["datum"]) for p in fk} == {("SA", "2026-11-19"), ("US", "2026-11-19")}
    taxed = next(p for p in fk if p["formansfamilj"]["id"] == "SA")
    assert taxed["bruttobelopp"]["summa"] - taxed["skattebelopp"]["summa"] == 3100
    (pension,) = answer["utbetalningar"]
    assert pension["utbetalningsrader"][0]["formansgrupp"]["kod"] == "PM:AP"
    assert pension["bruttobelopp"] - pension["avdrag"][0]["belopp"] == 9800
    assert {(i.type, i.amount) for i in read(body, q).incomes} == {
        (IncomeType.pension, 9800),
        (IncomeType.ovrigt, 3100),
        (IncomeType.underhallsstod, 1673),
    }


def test_csn_answers_are_csnsvar_4_0_with_paid_payments(app: SimulatorApp):
    _, body, q = ask(app, STUDENT, include={Authority.CSN})
    assert payload_errors(body) == []
    assert read(body, q).incomes == [
        RegisterIncome(source="CSN", type=IncomeType.studiemedel, month="2026-11", amount=10500)
    ]


def test_incomes_outside_the_period_are_not_served(app: SimulatorApp):
    _, body, q = ask(app, WORKER, include={Authority.FK})
    assert [(i.type, i.month) for i in read(body, q).incomes] == [
        (IncomeType.barnbidrag, "2026-11"),
        (IncomeType.bostadsbidrag, "2026-11"),
    ]


def test_a_failed_af_lookup_is_code_502_and_af_stays_available(app: SimulatorApp):
    _, body, q = ask(app, AF_ERROR, include={Authority.AF})
    person = read(body, q)
    assert person.af.aktivitetsrapport == 502 and person.unavailable == []


def test_the_question_is_returned_when_asked_for(app: SimulatorApp):
    _status, body, _q = ask(app, WORKER, include_question_in_answer=True)
    payload = body_element(body)
    assert schema_errors(payload) == []
    assert payload.findtext(f"{G}fraga/{G}generellaFrageparametrar/{G}personidentitet") == WORKER


def test_a_lefi_question_about_someone_else_gets_an_fk_error(app: SimulatorApp):
    _, good, _ = ask(app, WORKER, include={Authority.FK})
    _, body, q = ask(app, WORKER, include={Authority.FK}, fk_query=_lefi_question_about(PNR))
    fk = body_element(body).find(f"{G}svarsdata/{G}FK/{G}error")
    assert fk.findtext(f"{G}felkod") == "LEFI-400"
    assert parse_fetch_answer(body, q.include, personnummer=WORKER).person.unavailable == [Authority.FK]
    assert b"LEFI-400" not in good


def _lefi_question_about(pnr: str) -> str:
    from robot.adapters.ssbtek import lefi

    return lefi.encode_question(lefi.LefiQuestion(pnr, *control_period("2026-12")))


def test_an_invalid_request_gets_a_soap_fault_with_http_500(either: SimulatorApp):
    app, c = either, either.contract
    _, _, q = ask(app, WORKER)
    bad = fetch_envelope(Question(**{**q.__dict__, "namn": ""}), c)
    status, body = app.answer(bad)
    assert status == 500
    fault = body_element(body)
    assert fault.tag == f"{{{SOAP_ENV}}}Fault"
    assert fault.findtext("faultcode") == "soapenv:Client"
    assert (
        fault.find(f"detail/{c.tag('hamtaBastjanstInformationFault')}").findtext(c.tag("felkod")) == "SSBT-VALIDERING"
    )


@pytest.mark.parametrize("contract", [V11, V10], ids=["v11", "v10"])
@pytest.mark.parametrize(
    "body",
    [b"not xml", b"<a/>", "", "<ssbt:okand/>", "<ssbt:hamtaBastjanstInformation/>"],
)
def test_requests_that_are_not_the_contract_get_soap_faults(sample: Register, contract: Contract, body):
    app = SimulatorApp(sample, contract=contract)
    status, answer = app.answer(envelope(body, contract) if isinstance(body, str) else body)
    assert status == 500
    assert body_element(answer).tag == f"{{{SOAP_ENV}}}Fault"


@pytest.mark.parametrize(("server", "client"), [(V11, V10), (V10, V11)], ids=["v11-refuses-v10", "v10-refuses-v11"])
def test_a_question_in_the_other_version_is_refused_naming_both_namespaces(sample: Register, server, client):
    app = SimulatorApp(sample, contract=server)
    _, _, q = ask(SimulatorApp(sample, contract=client), WORKER)
    for question in (fetch_envelope(q, client), ping_envelope(client)):
        status, body = app.answer(question)
        assert status == 500
        fault = body_element(body)
        assert (
            fault.find(f"detail/{server.tag('hamtaBastjanstInformationFault')}").findtext(server.tag("felkod"))
            == "SSBT-VERSION"
        )
        assert client.namespace in fault.findtext("faultstring") and server.namespace in fault.findtext("faultstring")


def test_the_ping_answer_lists_every_authority(either: SimulatorApp):
    app, c = either, either.contract
    status, body = app.answer(ping_envelope(c))
    assert status == 200
    payload = body_element(body)
    assert payload.tag == c.tag("testaBastjanstInformationResponse")
    assert schema_errors(payload) == []
    assert {a: s.state for a, s in parse_test_answer(body, c).items()} == dict.fromkeys(Authority, "ok")


@pytest.mark.parametrize("contract", [V11, V10], ids=["v11", "v10"])
def test_authority_error_injection_replaces_answers_with_ssbt_errors(sample: Register, contract: Contract):
    app = SimulatorApp(sample, FaultInjection(authority_error_rate=1.0, seed=1), contract)
    status, body, q = ask(app, WORKER)
    assert status == 200
    assert schema_errors(body_element(body)) == []
    answer = parse_fetch_answer(body, q.include, personnummer=WORKER, contract=contract)
    assert answer.person.unavailable == sorted(ALL, key=lambda a: a.value)
    assert {e.kalla for e in answer.errors.values()} == {"SSBT"}
    status, body = app.answer(ping_envelope(contract))
    assert schema_errors(body_element(body)) == []
    assert {s.state for s in parse_test_answer(body, contract).values()} == {"error"}


@pytest.mark.parametrize(
    ("person", "message"),
    [
        (
            RegisterPerson(incomes=[RegisterIncome(source="SO", type=IncomeType.lon, month="2026-11", amount=1)]),
            "a_kassa",
        ),
        (
            RegisterPerson(
                incomes=[RegisterIncome(source="AF", type=IncomeType.aktivitetsstod, month="2026-11", amount=1)]
            ),
            "no amounts",
        ),
        (RegisterPerson(incomes=[RegisterIncome(source="FK", type=IncomeType.lon, month="2026-11", amount=1)]), "FK"),
        (
            RegisterPerson(incomes=[RegisterIncome(source="SKV", type=IncomeType.pension, month="2026-11", amount=1)]),
            "lon",
        ),
        (
            RegisterPerson(
                incomes=[
                    RegisterIncome(source="FK", type=IncomeType.sjukpenning, month="2026-11", amount=9, tax_withheld=1)
                ]
            ),
            "tax_withheld",
        ),
        (RegisterPerson(af=AfInfo(status="ej_inskriven", aktivitetsrapport=200)), "af ej_inskriven"),
        (RegisterPerson(af=AfInfo(status="inskriven", aktivitetsrapport=500)), "af inskriven"),
    ],
    ids=["so-lon", "af-income", "fk-lon", "skv-pension", "fk-tax", "af-ej-inskriven-200", "af-inskriven-500"],
)
def test_registers_the_agencies_cannot_say_are_refused_when_loaded(person: RegisterPerson, message: str):
    with pytest.raises(ValueError, match=message):
        check_register(Register(format="register/1", persons={PNR: person}))


# Generated registers: register/1 → SOAP → register/1 ------------------------------------------

PERIOD = "2026-12"
months_near = st.sampled_from(["2026-08", "2026-09", "2026-10", "2026-11", "2026-12", "2027-01"])
amounts = st.integers(0, 9_999_999)


@st.composite
def register_incomes(draw):
    source = draw(st.sampled_from(["CSN", "FK", "SKV", "SO"]))
    kind = {
        "CSN": st.just(IncomeType.studiemedel),
        "FK": st.sampled_from(sorted(codes.FK_PAYMENT_FAMILY)),
        "SKV": st.just(IncomeType.lon),
        "SO": st.just(IncomeType.a_kassa),
    }[source]
    tax = draw(st.none() | amounts) if source == "SKV" else None
    return RegisterIncome(
        source=source, type=draw(kind), month=draw(months_near), amount=draw(amounts), tax_withheld=tax
    )


af_infos = st.one_of(
    st.builds(
        AfInfo,
        status=st.just("inskriven"),
        aktivitetsrapport=st.sampled_from([200, 501, 502]),
        registered_since=st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
    ),
    st.builds(
        AfInfo,
        status=st.just("ej_inskriven"),
        aktivitetsrapport=st.sampled_from([500, 502]),
        registered_since=st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
    ),
    st.just(AF_UNKNOWN),
)
persons = st.builds(
    RegisterPerson,
    af=af_infos,
    incomes=st.lists(register_incomes(), max_size=8),
    unavailable=st.lists(st.sampled_from(list(Authority)), unique=True, max_size=3),
    business=st.none() | st.builds(BusinessRegistration),
)


@pytest.mark.parametrize("contract", [V11, V10], ids=["v11", "v10"])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(person=persons, include=st.frozensets(st.sampled_from(list(Authority))), absent=st.booleans())
def test_generated_registers_round_trip_through_the_contract(contract, person, include, absent):
    register = Register(format="register/1", persons={} if absent else {PNR: person})
    app = SimulatorApp(register, contract=contract)
    status, body, q = ask(app, PNR, include=include)
    assert status == 200
    assert schema_errors(body_element(body)) == []
    assert payload_errors(body) == []
    from_date, to_date = control_period(PERIOD)
    expected = expected_person(register, PNR, include, from_date, to_date, contract)
    assert read(body, q) == expected
    # As AF really answers (no echo of the question), read with the question the robot asked.
    assert read(_without_af_fraga(body), q, question=q) == expected


def _without_af_fraga(body: bytes) -> bytes:
    root = etree.fromstring(body)
    for fraga in root.iterfind(f".//{G}AF/{G}data/{A}Fraga"):
        fraga.getparent().remove(fraga)
    return etree.tostring(root)


def test_an_unavailable_af_reads_back_as_unknown_never_ej_inskriven():
    registered = AfInfo(status="inskriven", aktivitetsrapport=200, registered_since=dt.date(2024, 3, 1))
    _, body, q = ask(one(RegisterPerson(af=registered, unavailable=[Authority.AF])), PNR, include={Authority.AF})
    person = read(body, q, question=q)
    assert person.unavailable == [Authority.AF]
    assert person.af == AF_UNKNOWN


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


def test_the_employer_declarations_are_served_beside_ssbtek():
    async def call(url: str):
        async with httpx.AsyncClient() as client:
            return await client.post(
                url + "individuppgifter",
                json={"personnummer": WORKER, "redovisningsperiodFrom": "202610", "redovisningsperiodTom": "202611"},
            )

    with ssbtek_simulator(REGISTER_FILE) as sim:
        assert sim.env == {"ROBOT_SSBTEK_URL": sim.url, "ROBOT_SSBTEK_PROTOCOL": "v11"}
        assert sim.agi_url == sim.url + "agi/"
        answer = asyncio.run(call(sim.agi_url))
        assert sim.stats.calls == 0  # not an SSBTEK call
    assert answer.status_code == 200
    assert [
        (e["redovisningsperiod"], e["kontantBruttolon"], e["avdragenSkatt"]) for e in answer.json()["individuppgifter"]
    ] == [
        ("202611", 9000, 1800),
        ("202610", 8600, 1700),
    ]


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
    _, body, _ = ask(app, WORKER)
    assert body_element(body).tag == FETCH_RESPONSE
