"""Arbetsförmedlingen, the a-kassor and Skatteverket in SSBTEK: real-shaped answers decoded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from robot.adapters.decoding import PayloadError
from robot.adapters.ssbtek import skv
from robot.adapters.ssbtek.af import parse_af, report_code
from robot.adapters.ssbtek.response import parse_saved_answer
from robot.adapters.ssbtek.so import parse_so
from robot.adapters.ssbtek.soap import AF, SO
from robot.formats.application import IncomeType
from robot.formats.register import AF_UNKNOWN, AfInfo, Authority, Register, RegisterIncome

PNR = "199001011234"


def af_data(info: str, lookup: str = "0", person: str = PNR, tom: str | None = "2026-11-30") -> etree._Element:
    """AF's data; `tom` None: without the echo of the question (`Fraga`), as AF's real answers come."""
    fraga = (
        "<af:Fraga><af:OrganisationsnummerForIngivare>162120001355</af:OrganisationsnummerForIngivare>"
        "<af:NamnPaIngivare>Göteborgs Stad</af:NamnPaIngivare><af:KontonamnForHandlaggare>x</af:KontonamnForHandlaggare>"
        f"<af:Referensnummer>GBG-1</af:Referensnummer><af:From>2026-10-01</af:From><af:Tom>{tom}</af:Tom>"
        "<af:SyfteMedFraga>x</af:SyfteMedFraga><af:LagParagraf>x</af:LagParagraf>"
        f"<af:IdentitetsbeteckningFysiskPerson>{PNR}</af:IdentitetsbeteckningFysiskPerson></af:Fraga>"
    )
    return etree.fromstring(
        f'<data xmlns:af="{AF}">{fraga if tom is not None else ""}'
        "<af:Svar><af:Schemaversion>4.0</af:Schemaversion><af:Referensnummer>GBG-1</af:Referensnummer>"
        f"<af:LagParagraf>x</af:LagParagraf><af:IdentitetsbeteckningFysiskPerson>{person}</af:IdentitetsbeteckningFysiskPerson>"
        f"<af:Fornamn>Tolvan</af:Fornamn><af:Efternamn>Tolvansson</af:Efternamn>{info}"
        f"<af:Akassetillhorighet>Test ak</af:Akassetillhorighet><af:StatusSokandeinformationKod>{lookup}</af:StatusSokandeinformationKod>"
        "<af:StatusSokandeinformationKodText>Frågan har behandlats normalt och ett giltigt svar har returnerats."
        "</af:StatusSokandeinformationKodText></af:Svar></data>".encode()
    )


def registered(report: str | None = None, jobseeker: str = "true") -> str:
    latest = f"<af:SenasteAktivitetsRapportDatum>{report}</af:SenasteAktivitetsRapportDatum>" if report else ""
    return (
        f"<af:ArbetssokandeInfo><af:Arbetssokande>{jobseeker}</af:Arbetssokande><af:ArbetssokandeSKAT>Anställd</af:ArbetssokandeSKAT>"
        "<af:ArbetssokandeRegistrerad>2016-11-18+01:00</af:ArbetssokandeRegistrerad>"
        "<af:ArbetssokandeOmfattning>100</af:ArbetssokandeOmfattning>"
        f"<af:AktivetetsRapportDatum><af:AktivitetsRapportMeddelande>x</af:AktivitetsRapportMeddelande>{latest}"
        "</af:AktivetetsRapportDatum></af:ArbetssokandeInfo>"
    )


SINCE = dt.date(2016, 11, 18)


@pytest.mark.parametrize(
    ("info", "lookup", "expected"),
    [
        (registered("2026-11-09"), "0", AfInfo(status="inskriven", aktivitetsrapport=200, registered_since=SINCE)),
        (
            registered("2026-12-01+01:00"),
            "0",
            AfInfo(status="inskriven", aktivitetsrapport=200, registered_since=SINCE),
        ),
        (registered("2026-10-31"), "0", AfInfo(status="inskriven", aktivitetsrapport=501, registered_since=SINCE)),
        (registered(None), "0", AfInfo(status="inskriven", aktivitetsrapport=501, registered_since=SINCE)),
        (
            registered("2026-11-09", "false"),
            "0",
            AfInfo(status="ej_inskriven", aktivitetsrapport=500, registered_since=SINCE),
        ),
        ("", "0", AfInfo(status="ej_inskriven", aktivitetsrapport=500)),
        (registered("2026-11-09"), "3", AfInfo(status="inskriven", aktivitetsrapport=502, registered_since=SINCE)),
    ],
    ids=["filed-in-m1", "filed-after", "filed-before", "never-filed", "not-jobseeker", "no-info", "lookup-failed"],
)
def test_af_registration_and_activity_report_come_from_arbetssokandeinfo(info, lookup, expected):
    assert parse_af(af_data(info, lookup), PNR) == expected


def test_an_arbetssokandeinfo_without_the_report_element_is_read_as_no_report():
    info = (
        "<af:ArbetssokandeInfo><af:Arbetssokande>true</af:Arbetssokande>"
        "<af:ArbetssokandeRegistrerad>2016-11-18+01:00</af:ArbetssokandeRegistrerad></af:ArbetssokandeInfo>"
    )
    assert parse_af(af_data(info), PNR).aktivitetsrapport == 501


def test_the_control_month_is_af_s_echo_of_the_question():
    assert parse_af(af_data(registered("2026-11-09"), tom="2026-12-31"), PNR).aktivitetsrapport == 501


def test_the_questions_control_month_is_used_when_the_answer_does_not_echo_it():
    assert parse_af(af_data(registered("2026-11-09"), tom=None), PNR, "2026-11").aktivitetsrapport == 200
    assert parse_af(af_data(registered("2026-11-09"), tom=None), PNR, "2026-12").aktivitetsrapport == 501
    assert parse_af(af_data(registered("2026-11-09"), tom="2026-12-31"), PNR, "2026-11").aktivitetsrapport == 200


def test_without_fraga_and_without_the_question_a_report_date_cannot_be_judged():
    with pytest.raises(PayloadError) as caught:
        parse_af(af_data(registered("2026-11-09"), tom=None), PNR)
    assert caught.value.felkod == "AF_KONTROLLMANAD"
    # What needs no control month is still read: never filed, not registered.
    assert parse_af(af_data(registered(None), tom=None), PNR).aktivitetsrapport == 501
    assert parse_af(af_data(registered(None, "false"), tom=None), PNR).status == "ej_inskriven"


REAL_AF = Path(__file__).parent / "fixtures/ssbtek/af-answer-no-fraga.xml"


def test_a_real_shaped_af_answer_without_fraga_and_report_element_is_read():
    answer = parse_saved_answer(REAL_AF.read_bytes(), PNR)
    assert answer.errors == {}
    assert answer.person.af == AfInfo(status="inskriven", aktivitetsrapport=501, registered_since=SINCE)


def test_a_failed_lookup_that_says_nothing_of_the_person_is_unknown_not_ej_inskriven():
    assert parse_af(af_data("", lookup="1"), PNR) == AF_UNKNOWN
    assert AF_UNKNOWN.status == "okand" and AF_UNKNOWN.aktivitetsrapport == 502


def test_an_arbetssokandeinfo_without_arbetssokande_is_unreadable_not_ej_inskriven():
    info = "<af:ArbetssokandeInfo><af:ArbetssokandeRegistrerad>2016-11-18</af:ArbetssokandeRegistrerad></af:ArbetssokandeInfo>"
    with pytest.raises(PayloadError, match="Arbetssokande"):
        parse_af(af_data(info), PNR)


def test_an_unavailable_af_is_unknown_in_register_1_never_ej_inskriven():
    text = REAL_AF.read_text(encoding="utf-8")
    error = (
        "<ssbt:AF><ssbt:error><ssbt:kalla>BT</ssbt:kalla><ssbt:felkod>BT-503</ssbt:felkod>"
        "<ssbt:felmeddelande>x</ssbt:felmeddelande></ssbt:error></ssbt:AF>"
    )
    answered_with_an_error = text[: text.index("<ssbt:AF>")] + error + text[text.index("</ssbt:AF>") + 10 :]
    unreadable = text.replace("<er:Arbetssokande>true</er:Arbetssokande>", "")
    for body in (answered_with_an_error, unreadable):
        answer = parse_saved_answer(body.encode(), PNR)
        assert answer.person.unavailable == [Authority.AF]
        assert answer.person.af == AF_UNKNOWN
    with pytest.raises(ValueError, match="okand"):
        AfInfo(status="okand", aktivitetsrapport=500)


def test_an_unknown_af_goes_to_manual_as_not_fetched_never_as_not_registered():
    import json

    from robot.chain.engine import evaluate_raw
    from robot.chain.inputs import Circumstances
    from robot.chain.ruleset import load_ruleset
    from robot.chain.stickprov import StickprovInput
    from tests.builders import APPLICANT, application, raw, register
    from tests.conftest import RULES

    unknown = {"af": AF_UNKNOWN.model_dump(mode="json"), "unavailable": ["AF"]}
    reg = Register.model_validate_json(json.dumps(register(**{APPLICANT: unknown})), strict=True)
    off = StickprovInput(key=b"k", rate_override=0.0)
    verdict = evaluate_raw(
        raw(application()), reg, load_ruleset(RULES), off, circumstances=Circumstances(as_of=dt.date(2026, 12, 20))
    ).verdict
    assert verdict.outcome == "manual"
    assert "SSBTEK_EJ_TILLGANGLIG" in verdict.reason_codes()
    assert "AF_EJ_INSKRIVEN" not in verdict.reason_codes()


def test_report_codes():
    assert report_code(0, True, dt.date(2026, 11, 1), "2026-11") == 200
    assert report_code(0, True, dt.date(2026, 10, 31), "2026-11") == 501
    assert report_code(0, False, dt.date(2026, 11, 1), "2026-11") == 500
    assert report_code(7, True, dt.date(2026, 11, 1), "2026-11") == 502


@pytest.mark.parametrize(
    ("data", "felkod"),
    [
        (af_data(registered("2026-11-09"), person="198503142385"), "ANNAN_PERSON"),
        (af_data(registered("2026-11-09"), lookup="noll"), "UNREADABLE"),
        (af_data(registered("igår")), "UNREADABLE"),
        (etree.fromstring(f'<data xmlns:af="{AF}"/>'.encode()), "UNREADABLE"),
    ],
    ids=["other-person", "lookup-not-a-number", "bad-date", "no-svar"],
)
def test_af_answers_that_cannot_be_used_make_af_unavailable(data, felkod):
    with pytest.raises(PayloadError) as caught:
        parse_af(data, PNR)
    assert caught.value.felkod == felkod


# The a-kassor ---------------------------------------------------------------------------------


def so_data(*kassor: tuple[str, list[tuple[str, str]]], person: str = PNR) -> etree._Element:
    parts = [
        f"<in:Arbetsloshetsersattning><in:SvarandeOrganisation>Kassan {n}</in:SvarandeOrganisation>"
        f"<in:StatusSvarandeOrganisation>{status}</in:StatusSvarandeOrganisation>"
        + "".join(
            f"<in:Utbetalningar><in:Utbetalningsdatum>{paid}</in:Utbetalningsdatum><in:NettoEfterSkatt>{net}</in:NettoEfterSkatt>"
            f"<in:NettoEfterAvdrag>{net}</in:NettoEfterAvdrag><in:Ersattningsdagar>4.5</in:Ersattningsdagar>"
            "<in:AvserFrom>2026-09-01</in:AvserFrom><in:AvserTom>2026-09-05</in:AvserTom></in:Utbetalningar>"
            for paid, net in payments
        )
        + "</in:Arbetsloshetsersattning>"
        for n, (status, payments) in enumerate(kassor)
    ]
    return etree.fromstring(
        f'<data xmlns:in="{SO}"><in:OrganisationsnummerIngivare>162000000001</in:OrganisationsnummerIngivare>'
        f"<in:IdentificationNumber>{person}</in:IdentificationNumber>"
        f"<in:ArbetsloshetsersattningLista>{''.join(parts)}</in:ArbetsloshetsersattningLista></data>".encode()
    )


def test_a_kassa_payments_are_net_after_tax_in_the_month_paid():
    data = so_data(("all clear", [("2026-11-25", "1600.00"), ("2026-10-25", "1250.50")]), ("OK", []))
    assert parse_so(data, PNR) == [
        RegisterIncome(source="SO", type=IncomeType.a_kassa, month="2026-11", amount=1600),
        RegisterIncome(source="SO", type=IncomeType.a_kassa, month="2026-10", amount=1251),
    ]


def test_no_a_kassa_answering_is_no_income():
    assert parse_so(so_data(), PNR) == []


@pytest.mark.parametrize("status", ["FEL", "1", "", "Tekniskt fel"])
def test_an_a_kassa_with_an_error_status_makes_so_unavailable_even_beside_a_good_answer(status):
    data = so_data(("OK", [("2026-11-25", "1600")]), (status, []))
    with pytest.raises(PayloadError) as caught:
        parse_so(data, PNR)
    assert caught.value.felkod == "SO_STATUS"


def test_the_answered_statuses_can_be_configured():
    data = so_data(("0", [("2026-11-25", "1600")]))
    with pytest.raises(PayloadError):
        parse_so(data, PNR)
    assert parse_so(data, PNR, answered=["0"])[0].amount == 1600


def test_an_a_kassa_answer_about_someone_else_is_refused():
    with pytest.raises(PayloadError) as caught:
        parse_so(so_data(person="198503142385"), PNR)
    assert caught.value.felkod == "ANNAN_PERSON"


# Skatteverket's yearly assessment -------------------------------------------------------------

YEARLY = f"""<?xml version="1.0" encoding="UTF-8"?>
<SvarBeskattningsuppgifterEnligtSFS2008-975 xmlns="{skv.NS}" xmlns:besko="{skv.BESKO}" xmlns:folko="{skv.FOLKO}">
    <PersonuppgiftLista>
        <Personuppgift>
            <folko:IdentitetsbeteckningFysiskPerson>{PNR}</folko:IdentitetsbeteckningFysiskPerson>
            <folko:Fornamn>Berit</folko:Fornamn>
            <StatusPersonuppgiftKod>999</StatusPersonuppgiftKod>
            <Kapitaluppgift>
                <besko:Taxeringsar>2025</besko:Taxeringsar>
                <besko:SummaIntakterPaKapital>12345</besko:SummaIntakterPaKapital>
                <besko:OverskottPaKapital>666</besko:OverskottPaKapital>
            </Kapitaluppgift>
        </Personuppgift>
    </PersonuppgiftLista>
</SvarBeskattningsuppgifterEnligtSFS2008-975>"""


def test_the_yearly_assessment_is_decoded_and_carries_no_monthly_salary():
    assessment = skv.decode_answer(YEARLY, PNR)
    assert assessment == skv.SkvAssessment(
        found=True, status="999", capital=(skv.CapitalIncome(taxation_year=2025, income=12345, surplus=666),)
    )
    assert skv.decode_answer(YEARLY, "198503142385").found is False


def test_the_simulators_yearly_assessment_reads_back():
    assert skv.decode_answer(skv.encode_answer(PNR, 2025), PNR).capital == (skv.CapitalIncome(2025, 0, 0),)


@pytest.mark.parametrize("text", ["{}", "<a/>", YEARLY.replace("12345", "många")])
def test_anything_else_in_skatteverkets_svar_is_unreadable(text):
    with pytest.raises(PayloadError):
        skv.decode_answer(text, PNR)


def _af_elements() -> list[str]:
    """Paths (local names from data) of every element in the real-shaped AF answer."""
    data = etree.fromstring(REAL_AF.read_bytes()).find(".//{*}AF/{*}data")
    return [data.getroottree().getelementpath(e) for e in data.iter() if e is not data]


@settings(max_examples=150, deadline=None)
@given(
    path=st.sampled_from(_af_elements()),
    change=st.none() | st.sampled_from(["", "true", "false", "1", "0", "2026-11-09", "x", "-1"]),
    control_month=st.none() | st.sampled_from(["2026-10", "2026-11"]),
)
def test_af_never_says_ej_inskriven_unless_its_answer_does(path, change, control_month):
    """Any one element removed (None) or its text replaced: a PayloadError, or a reading whose
    ej_inskriven comes from AF's own words (Arbetssokande false, or no ArbetssokandeInfo after a normal lookup)."""
    root = etree.fromstring(REAL_AF.read_bytes())
    data = root.find(".//{*}AF/{*}data")
    element = data.getroottree().find(path)
    if change is None:
        element.getparent().remove(element)
    else:
        element.text = change
    try:
        af = parse_af(data, PNR, control_month)
    except PayloadError:
        return
    svar = data.find(f"{{{AF}}}Svar")
    said = (svar.findtext(f"{{{AF}}}ArbetssokandeInfo/{{{AF}}}Arbetssokande") or "").strip()
    lookup = (svar.findtext(f"{{{AF}}}StatusSokandeinformationKod") or "").strip()
    if af.status == "ej_inskriven":
        assert said in ("false", "0") or (svar.find(f"{{{AF}}}ArbetssokandeInfo") is None and lookup == "0")
    if af.status == "okand":
        assert af.aktivitetsrapport == 502 and lookup != "0"
