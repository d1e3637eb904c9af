"""SSBTEK questions: generated envelopes follow the real contract (v11, and v10 when asked), for any person,
period and include set."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek import codes, lefi
from robot.adapters.ssbtek.request import (
    CONTRACT_ORDER,
    TEST_ENVELOPE,
    control_period,
    fetch_envelope,
    parse_question,
    ping_envelope,
    question_for,
    twelve_digit_organisationsnummer,
)
from robot.adapters.ssbtek.soap import FETCH, SSBT, TEST, V10, V11, body_element, contract_schema, schema_errors
from robot.config import Settings
from robot.formats.register import Authority

PNR = "198503142385"

personnummer = st.from_regex(r"[0-9]{12}", fullmatch=True)
months = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(1900, 2200), st.integers(1, 12))
authorities = st.frozensets(st.sampled_from(list(Authority)))
application_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", fullmatch=True)
free_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
organisationsnummer = st.from_regex(r"[0-9]{4}[2-9][0-9]{7}", fullmatch=True)


def make_settings(**ssbtek) -> Settings:
    return Settings(ssbtek={"url": "http://127.0.0.1:9/", **ssbtek})


def request(period: str = "2026-12", authorities: frozenset[Authority] = frozenset()) -> RegisterRequest:
    return RegisterRequest("GBG-2026-12-000123", period, (PNR,), authorities)


def test_the_control_period_is_m_minus_2_to_m_minus_1():
    assert control_period("2026-12") == (dt.date(2026, 10, 1), dt.date(2026, 11, 30))
    assert control_period("2026-01") == (dt.date(2025, 11, 1), dt.date(2025, 12, 31))
    assert control_period("2024-04") == (dt.date(2024, 2, 1), dt.date(2024, 3, 31))


def test_a_request_names_the_municipality_person_case_period_purpose_and_law():
    config = make_settings(fk_aktorsid="AKTOR-1")
    now = dt.datetime(2026, 11, 24, 9, 12, tzinfo=dt.UTC)
    question = question_for(config, request(), PNR, korrelationsid="k-1", now=now)
    payload = body_element(fetch_envelope(question))
    assert payload.tag == FETCH
    assert schema_errors(payload) == []
    g = f"{{{SSBT}}}"
    general = payload.find(f"{g}generellaFrageparametrar")
    assert general.findtext(f"{g}frageTidpunkt") == "2026-11-24T09:12:00+00:00"
    assert general.findtext(f"{g}korrelationsid") == "k-1"
    assert general.findtext(f"{g}fraganSkallInkluderasISvaret") == "false"
    assert general.findtext(f"{g}ingivare/{g}organisationsnummer") == "162120001355"
    assert general.findtext(f"{g}ingivare/{g}namn") == config.municipality.namn
    assert general.findtext(f"{g}ingivare/{g}handlaggare") == config.municipality.handlaggare
    assert general.findtext(f"{g}personidentitet") == PNR
    assert general.findtext(f"{g}arendeidentitet") == "GBG-2026-12-000123"
    assert general.findtext(f"{g}tidsperiod/{g}fromDatum") == "2026-10-01"
    assert general.findtext(f"{g}tidsperiod/{g}tomDatum") == "2026-11-30"
    assert general.findtext(f"{g}syfte") == config.ssbtek.syfte
    assert general.findtext(f"{g}lagtext") == config.ssbtek.lagtext

    specific = payload.find(f"{g}specifikaFrageparametrar")
    assert [child.tag.split("}")[1] for child in specific] == ["AF", "CSN", "FK", "SKV", "SO", "TNS", "MIV"]
    included = {child.tag.split("}")[1]: child.get("inkludera") for child in specific}
    assert included == {
        "AF": "true",
        "CSN": "true",
        "FK": "true",
        "SKV": "true",
        "SO": "true",
        "TNS": "false",
        "MIV": "false",
    }
    assert specific.findtext(f"{g}FK/{g}fraga/{g}version") == "v9"
    assert specific.findtext(f"{g}FK/{g}fraga/{g}aktorsid") == "AKTOR-1"
    question_json = json.loads(base64.b64decode(specific.findtext(f"{g}FK/{g}fraga/{g}lefiJsonFraga")))
    assert question_json == {
        "personnummer": PNR,
        "period": {"from": "2026-10-01", "tom": "2026-11-30"},
        "utbetalningar": list(codes.LEFI_GROUPS),
    }


def test_the_authorities_asked_are_the_configured_ones_and_those_the_rules_need():
    config = make_settings(include=["AF"])
    question = question_for(config, request(authorities=frozenset({Authority.SO, Authority.MIV})), PNR)
    assert question.include == {Authority.AF, Authority.SO, Authority.MIV}
    specific = body_element(fetch_envelope(question)).find(f"{{{SSBT}}}specifikaFrageparametrar")
    assert {child.tag.split("}")[1] for child in specific if child.get("inkludera") == "true"} == {"AF", "SO", "MIV"}
    assert specific.find(f"{{{SSBT}}}FK/{{{SSBT}}}fraga") is None


def test_without_an_aktorsid_the_simulators_placeholder_is_sent():
    question = question_for(make_settings(), request(), PNR)
    assert question.fk_aktorsid == "simulator"
    specific = body_element(fetch_envelope(question)).find(f"{{{SSBT}}}specifikaFrageparametrar")
    assert specific.findtext(f"{{{SSBT}}}FK/{{{SSBT}}}fraga/{{{SSBT}}}aktorsid") == "simulator"


def test_a_ten_digit_organisationsnummer_gets_the_prefix_16():
    assert twelve_digit_organisationsnummer("2120001355") == "162120001355"
    assert twelve_digit_organisationsnummer("212000-1355") == "162120001355"
    assert twelve_digit_organisationsnummer("162120001355") == "162120001355"


def test_markup_in_settings_is_escaped():
    config = Settings(
        ssbtek={"url": "http://x/", "syfte": 'a < b & c > "d" ]]> <!--', "lagtext": ""},
        municipality={"namn": "<Kommun & Co>", "handlaggare": "x\x00y"},
    )
    payload = body_element(fetch_envelope(question_for(config, request(), PNR)))
    assert schema_errors(payload) == []
    question = parse_question(payload)
    assert question.syfte == 'a < b & c > "d" ]]> <!--'
    assert question.namn == "<Kommun & Co>"
    assert question.handlaggare == "xy"


def test_the_ping_request_follows_the_contract():
    payload = body_element(TEST_ENVELOPE)
    assert payload.tag == TEST
    assert schema_errors(payload) == []
    for contract in (V10, V11):
        payload = body_element(ping_envelope(contract))
        assert payload.tag == contract.tag("testaBastjanstInformation")
        assert schema_errors(payload, contract_schema(contract)) == []


def test_the_v11_question_asks_skatteverket_for_its_parts_and_years_and_names_the_bitraden():
    config = make_settings(personuppgiftsbitraden=[{"organisationsnummer": "5560000001", "namn": "Driftbolaget AB"}])
    question = question_for(config, request("2026-01"), PNR)
    payload = body_element(fetch_envelope(question, V11))
    assert payload.tag == V11.tag("hamtaBastjanstInformation")
    assert schema_errors(payload, contract_schema(V11)) == []
    g = f"{{{V11.namespace}}}"
    fraga = payload.find(f"{g}specifikaFrageparametrar/{g}SKV/{g}fraga")
    assert [e.text for e in fraga.iterfind(f"{g}ar")] == ["2025"]  # the control period 2025-11-01 to 2025-12-31
    parts = {e.tag.split("}")[1]: e.text for e in fraga if e.tag != f"{g}ar"}
    assert parts == {
        "foretagsinformation": "true",
        "individuppgifter": "true",
        "skattekonto": "false",
        "skatteuppgifter": "false",
        "beskattningsbilagor": "false",
    }
    bitrade = payload.find(f"{g}generellaFrageparametrar/{g}personuppgiftsbitrade")
    assert (bitrade.findtext(f"{g}organisationsnummer"), bitrade.findtext(f"{g}namn")) == (
        "165560000001",
        "Driftbolaget AB",
    )
    back = parse_question(payload)
    assert back.skv_parts == {"foretagsinformation", "individuppgifter"} and back.skv_years == (2025,)
    assert back.personuppgiftsbitraden == (("165560000001", "Driftbolaget AB"),)


def test_a_question_over_two_years_asks_skatteverket_for_both():
    question = question_for(make_settings(), request("2027-01"), PNR)  # 2026-11-01 to 2026-12-31
    assert question.years_for_skv() == (2026,)
    question = question_for(make_settings(), request("2026-02"), PNR)  # 2025-12-01 to 2026-01-31
    assert question.years_for_skv() == (2025, 2026)
    g = f"{{{V11.namespace}}}"
    fraga = body_element(fetch_envelope(question, V11)).find(f"{g}specifikaFrageparametrar/{g}SKV/{g}fraga")
    assert [e.text for e in fraga.iterfind(f"{g}ar")] == ["2025", "2026"]


def test_the_v10_question_has_no_skatteverket_block_and_each_version_refuses_the_others_form():
    question = question_for(make_settings(), request(), PNR)
    v10, v11 = body_element(fetch_envelope(question, V10)), body_element(fetch_envelope(question, V11))
    g10 = f"{{{V10.namespace}}}"
    assert v10.find(f"{g10}specifikaFrageparametrar/{g10}SKV").get("inkludera") == "true"
    assert len(v10.find(f"{g10}specifikaFrageparametrar/{g10}SKV")) == 0
    assert schema_errors(v10, contract_schema(V10)) == []
    assert schema_errors(v10, contract_schema(V11)) != []  # another namespace
    assert schema_errors(v11, contract_schema(V10)) != []


@pytest.mark.parametrize("contract", [V11, V10], ids=["v11", "v10"])
@settings(max_examples=60, deadline=None)
@given(
    pnr=personnummer,
    period=months,
    include=authorities,
    needed=authorities,
    application_id=application_ids,
    org=organisationsnummer,
    namn=names,
    handlaggare=names,
    syfte=free_text,
    lagtext=free_text,
    aktorsid=st.none() | free_text,
    korrelationsid=st.none() | free_text,
    bitraden=st.lists(st.fixed_dictionaries({"organisationsnummer": organisationsnummer, "namn": names}), max_size=2),
)
def test_generated_requests_validate_against_the_xsd(
    contract,
    pnr,
    period,
    include,
    needed,
    application_id,
    org,
    namn,
    handlaggare,
    syfte,
    lagtext,
    aktorsid,
    korrelationsid,
    bitraden,
):
    config = Settings(
        ssbtek={
            "url": "http://x/",
            "include": sorted(include),
            "syfte": syfte,
            "lagtext": lagtext,
            "fk_aktorsid": aktorsid,
            "personuppgiftsbitraden": bitraden,
        },
        municipality={"organisationsnummer": org, "namn": namn, "handlaggare": handlaggare},
    )
    wanted = RegisterRequest(application_id, period, (pnr,), needed)
    question = question_for(config, wanted, pnr, korrelationsid=korrelationsid)
    payload = body_element(fetch_envelope(question, contract))
    assert payload.tag == contract.tag("hamtaBastjanstInformation")
    assert schema_errors(payload, contract_schema(contract)) == []

    back = parse_question(payload)
    assert back.personidentitet == pnr
    assert back.arendeidentitet == application_id
    assert (back.from_date, back.to_date) == control_period(period)
    assert back.include == include | needed
    assert (back.namn, back.handlaggare, back.syfte, back.lagtext) == (namn, handlaggare, syfte, lagtext)
    assert back.korrelationsid == korrelationsid
    assert len(back.organisationsnummer) == 12
    assert back.personuppgiftsbitraden == tuple((b["organisationsnummer"], b["namn"]) for b in bitraden)
    if contract is V11 and Authority.SKV in back.include:
        assert back.skv_parts == {"foretagsinformation", "individuppgifter"}
    if Authority.FK in back.include:
        asked = lefi.decode_question(back.fk_query)
        assert (asked.personnummer, asked.from_date, asked.to_date) == (pnr, *control_period(period))
        assert asked.groups == codes.LEFI_GROUPS
        assert back.fk_aktorsid == (aktorsid or "simulator")
        assert back.fk_version == "v9"


def test_contract_order_is_the_xsd_order():
    assert [a.value for a in CONTRACT_ORDER] == ["AF", "CSN", "FK", "SKV", "SO", "TNS", "MIV"]
