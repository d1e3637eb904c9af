"""The invented payload forms (FK, CSN, SKV) and the published AF and SO answers, both directions."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robot.adapters.ssbtek import payloads
from robot.adapters.ssbtek.payloads import PayloadError
from robot.formats.application import MAX_AMOUNT, IncomeType
from robot.formats.register import RegisterIncome

months = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(1900, 2200), st.integers(1, 12))
amounts = st.integers(0, MAX_AMOUNT)


def incomes_of(source: str):
    return st.lists(
        st.builds(
            RegisterIncome,
            source=st.just(source),
            type=st.sampled_from(list(IncomeType)),
            month=months,
            amount=amounts,
        ),
        max_size=6,
    )


def b64(document) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


@settings(max_examples=60, deadline=None)
@given(incomes=incomes_of("FK"))
def test_fk_answers_round_trip(incomes):
    assert payloads.decode_fk_answer(payloads.encode_fk_answer(incomes)) == incomes


@settings(max_examples=60, deadline=None)
@given(incomes=incomes_of("CSN"))
def test_csn_answers_round_trip(incomes):
    assert payloads.decode_csn_answer(payloads.encode_csn_answer(incomes)) == incomes


@settings(max_examples=60, deadline=None)
@given(incomes=incomes_of("SKV"))
def test_skv_answers_round_trip(incomes):
    assert payloads.decode_skv_answer(payloads.encode_skv_answer(incomes)) == incomes


def test_the_documented_fk_example_decodes():
    text = b64({"utbetalningar": [{"formanstyp": "bostadsbidrag", "manad": "2026-11", "belopp": 1400}]})
    assert payloads.decode_fk_answer(text) == [
        RegisterIncome(source="FK", type=IncomeType.bostadsbidrag, month="2026-11", amount=1400)
    ]


def test_aliases_and_unknown_types():
    text = b64(
        {
            "utbetalningar": [
                {"formanstyp": "tillfallig_foraldrapenning", "manad": "2026-11", "belopp": 900},
                {"formanstyp": "garantipension", "manad": "2026-11", "belopp": 800},
                {"formanstyp": "nagot_nytt", "manad": "2026-11", "belopp": 100},
            ]
        }
    )
    assert [i.type for i in payloads.decode_fk_answer(text)] == [
        IncomeType.foraldrapenning,
        IncomeType.pension,
        IncomeType.ovrigt,
    ]
    csn = b64({"utbetalningar": [{"stodform": "studiebidrag", "manad": "2026-10", "belopp": 3000}]})
    assert payloads.decode_csn_answer(csn)[0].type == IncomeType.studiemedel
    skv = json.dumps({"inkomster": [{"inkomsttyp": "kontant_bruttolon", "period": "2026-11", "belopp": 6200}]})
    assert payloads.decode_skv_answer(skv)[0].type == IncomeType.lon


def test_decimal_amounts_are_rounded_half_up_to_whole_kronor():
    text = b64(
        {
            "utbetalningar": [
                {"formanstyp": "barnbidrag", "manad": "2026-11", "belopp": 1250.5},
                {"formanstyp": "barnbidrag", "manad": "2026-11", "belopp": "99.49"},
            ]
        }
    )
    assert [i.amount for i in payloads.decode_fk_answer(text)] == [1251, 99]


def test_base64_with_line_breaks_is_read():
    text = payloads.encode_fk_answer(
        [RegisterIncome(source="FK", type=IncomeType.barnbidrag, month="2026-11", amount=1250)]
    )
    wrapped = "\n".join(text[i : i + 20] for i in range(0, len(text), 20))
    assert payloads.decode_fk_answer(wrapped)[0].amount == 1250


@pytest.mark.parametrize(
    "text",
    [
        "not base64!",
        base64.b64encode(b"not json").decode(),
        b64([]),
        b64({"utbetalningar": "x"}),
        b64({"utbetalningar": [1]}),
        b64({"utbetalningar": [{"formanstyp": "barnbidrag", "manad": "2026-13", "belopp": 1}]}),
        b64({"utbetalningar": [{"formanstyp": "barnbidrag", "manad": "2026-11", "belopp": -1}]}),
        b64({"utbetalningar": [{"formanstyp": "barnbidrag", "manad": "2026-11", "belopp": MAX_AMOUNT + 1}]}),
        b64({"utbetalningar": [{"formanstyp": "barnbidrag", "manad": "2026-11", "belopp": True}]}),
        b64({"utbetalningar": [{"formanstyp": "barnbidrag", "manad": "2026-11", "belopp": "NaN"}]}),
        b64({"utbetalningar": [{"formanstyp": "barnbidrag", "manad": "2026-11"}]}),
        b64({"utbetalningar": [{"manad": "2026-11", "belopp": 1}]}),
    ],
)
def test_payloads_not_in_the_assumed_form_are_errors_without_values(text):
    with pytest.raises(PayloadError) as caught:
        payloads.decode_fk_answer(text)
    assert "2026" not in str(caught.value)


def test_skv_not_json_is_an_error():
    with pytest.raises(PayloadError):
        payloads.decode_skv_answer("<inkomster/>")


def test_fk_query_round_trips():
    import datetime as dt

    query = payloads.FkQuery("199001011234", dt.date(2026, 10, 1), dt.date(2026, 11, 30))
    assert payloads.decode_fk_query(payloads.encode_fk_query(query)) == query
    with pytest.raises(PayloadError):
        payloads.decode_fk_query(b64({"personnummer": "199001011234", "fromDatum": "x", "tomDatum": "y"}))
