"""Issue 23 made decoding SSBTEK's answers and building its questions cheaper: they must give exactly what they
gave before (tests/ssbtek_decode_oracle.py), for the simulator's answers to generated applications (v11 and
v10, with agencies' errors, unavailable authorities, registered businesses), for answers taken apart at random
(elements removed, doubled, renamed, emptied; CSN's inner XML too), and for any question: the same
FetchAnswer, or the same exception with the same message."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from robot.adapters import xml_limits
from robot.adapters.decoding import base64_bytes
from robot.adapters.register_source import RegisterRequest
from robot.adapters.ssbtek import csn, lefi, skv
from robot.adapters.ssbtek.request import Question, fetch_envelope, question_for
from robot.adapters.ssbtek.response import parse_fetch_answer
from robot.adapters.ssbtek.simulator import FaultInjection, SimulatorApp
from robot.adapters.ssbtek.soap import V10, V11, Contract, escape
from robot.config import Settings
from robot.formats.application import parse_application
from robot.formats.register import Authority
from tests import ssbtek_decode_oracle as old
from tests.generated_registers import varied

SETTINGS = Settings(ssbtek={"url": "http://127.0.0.1:9/"})
EVERY_AUTHORITY = frozenset(Authority)


def outcome(call: Any) -> tuple[str, Any]:
    """What a call gives: its value, or its exception's type and message."""
    try:
        return "value", call()
    except Exception as exc:  # the exception itself is what is compared
        return type(exc).__name__, str(exc)


@functools.cache
def answered(seed: int, contract: Contract, error_rate: float) -> list[tuple[bytes, Question]]:
    """The simulator's answers to questions about every adult of 40 generated applications (some of whom are
    unavailable at an authority, some with a registered business), every authority asked by half of them."""
    generated, register = varied(seed)
    simulator = SimulatorApp(register, FaultInjection(authority_error_rate=error_rate, seed=seed), contract)
    answers = []
    for n, g in enumerate(generated):
        app = parse_application(g.raw()).application
        assert app is not None
        adults = [adult.personnummer for _, adult in app.adults()]
        asked = EVERY_AUTHORITY if n % 2 else frozenset({Authority.AF, Authority.SO})
        request = RegisterRequest(g.application_id, app.period, tuple(adults), asked)
        for pnr in adults:
            question = question_for(SETTINGS, request, pnr, korrelationsid=f"k-{n}")
            status, body = simulator.answer(fetch_envelope(question, contract))
            assert status == 200
            answers.append((body, question))
    return answers


def both(body: bytes, question: Question, contract: Contract, saved: bool = False) -> None:
    """The robot's decoding of `body` is the oracle's: as the worker calls it, and as for a saved answer."""
    pnr = question.personidentitet
    kwargs: dict[str, Any] = {"personnummer": pnr, "contract": contract, "skv_asked": question.skv_parts}
    if saved:
        kwargs["af_control_month"] = "2026-11"
        args: tuple[Any, ...] = (body, EVERY_AUTHORITY)
    else:
        kwargs["question"] = question
        args = (body, question.include, question.korrelationsid)
    assert outcome(lambda: parse_fetch_answer(*args, **kwargs)) == outcome(
        lambda: old.parse_fetch_answer(*args, **kwargs)
    )


CASES = [(seed, contract, rate) for seed in (1, 2) for contract in (V11, V10) for rate in (0.0, 0.3)]


@pytest.mark.parametrize(("seed", "contract", "error_rate"), CASES, ids=[f"{s}-{c.version}-{r}" for s, c, r in CASES])
def test_the_simulators_answers_decode_as_before(seed: int, contract: Contract, error_rate: float) -> None:
    errors = 0
    for body, question in answered(seed, contract, error_rate):
        both(body, question, contract)
        both(body, question, contract, saved=True)
        errors += len(parse_fetch_answer(body, question.include, personnummer=question.personidentitet,
                                         question=question, contract=contract, skv_asked=question.skv_parts).errors)  # fmt: skip
    assert errors > 0  # the unavailable persons and injected errors were exercised


@pytest.mark.parametrize("contract", [V11, V10], ids=["v11", "v10"])
def test_questions_are_built_as_before(contract: Contract) -> None:
    for _, question in answered(1, contract, 0.0):
        assert fetch_envelope(question, contract) == old.fetch_envelope(question, contract)


# Answers taken apart ----------------------------------------------------------------------------

TEXTS = st.one_of(
    st.sampled_from(["", " ", "0", "1", "true", "FEL", "BT", "404", "Utbetald", "2026-11-25", "20261125", "OK", "k-1"]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
)
MUTATION = st.tuples(st.sampled_from(["remove", "double", "text", "empty", "rename", "unqualify", "comment", "last"]),
                     st.integers(0, 10_000), TEXTS)  # fmt: skip


def mutate(root: etree._Element, mutations: list[tuple[str, int, str]]) -> None:
    for kind, at, text in mutations:
        elements = [e for e in root.iter() if isinstance(e.tag, str) and e.getparent() is not None]
        if not elements:
            return
        element = elements[at % len(elements)]
        parent = element.getparent()
        if kind == "remove":
            parent.remove(element)
        elif kind == "double":  # a leaf's copy carries another text: the first and the last differ
            double = copy.deepcopy(element)
            if len(double) == 0:
                double.text = text
            element.addnext(double)
        elif kind == "text":
            element.text = text
        elif kind == "empty":
            element.text = None
            for child in list(element):
                element.remove(child)
        elif kind == "rename":  # another element's name: a part where another is expected
            element.tag = elements[(at // 7) % len(elements)].tag
        elif kind == "unqualify":
            element.tag = etree.QName(element).localname
        elif kind == "comment":
            element.addprevious(etree.Comment(text.replace("-", "") or "c"))
        else:
            parent.append(element)


def csn_inner(root: etree._Element, contract: Contract) -> etree._Element | None:
    return root.find(f".//{{{contract.namespace}}}CSN/{{{contract.namespace}}}data/{{{contract.namespace}}}svar")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([V11, V10]), st.integers(0, 10_000), st.integers(0, 20), st.lists(MUTATION, min_size=1, max_size=4),
       st.lists(MUTATION, max_size=3), st.booleans(), st.booleans())  # fmt: skip
def test_answers_taken_apart_decode_as_before(contract, which, focus, mutations, inner, wrapped, saved) -> None:  # type: ignore[no-untyped-def]
    answers = answered(1 + which % 2, contract, 0.3 if which % 4 >= 2 else 0.0)
    body, question = answers[which % len(answers)]
    root = etree.fromstring(body)
    svar = csn_inner(root, contract)
    if inner and svar is not None:  # CSN's own XML, inside the base64
        svar.text = taken_apart(svar.text or "", inner, wrapped)
    svarsdata = root.find(f".//{{{contract.namespace}}}svarsdata")
    authorities = list(svarsdata) if svarsdata is not None else []
    # most often within one authority's answer (each is a small part of the whole)
    mutate(authorities[focus % len(authorities)] if authorities and focus else root, mutations)
    both(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), question, contract, saved)


def taken_apart(svar: str, mutations: list[tuple[str, int, str]], wrapped: bool) -> str:
    """CSN's base64 `svar` with its XML taken apart, its base64 on lines of 76 when `wrapped`."""
    csn = etree.fromstring(base64.b64decode(svar))
    mutate(csn, mutations)
    encoded = base64.b64encode(etree.tostring(csn)).decode()
    return "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)) if wrapped else encoded


@functools.cache
def csn_answers() -> list[tuple[str, str]]:
    """(svar, personnummer) of every CSN answer of the simulator, those with payments first."""
    found = []
    for body, question in answered(1, V11, 0.0) + answered(2, V11, 0.0):
        svar = csn_inner(etree.fromstring(body), V11)
        if svar is not None:
            found.append((svar.text or "", question.personidentitet))
    return sorted(found, key=lambda f: -len(f[0]))


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 10_000), st.lists(MUTATION, min_size=1, max_size=4), st.booleans())
def test_csn_answers_taken_apart_decode_as_before(
    which: int, mutations: list[tuple[str, int, str]], wrapped: bool
) -> None:
    answers = csn_answers()
    svar, pnr = answers[which % 8 if which % 2 else which % len(answers)]  # half of them among those with payments
    text = taken_apart(svar, mutations, wrapped)
    assert outcome(lambda: csn.decode_answer(text, pnr)) == outcome(lambda: old.csn_decode_answer(text, pnr))


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("AZaz09+/=\n\r\t -_.ä"), max_size=40))
def test_base64_is_read_as_before(text: str) -> None:
    assert outcome(lambda: base64_bytes(text, "X")) == outcome(lambda: old.base64_bytes(text, "X"))


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.binary(max_size=60), st.text(st.sampled_from("<a/>!?"), max_size=60).map(str.encode)),
    st.integers(-1, 40),
)
def test_the_element_bound_is_checked_as_before(data: bytes, max_elements: int) -> None:
    assert outcome(lambda: xml_limits.check(data, max_elements)) == outcome(
        lambda: old.xml_limits_check(data, max_elements)
    )


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_texts_are_escaped_as_before(text: str) -> None:
    assert escape(text) == old.escape(text)


# Any question -----------------------------------------------------------------------------------

free_text = st.text(st.characters(exclude_categories=("Cc",)), max_size=20)
dates = st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31))


@settings(max_examples=300, deadline=None)
@given(
    st.builds(
        Question,
        personidentitet=st.one_of(st.from_regex(r"[0-9]{12}", fullmatch=True), free_text),
        arendeidentitet=free_text,
        from_date=dates,
        to_date=dates,
        include=st.frozensets(st.sampled_from(list(Authority))),
        organisationsnummer=free_text,
        namn=free_text,
        handlaggare=free_text,
        syfte=free_text,
        lagtext=free_text,
        korrelationsid=st.one_of(st.none(), st.uuids().map(lambda u: u.hex), free_text),
        frage_tidpunkt=st.one_of(st.none(), st.datetimes(timezones=st.just(dt.UTC))),
        fk_aktorsid=st.one_of(st.none(), free_text),
        fk_version=st.one_of(st.none(), st.just(lefi.VERSION), free_text),
        fk_query=st.one_of(st.none(), st.text(max_size=8), st.just("\ud800")),
        include_question_in_answer=st.booleans(),
        personuppgiftsbitraden=st.lists(st.tuples(free_text, free_text), max_size=2).map(tuple),
        skv_parts=st.frozensets(st.sampled_from(["foretagsinformation", "individuppgifter", "skattekonto"])),
        skv_years=st.lists(st.integers(1900, 2200), max_size=3).map(tuple),
    ),
    st.sampled_from([V11, V10]),
)
def test_any_question_is_built_as_before(question: Question, contract: Contract) -> None:
    assert outcome(lambda: fetch_envelope(question, contract)) == outcome(
        lambda: old.fetch_envelope(question, contract)
    )


@functools.cache
def skv_answers() -> list[tuple[str, str]]:
    """(svar, personnummer) of the simulator's v10 Skatteverket answers (the yearly assessment)."""
    found = []
    for body, question in answered(1, V10, 0.0):
        svar = etree.fromstring(body).find(f".//{{{V10.namespace}}}SKV/{{{V10.namespace}}}data/svar")
        if svar is not None:
            found.append((svar.text or "", question.personidentitet))
    return found


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10_000), st.lists(MUTATION, min_size=1, max_size=4))
def test_v10_skv_answers_taken_apart_decode_as_before(which: int, mutations: list[tuple[str, int, str]]) -> None:
    answers = skv_answers()
    svar, pnr = answers[which % len(answers)]
    document = etree.fromstring(svar.encode())
    mutate(document, mutations)
    text = etree.tostring(document, encoding="unicode")
    assert outcome(lambda: skv.decode_answer(text, pnr)) == outcome(lambda: old.skv_decode_answer(text, pnr))
