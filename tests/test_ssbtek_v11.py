"""SSBTEK v11: saved answers decode with the right availability, Skatteverket's parts each answer for
themselves, an answer in the other version's namespace is one clear error, and the client that speaks
the wrong version is told so."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from robot.adapters.decoding import PayloadError
from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek import individuppgifter, skv_parts
from robot.adapters.ssbtek.client import SoapRegisterSource
from robot.adapters.ssbtek.response import parse_fetch_answer, parse_saved_answer, parse_test_answer
from robot.adapters.ssbtek.simulator import SimulatorApp, ssbtek_simulator
from robot.adapters.ssbtek.soap import V10, V11, MalformedAnswer, SoapFault, body_element, schema_errors
from robot.config import Settings
from robot.formats.application import IncomeType
from robot.formats.register import Authority, BusinessRegistration, RegisterIncome
from tests.conftest import ROOT, STICKPROV_KEY
from tests.sources_fixture import REGISTER_FILE, WORKER

FIXTURES = Path(__file__).parent / "fixtures/ssbtek"
V10_ANSWER = FIXTURES / "hamta-answer.xml"
PERSON = "198807141232"
G = f"{{{V11.namespace}}}"
MONTHLY_PAY = [
    RegisterIncome(source="SKV", type=IncomeType.lon, month="2026-10", amount=8600, tax_withheld=1700),
    RegisterIncome(source="SKV", type=IncomeType.lon, month="2026-11", amount=9000, tax_withheld=1800),
]


def robot(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROBOT_CONFIG": "/dev/null", "ROBOT_STICKPROV_KEY": STICKPROV_KEY}
    return subprocess.run(
        [sys.executable, "-m", "robot", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )


# Saved v11 answers through `robot ssbtek decode` ----------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "unavailable", "business", "pay", "stderr"),
    [
        (
            "hamta-answer-v11.xml",
            [],
            None,
            [],
            "SKV individuppgifter: not found (BT 404), read as no employer declarations\n",
        ),
        (
            "hamta-answer-v11-lon-och-f-skatt.xml",
            [],
            {"f_skatt": True, "employer": False, "vat": True},
            MONTHLY_PAY,
            "SKV skattekonto: error (kalla BT, felkod 500): Internal Server Error; not used by the rules\n",
        ),
        (
            "hamta-answer-v11-skv-fel.xml",
            ["SKV"],
            None,
            [],
            "SKV: unavailable (kalla BT, felkod 503): Service Unavailable\n",
        ),
    ],
    ids=["declarations-not-found", "pay-and-f-skatt", "foretagsinformation-error"],
)
def test_saved_v11_answers_decode_with_the_right_availability(fixture, unavailable, business, pay, stderr):
    path = FIXTURES / fixture
    assert schema_errors(body_element(path.read_bytes())) == []  # real-shaped, and valid against the v11 XSD
    done = robot("ssbtek", "decode", str(path), "--person", PERSON)
    assert done.returncode == 0, done.stderr
    assert done.stderr == stderr
    person = json.loads(done.stdout)["persons"][PERSON]
    assert person["unavailable"] == unavailable
    assert person.get("business") == business
    assert [RegisterIncome.model_validate(i, strict=False) for i in person["incomes"] if i["source"] == "SKV"] == pay
    # The other agencies read as in the v10 answer they were taken from.
    v10 = parse_saved_answer(V10_ANSWER.read_bytes(), PERSON).person
    assert [
        RegisterIncome.model_validate(i, strict=False) for i in person["incomes"] if i["source"] != "SKV"
    ] == v10.incomes
    assert person["af"]["status"] == v10.af.status


def test_a_v11_answer_read_as_v10_is_one_error_naming_both_namespaces():
    body = (FIXTURES / "hamta-answer-v11.xml").read_bytes()
    with pytest.raises(MalformedAnswer) as caught:
        parse_fetch_answer(body, frozenset(Authority), personnummer=PERSON, contract=V10)
    message = str(caught.value)
    assert V11.namespace in message and V10.namespace in message
    assert "hamtaBastjanstInformationResponse" in message and "ROBOT_SSBTEK_PROTOCOL" in message
    with pytest.raises(MalformedAnswer, match=r"ssbt/10.*ssbt/11"):
        parse_fetch_answer(V10_ANSWER.read_bytes(), frozenset(Authority), personnummer=PERSON, contract=V11)
    ping = SimulatorApp(_register(), contract=V10).test_answer()
    with pytest.raises(MalformedAnswer, match=r"testaBastjanstInformationResponse in namespace .*ssbt/10"):
        parse_test_answer(ping, V11)
    assert parse_test_answer(ping, V10)[Authority.AF].state == "ok"


def _register():
    from robot.adapters.ssbtek.simulator import load_register

    return load_register(REGISTER_FILE)


def test_a_client_speaking_v11_to_a_v10_service_is_told_which_version_it_speaks():
    async def ask(url: str, protocol: str):
        source = SoapRegisterSource(Settings(ssbtek={"url": url, "retries": 0, "protocol": protocol}))
        try:
            return await source.fetch(RegisterRequest("GBG-1", "2026-12", (WORKER,), frozenset()))
        finally:
            await source.aclose()

    with ssbtek_simulator(REGISTER_FILE, contract=V10) as sim:
        with pytest.raises(SoapFault, match="felkod SSBT-VERSION"):
            asyncio.run(ask(sim.url, "v11"))
        assert sim.stats.calls == 1  # a refusal is not retried
        assert asyncio.run(ask(sim.url, "v10")).persons[WORKER].unavailable == []


# Skatteverket's parts ----------------------------------------------------------------------------


def skv(*parts: tuple[str, str], whole_error: bool = False) -> etree._Element:
    inner = "".join(f"<ssbt:{name}>{body}</ssbt:{name}>" for name, body in parts)
    if whole_error:
        inner += _error("SSBT", "SSBT-TIMEOUT", "Timeout")
    return etree.fromstring(f'<ssbt:SKV xmlns:ssbt="{V11.namespace}">{inner}</ssbt:SKV>')


def _error(kalla: str, felkod: str, text: str) -> str:
    return (
        f"<ssbt:error><ssbt:kalla>{kalla}</ssbt:kalla><ssbt:felkod>{felkod}</ssbt:felkod>"
        f"<ssbt:felmeddelande>{text}</ssbt:felmeddelande></ssbt:error>"
    )


def data(document) -> str:
    return f"<ssbt:data>{base64.b64encode(json.dumps(document).encode()).decode()}</ssbt:data>"


NOT_FOUND = _error("BT", "404", "Not found")
NO_BUSINESS = data({"foretag": {"godkandFskatt": False, "arbetsgivarregistrerad": False, "momsregistrerad": False}})
PAY = data({"individuppgifter": [{"redovisningsperiod": "202611", "kontantBruttolon": 9000, "avdragenSkatt": 1800}]})


def decode(element: etree._Element, asked=skv_parts.ASKED_PARTS) -> skv_parts.SkvParts:
    return skv_parts.decode(element, G, PERSON, asked)


def test_no_declarations_is_no_pay_not_an_unavailable_skatteverket():
    answer = decode(skv(("foretagsinformation", NOT_FOUND), ("individuppgifter", NOT_FOUND)))
    assert answer.unusable is None and answer.pay == () and answer.business is None
    assert answer.not_found == {"foretagsinformation", "individuppgifter"}


def test_declared_pay_is_skv_lon_with_tax_withheld():
    answer = decode(skv(("foretagsinformation", NO_BUSINESS), ("individuppgifter", PAY)))
    assert answer.unusable is None and answer.business is None
    assert answer.pay == (MONTHLY_PAY[1],)


@pytest.mark.parametrize(
    ("element", "felkod"),
    [
        (skv(("foretagsinformation", NO_BUSINESS), ("individuppgifter", _error("BT", "500", "Fel"))), "500"),
        (skv(("foretagsinformation", NO_BUSINESS), ("individuppgifter", _error("SSBT", "404", "Timeout"))), "404"),
        (skv(("foretagsinformation", _error("BT", "503", "Fel")), ("individuppgifter", PAY)), "503"),
        (skv(("foretagsinformation", NO_BUSINESS)), "NO_ANSWER"),
        (skv(("foretagsinformation", NO_BUSINESS), ("individuppgifter", data({"x": 1}))), "UNREADABLE"),
        (
            skv(("foretagsinformation", data({"foretag": {"godkandFskatt": True}})), ("individuppgifter", PAY)),
            "UNREADABLE",
        ),
        (skv(("foretagsinformation", "<ssbt:data>inte base64!</ssbt:data>"), ("individuppgifter", PAY)), "UNREADABLE"),
        (skv(("foretagsinformation", NO_BUSINESS), ("individuppgifter", PAY), whole_error=True), "SSBT-TIMEOUT"),
        (skv(("data", "<svar>v10</svar>")), "UNREADABLE"),
    ],
    ids=[
        "pay-error",
        "404-not-from-the-agency",
        "business-error",
        "pay-missing",
        "pay-unreadable",
        "business-flag-missing",
        "business-not-base64",
        "whole-skv-error",
        "v10-shaped-skv-in-a-v11-answer",
    ],
)
def test_a_part_the_rules_use_that_gave_nothing_makes_skatteverket_unavailable(element, felkod):
    answer = decode(element)
    assert answer.unusable is not None and answer.unusable.felkod == felkod


def test_a_part_the_rules_do_not_use_is_recorded_and_changes_nothing():
    answer = decode(
        skv(
            ("foretagsinformation", NO_BUSINESS),
            ("individuppgifter", PAY),
            ("skattekonto", _error("BT", "500", "Fel")),
            ("skatteuppgifter", data({"beslutadeSkatteuppgifter": [{"beskattningsar": 2025, "sumKapital": -3}]})),
        )
    )
    assert answer.unusable is None and answer.pay == (MONTHLY_PAY[1],)
    assert answer.errors["skattekonto"].felkod == "500"
    assert [(a.year, a.capital) for a in answer.assessments] == [(2025, -3)]


def test_a_registration_for_business_is_read_from_any_company():
    companies = {
        "foretag": [
            {"godkandFskatt": False, "arbetsgivarregistrerad": False, "momsregistrerad": False},
            {"godkandFskatt": False, "arbetsgivarregistrerad": True, "momsregistrerad": False},
        ]
    }
    answer = decode(skv(("foretagsinformation", data(companies)), ("individuppgifter", NOT_FOUND)))
    assert answer.business == BusinessRegistration(f_skatt=False, employer=True, vat=False)


lon = st.builds(
    RegisterIncome,
    source=st.just("SKV"),
    type=st.just(IncomeType.lon),
    month=st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2000, 2099), st.integers(1, 12)),
    amount=st.integers(0, 9_999_999),
    tax_withheld=st.none() | st.integers(0, 9_999_999),
)


@settings(max_examples=100, deadline=None)
@given(incomes=st.lists(lon, max_size=6))
def test_declarations_round_trip_through_the_assumed_shape(incomes):
    assert individuppgifter.decode(individuppgifter.encode(incomes), PERSON) == incomes


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(
    document=json_values
    | st.fixed_dictionaries({"individuppgifter": st.lists(st.dictionaries(st.sampled_from(
        ["redovisningsperiod", "kontantBruttolon", "avdragenSkatt", "personnummer"]), json_values), max_size=3)})
)  # fmt: skip
def test_any_declaration_document_is_pay_or_a_payload_error(document):
    encoded = base64.b64encode(json.dumps(document).encode()).decode()
    try:
        incomes = individuppgifter.decode(encoded, PERSON)
    except PayloadError:
        return
    assert all(i.source == "SKV" and i.type is IncomeType.lon for i in incomes)


@settings(max_examples=200, deadline=None)
@given(document=json_values)
def test_any_business_document_is_a_registration_or_a_payload_error(document):
    encoded = base64.b64encode(json.dumps(document).encode()).decode()
    try:
        found = skv_parts.decode_business(encoded)
    except PayloadError:
        return
    assert isinstance(found, BusinessRegistration)


# From SSBTEK to the verdict ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("business", "codes"),
    [(None, ["INKOMST_AVVIKER"]), ({"f_skatt": True}, ["NARINGSVERKSAMHET", "INKOMST_AVVIKER"])],
)  # the application declares its pay gross: INKOMST_AVVIKER either way
def test_a_registered_business_read_from_ssbtek_sends_the_application_to_manual(business, codes):
    import datetime as dt

    from robot.chain.engine import evaluate
    from robot.chain.inputs import Circumstances
    from robot.chain.ruleset import load_ruleset
    from robot.chain.stickprov import StickprovInput
    from robot.formats.application import parse_application
    from robot.formats.register import Register
    from tests.conftest import RULES
    from tests.sources_fixture import APPLICATIONS

    sample = _register()
    if business is not None:
        registration = BusinessRegistration(f_skatt=True, employer=False, vat=False)
        worker = sample.persons[WORKER].model_copy(update={"business": registration})
        sample = sample.model_copy(update={"persons": {**sample.persons, WORKER: worker}})

    async def ask(url: str):
        source = SoapRegisterSource(Settings(ssbtek={"url": url, "retries": 0}))
        try:
            return await source.fetch(RegisterRequest("GBG-2026-12-000123", "2026-12", (WORKER,), frozenset()))
        finally:
            await source.aclose()

    with ssbtek_simulator(sample) as sim:
        register = asyncio.run(ask(sim.url))
    assert register.persons[WORKER].business == (registration if business else None)
    application = parse_application((APPLICATIONS / "000001-lon-med-skatt-och-barnbidrag.json").read_bytes())
    verdict = evaluate(
        application,
        Register.model_validate(register.model_dump()),
        load_ruleset(RULES),
        StickprovInput(rate_override=0.0),
        circumstances=Circumstances(as_of=dt.date(2026, 12, 20)),
    ).verdict
    assert [r.code for r in verdict.reasons] == codes
    assert verdict.outcome == "manual"
