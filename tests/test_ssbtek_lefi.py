"""Försäkringskassan's part (Lefi v9): the question as Lefi defines it, and real-shaped answers decoded."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from robot.adapters.decoding import PayloadError
from robot.adapters.ssbtek import codes, lefi
from robot.formats.application import IncomeType
from robot.formats.register import RegisterIncome
from tests.contract_schemas import LEFI, lefi_errors

ANSWER = json.loads((Path(__file__).parent / "fixtures/ssbtek/lefi-answer.json").read_text(encoding="utf-8"))
PNR = "199001011234"


def b64(document: Any) -> str:
    return base64.b64encode(json.dumps(document, ensure_ascii=False).encode()).decode()


def decode(document: Any, **options) -> list[tuple[str, str, int]]:
    return [(i.type.value, i.month, i.amount) for i in lefi.decode_answer(b64(document), **options)]


def changed(**replacements: Any) -> dict[str, Any]:
    document = copy.deepcopy(ANSWER)
    document.update(replacements)
    return document


def enum(name: str) -> list[str]:
    return yaml.safe_load(LEFI.read_text(encoding="utf-8"))["components"]["schemas"][name]["enum"]


# The question ---------------------------------------------------------------------------------


def test_the_question_is_a_lefi_question_for_payments_of_every_benefit_group():
    question = lefi.LefiQuestion(PNR, dt.date(2026, 10, 1), dt.date(2026, 11, 30))
    document = json.loads(base64.b64decode(lefi.encode_question(question)))
    assert lefi_errors(document, "LefiExternFormansinformationFraga") == []
    assert document["personnummer"] == PNR
    assert document["period"] == {"from": "2026-10-01", "tom": "2026-11-30"}
    # Every group the contract defines is asked for, so that no benefit is left out unseen.
    assert sorted(document["utbetalningar"]) == sorted(enum("LefiExternFormanGruppKod"))
    assert set(document) == {"personnummer", "period", "utbetalningar"}
    assert lefi.decode_question(lefi.encode_question(question)) == question


@pytest.mark.parametrize(
    "document",
    [{"personnummer": PNR, "period": {"from": "2026-10-01", "tom": "2026-11-30"}}, {"personnummer": PNR}, [], "x"],
)
def test_a_question_lefi_would_refuse_is_refused_by_the_simulator(document):
    with pytest.raises(PayloadError):
        lefi.decode_question(b64(document))


# The answer -----------------------------------------------------------------------------------


def test_a_real_shaped_answer_gives_each_payment_after_tax_in_its_payment_month():
    assert decode(ANSWER) == [
        ("bostadsbidrag", "2026-11", 1400),  # untaxed: the gross is the net
        ("sjukpenning", "2026-11", 6169),  # 8 812,50 − 2 644 tax (the utmätning is not subtracted), half up
        ("barnbidrag", "2026-10", 2650),  # no skattebelopp: nothing withheld
        ("bostadsbidrag", "2026-11", 2400),  # Pensionsmyndigheten: bostadstillägg row, untaxed
        ("pension", "2026-11", 8840),  # the rest of 14 200 − 2 960 tax
    ]
    assert {i.source for i in lefi.decode_answer(b64(ANSWER))} == {"FK"}


def test_the_family_may_carry_its_provider_prefix():
    document = copy.deepcopy(ANSWER)
    document["formansinformation"]["utbetalningsuppgift"][0]["formansfamilj"]["id"] = "FK:BOB"
    assert decode(document)[0] == ("bostadsbidrag", "2026-11", 1400)


def test_an_answer_without_payments_is_no_income():
    assert decode({"utlamnare": ANSWER["utlamnare"], "avvikelser": {}}) == []


@pytest.mark.parametrize(
    ("utlamnare", "felkod"),
    [
        ([ANSWER["utlamnare"][0]], "LEFI_PM_SAKNAS"),
        (
            [ANSWER["utlamnare"][0], {"utlamnare": {"kod": "PM"}, "tillstand": {"kod": "OTILLGANGLIG"}}],
            "LEFI_PM_OTILLGANGLIG",
        ),
        ([{"utlamnare": {"kod": "FK"}, "tillstand": {"kod": "FELANDE"}}, ANSWER["utlamnare"][1]], "LEFI_FK_FELANDE"),
        ([], "LEFI_FK_SAKNAS"),
    ],
    ids=["pm-payments-but-not-listed", "pm-unavailable", "fk-failing", "fk-payments-but-none-listed"],
)
def test_a_provider_that_did_not_contribute_makes_fk_unavailable(utlamnare, felkod):
    with pytest.raises(PayloadError) as caught:
        decode(changed(utlamnare=utlamnare))
    assert caught.value.felkod == felkod


def test_an_answer_listing_no_provider_at_all_is_unavailable():
    with pytest.raises(PayloadError) as caught:
        decode({"utlamnare": [], "avvikelser": {}})
    assert caught.value.felkod == "LEFI_UTLAMNARE_SAKNAS"


def test_only_the_providers_asked_must_have_answered():
    assert decode(changed(utlamnare=[ANSWER["utlamnare"][0]], utbetalningar=[]), providers=["FK"])


def test_a_provider_the_question_asked_must_be_listed_even_without_payments():
    fk_only = changed(utlamnare=[ANSWER["utlamnare"][0]], utbetalningar=[])
    with pytest.raises(PayloadError) as caught:
        decode(fk_only, providers=lefi.providers_asked(None))  # the robot's question asks PM's groups too
    assert caught.value.felkod == "LEFI_PM_SAKNAS"
    assert decode(fk_only)  # a saved answer, question unknown: judged by its own list


def test_the_providers_asked_are_read_from_the_question():
    assert lefi.providers_asked(None) == frozenset({"FK", "PM"})
    only_fk = lefi.LefiQuestion(PNR, dt.date(2026, 10, 1), dt.date(2026, 11, 30), groups=("FK:SJP", "FK:ABB"))
    assert lefi.providers_asked(lefi.encode_question(only_fk)) == frozenset({"FK"})


def fk_openapi_example() -> dict[str, Any]:
    """The answer in Försäkringskassan's own OpenAPI description ("Sjukpenningsinformation hämtad")."""
    paths = yaml.safe_load(LEFI.read_text(encoding="utf-8"))["paths"]
    post = paths["/lefi-extern-formansinformation/v9/aktorer/{aktorsId}/formansinformation/fraga"]["post"]
    examples = post["responses"]["200"]["content"]["application/json"]["examples"]
    return json.loads(json.dumps(examples["Sjukpenningsinformation hämtad"]["value"], default=str))


def test_fks_own_openapi_example_is_available():
    example = fk_openapi_example()
    assert [u["utlamnare"]["kod"] for u in example["utlamnare"]] == ["FK"]  # PM not concerned, not listed
    assert lefi.decode_answer(b64(example)) == []
    assert lefi.decode_answer(b64(example), providers=["FK"]) == []


def test_a_deviation_for_a_group_asked_makes_fk_unavailable():
    deviation = {"utbetalningar": [{"avvikelse": {"kod": "OBEHORIG"}, "formansgrupp": {"kod": "FK:US"}}]}
    with pytest.raises(PayloadError, match=r"FK:US not delivered \(OBEHORIG\)") as caught:
        decode(changed(avvikelser=deviation))
    assert caught.value.felkod == "LEFI_AVVIKELSE_OBEHORIG"
    assert decode(changed(avvikelser={"utbetalningar": []}))


@pytest.mark.parametrize("family", ["XYZ", "FK:BST", "PJOB"])
def test_an_unknown_benefit_makes_fk_unavailable_never_zero(family):
    document = copy.deepcopy(ANSWER)
    document["formansinformation"]["utbetalningsuppgift"][0]["formansfamilj"]["id"] = family
    with pytest.raises(PayloadError, match="benefit") as caught:
        decode(document)
    assert caught.value.felkod == "OKAND_FORMAN"


@pytest.mark.parametrize("family", ["MEK", "HE", "OMV", "VB"])
def test_a_benefit_for_a_handlaggare_to_assess_makes_fk_unavailable(family):
    document = copy.deepcopy(ANSWER)
    document["formansinformation"]["utbetalningsuppgift"][0]["formansfamilj"]["id"] = family
    with pytest.raises(PayloadError, match="assess") as caught:
        decode(document)
    assert caught.value.felkod == "FORMAN_KRAVER_BEDOMNING"


def test_a_pensionsmyndigheten_payment_without_rows_names_no_benefit():
    document = copy.deepcopy(ANSWER)
    document["utbetalningar"][0]["utbetalningsrader"] = []
    with pytest.raises(PayloadError) as caught:
        decode(document)
    assert caught.value.felkod == "OKAND_FORMAN"


def test_an_unknown_pensionsmyndigheten_group_is_an_unknown_benefit():
    document = copy.deepcopy(ANSWER)
    document["utbetalningar"][0]["utbetalningsrader"][1]["formansgrupp"]["kod"] = "PM:XX"
    with pytest.raises(PayloadError) as caught:
        decode(document)
    assert caught.value.felkod == "OKAND_FORMAN"


def test_pensionsmyndighetens_other_deductions_are_not_tax():
    document = copy.deepcopy(ANSWER)
    payment = document["utbetalningar"][0]
    payment["utbetalningsrader"] = payment["utbetalningsrader"][:1]
    payment["avdrag"].append({"belopp": 700, "avdragstyp": {"kod": "PM:UTMATNING", "beskrivning": "Utmätning"}})
    payment["nettobelopp"] = 14200 - 2960 - 700
    assert decode(document)[-1] == ("pension", "2026-11", 14200 - 2960)


# Pensionsmyndigheten's deductions: their sign checked, the net reconciled with nettobelopp -----

NEGATIVE_AVDRAG = json.loads(
    (Path(__file__).parent / "fixtures/ssbtek/lefi-pm-negative-avdrag.json").read_text(encoding="utf-8")
)


def test_deductions_written_as_negative_numbers_give_the_payments_own_net():
    # Read as gross − avdrag, the -1 826 once gave 14 226: 3 652 kr above the payment's own nettobelopp.
    assert decode(NEGATIVE_AVDRAG) == [("pension", "2026-11", 10574)]
    assert NEGATIVE_AVDRAG["utbetalningar"][0]["nettobelopp"] == 10574


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.update(nettobelopp=12400 + 1826),  # the net of neither reading: a guess either way
        lambda p: p.pop("nettobelopp"),
        lambda p: p["avdrag"].append({"belopp": 500, "avdragstyp": {"kod": "PM:UTMATNING", "beskrivning": "x"}}),
        lambda p: p.update(nettobelopp=12400),  # a deduction the net does not show
    ],
    ids=["net-above-gross", "no-net", "mixed-signs", "net-is-gross"],
)
def test_a_payment_whose_deductions_do_not_reconcile_with_its_net_makes_fk_unavailable(change):
    document = copy.deepcopy(NEGATIVE_AVDRAG)
    change(document["utbetalningar"][0])
    with pytest.raises(PayloadError) as caught:
        decode(document)
    assert caught.value.felkod in ("PM_NETTOBELOPP", "UNREADABLE")
    if "nettobelopp" in document["utbetalningar"][0]:
        assert caught.value.felkod == "PM_NETTOBELOPP"


def test_rows_of_several_benefits_must_add_up_to_the_gross_to_split_the_tax():
    document = copy.deepcopy(ANSWER)
    document["utbetalningar"][0]["utbetalningsrader"][1]["belopp"] = 2000
    with pytest.raises(PayloadError, match="cannot be split"):
        decode(document)


@settings(max_examples=200, deadline=None)
@given(
    gross=st.integers(min_value=0, max_value=200_000),
    tax=st.integers(min_value=0, max_value=50_000),
    other=st.integers(min_value=0, max_value=50_000),
    negative=st.booleans(),
    net_error=st.sampled_from([0, 0, 0, 1, -1, 3652]),
)
def test_a_decoded_pension_is_the_payments_net_plus_its_non_tax_deductions_never_more(
    gross, tax, other, negative, net_error
):
    sign = -1 if negative else 1
    payment = {
        "utbetalningsdatum": "2026-11-19",
        "bruttobelopp": gross,
        "nettobelopp": gross - tax - other + net_error,
        "avdrag": [
            {"belopp": sign * tax, "avdragstyp": {"kod": "PM:PS", "beskrivning": "Preliminär skatt"}},
            {"belopp": sign * other, "avdragstyp": {"kod": "PM:UTMATNING", "beskrivning": "Utmätning"}},
        ],
        "utbetalningsrader": [{"formansgrupp": {"kod": "PM:AP", "beskrivning": "Allmän pension"}, "belopp": gross}],
    }
    document = {"utlamnare": ANSWER["utlamnare"], "avvikelser": {}, "utbetalningar": [payment]}
    try:
        incomes = lefi.decode_answer(b64(document))
    except PayloadError:
        # A payment whose figures disagree is never read; figures that agree are read unless out of range.
        assert net_error != 0 or gross - tax - other < 0
        return
    assert net_error == 0
    (income,) = incomes
    assert income.amount == payment["nettobelopp"] + other <= gross


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["formansinformation"]["utbetalningsuppgift"][0].pop("bruttobelopp"), "bruttobelopp: missing"),
        (lambda d: d["formansinformation"]["utbetalningsuppgift"][0].update(datum="i morgon"), "datum: not a date"),
        (
            lambda d: d["formansinformation"]["utbetalningsuppgift"][0]["bruttobelopp"].update(valuta="EUR"),
            "valuta: not SEK",
        ),
        (
            lambda d: d["formansinformation"]["utbetalningsuppgift"][0]["skattebelopp"].update(summa=5000),
            "outside 0",
        ),
        (lambda d: d["formansinformation"]["utbetalningsuppgift"][0].pop("formansfamilj"), "formansfamilj.id: missing"),
        (lambda d: d.update(utbetalningar={"x": 1}), "not a list"),
        (lambda d: d["utbetalningar"][0].update(bruttobelopp="mycket"), "not a number"),
    ],
    ids=["no-gross", "bad-date", "currency", "negative", "no-family", "not-a-list", "not-a-number"],
)
def test_answers_not_in_the_contracts_form_are_unreadable_and_say_where(change, message):
    document = copy.deepcopy(ANSWER)
    change(document)
    with pytest.raises(PayloadError, match=message) as caught:
        decode(document)
    assert caught.value.felkod == "UNREADABLE"
    assert PNR not in str(caught.value)


@pytest.mark.parametrize("text", ["!!!", base64.b64encode(b"not json").decode(), b64([1, 2])])
def test_not_base64_json_is_unreadable(text):
    with pytest.raises(PayloadError):
        lefi.decode_answer(text)


def test_a_code_that_looks_like_a_personnummer_is_not_repeated_in_messages():
    document = copy.deepcopy(ANSWER)
    document["formansinformation"]["utbetalningsuppgift"][0]["formansfamilj"]["id"] = PNR
    with pytest.raises(PayloadError) as caught:
        decode(document)
    assert not re.search(r"[0-9]{6}", str(caught.value))


# The simulator's side ------------------------------------------------------------------------


def test_the_simulators_answer_follows_the_contract_and_reads_back():
    question = lefi.LefiQuestion(PNR, dt.date(2026, 10, 1), dt.date(2026, 11, 30))
    incomes = [
        RegisterIncome(source="FK", type=kind, month="2026-11", amount=1000 + n)
        for n, kind in enumerate(sorted(codes.FK_PAYMENT_FAMILY))
    ]
    text = lefi.encode_answer(incomes, question)
    assert lefi_errors(json.loads(base64.b64decode(text)), "LefiExternFormansinformationSvar") == []
    assert sorted(lefi.decode_answer(text), key=repr) == sorted(incomes, key=repr)


def test_the_simulator_leaves_out_groups_not_asked_for_as_lefi_does():
    question = lefi.LefiQuestion(PNR, dt.date(2026, 10, 1), dt.date(2026, 11, 30), groups=("FK:ABB",))
    incomes = [
        RegisterIncome(source="FK", type=IncomeType.barnbidrag, month="2026-11", amount=1250),
        RegisterIncome(source="FK", type=IncomeType.bostadsbidrag, month="2026-11", amount=900),
    ]
    document = json.loads(base64.b64decode(lefi.encode_answer(incomes, question)))
    assert [u["utlamnare"]["kod"] for u in document["utlamnare"]] == ["FK"]
    assert lefi.decode_answer(lefi.encode_answer(incomes, question), providers=["FK"]) == incomes[:1]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


def _mutations():
    """The real-shaped answer with one value anywhere replaced by arbitrary JSON."""

    def paths(node, prefix=()):
        yield prefix
        if isinstance(node, dict):
            for key, value in node.items():
                yield from paths(value, (*prefix, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from paths(value, (*prefix, index))

    return st.tuples(st.sampled_from(list(paths(ANSWER))[1:]), json_values)


@settings(max_examples=300, deadline=None)
@given(mutation=_mutations())
@example(mutation=(("utbetalningar", 0, "bruttobelopp"), 1.0000000000000002e28))  # once crashed the decoder
def test_any_malformed_answer_is_a_payload_error_or_a_valid_reading(mutation):
    path, value = mutation
    document = copy.deepcopy(ANSWER)
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    try:
        incomes = lefi.decode_answer(b64(document))
    except PayloadError:
        return
    assert all(0 <= i.amount <= 10_000_000 and i.source == "FK" for i in incomes)


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    st.dates(),
    st.dates(),
    st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",))), max_size=4).map(tuple)
    | st.just(codes.LEFI_GROUPS),
)
def test_the_question_is_compact_json_of_person_period_and_groups(
    pnr: str, start: dt.date, end: dt.date, groups
) -> None:
    text = lefi.encode_question(lefi.LefiQuestion(pnr, start, end, groups))
    document = {"personnummer": pnr, "period": {"from": start.isoformat(), "tom": end.isoformat()},
                "utbetalningar": list(groups)}  # fmt: skip
    assert base64.b64decode(text) == json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
