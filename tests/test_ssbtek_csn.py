"""CSN's part: base64 of a CSNSvar XML document, version 4.0 and the 3.0 still sent, decoded."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from robot.adapters.decoding import PayloadError
from robot.adapters.ssbtek import csn
from robot.adapters.ssbtek.csn import CsnPayment
from robot.formats.application import IncomeType
from robot.formats.register import RegisterIncome
from tests.contract_schemas import csn_errors

FIXTURES = Path(__file__).parent / "fixtures/ssbtek"
V3 = (FIXTURES / "csn-v3.xml").read_bytes()
V4 = (FIXTURES / "csn-v4.xml").read_bytes()
WEEKLY = (FIXTURES / "csn-v4-weekly.xml").read_bytes()
V3_PERSON = "199001011234"
V4_PERSON = "198807141232"


def b64(xml: bytes) -> str:
    return base64.b64encode(xml).decode()


def test_the_v4_fixture_is_valid_against_csns_schema():
    assert csn_errors(V4) == []


def test_a_v4_answer_gives_the_payments_made_in_their_months_grant_and_loan_together():
    answer = csn.read_answer(b64(V4), V4_PERSON)
    assert (answer.version, answer.result, answer.known) == ("4.0", "0", True)
    assert answer.payments == (
        CsnPayment("Studiemedel", dt.date(2026, 10, 25), True, 12324, 3568, 8756),
        CsnPayment("Studiemedel", dt.date(2026, 11, 25), True, 3568, 3568, 0),
        CsnPayment("Studiemedel", dt.date(2026, 12, 25), False, 12324, None, None),
        CsnPayment("Studiestartsstod", dt.date(2026, 11, 25), True, 9040, 9040, 0),
    )
    assert csn.decode_answer(b64(V4), V4_PERSON) == [
        RegisterIncome(source="CSN", type=IncomeType.studiemedel, month="2026-10", amount=12324),
        RegisterIncome(source="CSN", type=IncomeType.studiemedel, month="2026-11", amount=3568),
        RegisterIncome(source="CSN", type=IncomeType.studiemedel, month="2026-11", amount=9040),
    ]


def test_a_v3_answer_without_payments_is_no_income():
    answer = csn.read_answer(b64(V3), V3_PERSON)
    assert (answer.version, answer.known, answer.payments) == ("3.0", True, ())
    assert csn.decode_answer(b64(V3), V3_PERSON) == []


def test_ej_traff_is_a_person_csn_does_not_know_no_income():
    xml = V3.replace(b'Status="          "', 'Status="Ej träff"'.encode())
    answer = csn.read_answer(b64(xml), V3_PERSON)
    assert answer.known is False
    assert csn.decode_answer(b64(xml), V3_PERSON) == []


def test_a_result_code_other_than_0_makes_csn_unavailable():
    xml = V3.replace(b"<ResultatKod>0<", b"<ResultatKod>3<")
    with pytest.raises(PayloadError) as caught:
        csn.decode_answer(b64(xml), V3_PERSON)
    assert caught.value.felkod == "CSN_RESULTAT_3"


def test_an_answer_about_someone_else_makes_csn_unavailable():
    with pytest.raises(PayloadError, match="not in the answer"):
        csn.decode_answer(b64(V3), "198503142385")


def test_a_hemutrustningslan_paid_out_is_for_a_handlaggare_to_assess():
    xml = V4.replace(b"<p:HemutrustningsLan/>", _hut_payment())
    with pytest.raises(PayloadError) as caught:
        csn.decode_answer(b64(xml), V4_PERSON)
    assert caught.value.felkod == "FORMAN_KRAVER_BEDOMNING"
    assert csn.read_answer(b64(xml), V4_PERSON).payments[-1].loan == 50000


def _hut_payment() -> bytes:
    return (
        '<p:HemutrustningsLan xmlns:h="http://schema.csn.se/v4.0/hemutrustningslan"><p:Arenden><p:Arende lopnummer="1">'
        "<h:stodform>HUT</h:stodform><h:klartext>Hemutrustningslån</h:klartext><h:status>BESLUTAD</h:status>"
        "<h:UtbetalningsPlan><h:Utbetalning><t:utbetdatum>20261103</t:utbetdatum><t:utbetstatus>Utbetald</t:utbetstatus>"
        "<t:Utbetaldatider><t:Utbetaldtid><t:Beloppen><t:Belopp><t:beloppstyp>HUT</t:beloppstyp><t:klartext>Lån</t:klartext>"
        "<t:belopp>50000</t:belopp><t:totbelopp>50000</t:totbelopp></t:Belopp></t:Beloppen><t:totbelopp>50000</t:totbelopp>"
        "</t:Utbetaldtid></t:Utbetaldatider><t:totbelopp>50000</t:totbelopp></h:Utbetalning></h:UtbetalningsPlan>"
        "</p:Arende></p:Arenden></p:HemutrustningsLan>"
    ).encode()


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (b"not xml", "not well-formed"),
        (V3.replace(b'schemaVersion="3.0"', b'schemaVersion="5.0"'), "schema version"),
        (V3.replace(b"http://schema.csn.se/v3.0/kommunfraga", b"urn:other"), "schema version"),
        (V4.replace(b"<t:utbetdatum>20261025<", b"<t:utbetdatum>251026<"), "utbetdatum: not a date"),
        (V4.replace(b"<t:totbelopp>12324</t:totbelopp>\n", b"<t:totbelopp>tolv</t:totbelopp>\n"), "totbelopp"),
        (V4.replace(b"<t:totbelopp>3568</t:totbelopp>\n", b"<t:totbelopp>-3568</t:totbelopp>\n"), "add up"),
        (V4.replace(b">9040<", b">-9040<"), "outside 0"),
    ],
    ids=["not-xml", "version", "namespace", "date", "amount", "parts-disagree", "negative"],
)
def test_answers_not_in_the_contracts_form_are_unreadable(xml: bytes, message: str):
    person = V4_PERSON if b"8807141232" in xml else V3_PERSON
    with pytest.raises(PayloadError, match=message):
        csn.decode_answer(b64(xml), person)


def test_not_base64_is_unreadable():
    with pytest.raises(PayloadError, match="not base64"):
        csn.decode_answer("%%%", V3_PERSON)


def test_the_simulators_answers_are_valid_and_read_back():
    incomes = [
        RegisterIncome(source="CSN", type=IncomeType.studiemedel, month="2026-10", amount=12324),
        RegisterIncome(source="CSN", type=IncomeType.studiemedel, month="2026-11", amount=9_999_999),
    ]
    for text, expected in (
        (csn.encode_answer(incomes, V4_PERSON), incomes),
        (csn.encode_answer([], V4_PERSON, known=False), []),
    ):
        assert csn_errors(base64.b64decode(text)) == []
        assert csn.decode_answer(text, V4_PERSON) == expected
    grant_and_loan = csn.read_answer(csn.encode_answer(incomes[:1], V4_PERSON), V4_PERSON).payments[0]
    assert grant_and_loan.grant + grant_and_loan.loan == grant_and_loan.total == 12324


# Grant and loan: each type's totbelopp, not the weekly rate ------------------------------------


def test_grant_and_loan_are_each_types_totbelopp_not_the_weekly_rate():
    (paid, planned) = csn.read_answer(b64(WEEKLY), V3_PERSON).payments
    assert (paid.total, paid.grant, paid.loan) == (7820, 2684, 5136)
    assert (planned.paid, planned.grant, planned.loan) == (False, None, None)
    assert csn.decode_answer(b64(WEEKLY), V3_PERSON) == [
        RegisterIncome(source="CSN", type=IncomeType.studiemedel, month="2026-11", amount=7820)
    ]
    assert csn_errors(WEEKLY) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<t:totbelopp>2684<", b"<t:totbelopp>671<"),
        (b"<t:totbelopp>7820</t:totbelopp></t:Utbetaldtid>", b"<t:totbelopp>7821</t:totbelopp></t:Utbetaldtid>"),
        (b"<t:totbelopp>7820</t:totbelopp>\n", b"<t:totbelopp>7900</t:totbelopp>\n"),
        (b"<t:beloppstyp>GRUNDL<", b"<t:beloppstyp>NYTT<"),
    ],
    ids=["row-is-the-weekly-rate", "rows-vs-period", "period-vs-payment", "unknown-type"],
)
def test_a_payment_whose_parts_do_not_add_up_makes_csn_unavailable(old: bytes, new: bytes):
    assert old in WEEKLY
    with pytest.raises(PayloadError) as caught:
        csn.decode_answer(b64(WEEKLY.replace(old, new)), V3_PERSON)
    assert caught.value.felkod == "CSN_BELOPP"


def test_a_paid_payment_without_periods_keeps_its_total_and_no_split():
    xml = V4.replace(
        V4[V4.index(b"<t:Utbetaldatider><t:Utbetaldtid><t:Beloppen>") : V4.index(b"<t:totbelopp>3568</t:totbelopp>\n")],
        b"<t:Utbetaldatider/>",
    )
    payment = csn.read_answer(b64(xml), V4_PERSON).payments[1]
    assert (payment.paid, payment.total, payment.grant, payment.loan) == (True, 3568, None, None)


@given(
    amounts=st.lists(st.integers(min_value=0, max_value=9_999_999), min_size=1, max_size=3),
    month=st.sampled_from(["2026-02", "2026-10", "2026-11"]),
)
def test_the_simulators_payments_split_into_grant_and_loan_that_add_up_and_differ_from_the_weekly_rate(
    amounts: list[int], month: str
):
    incomes = [RegisterIncome(source="CSN", type=IncomeType.studiemedel, month=month, amount=a) for a in amounts]
    text = csn.encode_answer(incomes, V4_PERSON)
    for payment, amount in zip(csn.read_answer(text, V4_PERSON).payments, amounts, strict=True):
        assert payment.grant is not None and payment.loan is not None
        assert payment.grant + payment.loan == payment.total == amount
    rows = etree.fromstring(base64.b64decode(text)).iterfind(".//{*}Belopp")
    for row in rows:  # the weekly rate is below the payment's amount of the type, as in CSN's answers
        weekly, total = int(row.findtext("{*}belopp")), int(row.findtext("{*}totbelopp"))
        assert weekly < total or total == 0
