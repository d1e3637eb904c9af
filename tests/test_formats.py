"""ansokan/1 and register/1 as FORMATS.md fixes them: valid documents pass, broken ones name their faults."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robot.formats import personnummer
from robot.formats.application import NotAnApplication, parse_application, printable
from tests.builders import application, household_case, mutate, raw, register


@pytest.mark.parametrize("pnr", ["199001012385", "198503142385", "19700161012"])
def test_valid_personnummer_and_samordningsnummer(pnr):
    pnr = personnummer.with_check_digit(pnr[:11])
    assert personnummer.problem(pnr) is None


@pytest.mark.parametrize(
    ("pnr", "why"),
    [
        ("199001012384", "kontrollsiffra"),
        ("19900101238", "12 siffror"),
        ("1990010123855", "12 siffror"),
        ("19900101238X", "12 siffror"),
        ("199002302385", "födelsedatum"),
        ("199013012385", "födelsedatum"),
    ],
)
def test_invalid_personnummer_says_why(pnr, why):
    assert why in personnummer.problem(pnr)


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_exactly_one_check_digit_completes_eleven_digits(first):
    valid = [d for d in "0123456789" if personnummer.luhn_ok(first[2:] + d)]
    assert len(valid) == 1


def test_a_valid_application_parses():
    parsed = parse_application(raw(application()))
    assert parsed.errors == ()
    assert parsed.application.application_id == "TEST-2026-12-000001"
    assert parsed.application.household_size() == 1


def test_the_optional_fields_are_read_and_their_absence_has_its_documented_meaning():
    doc = application()
    doc["household"]["children"] = [{"birth_date": "2008-05-01", "lunch_away_5_days": False, "in_school": True,
                                     "lives_here": "vaxelvis"}]  # fmt: skip
    doc["household"]["assets"] = {"bank": 1200, "other": False}
    doc["history"] |= {"jobbstimulans_months_used": 3, "last_support_month": "2026-11", "jobbstimulans_start": "2026-02",
                       "consecutive_months_by_person": {"co_applicant": 2}}  # fmt: skip
    doc["incomes"] = [{"person": "child:0", "type": "lon", "month": "2026-11", "amount": 2500}]
    app = parse_application(raw(doc)).application
    child = app.household.children[0]
    assert (child.in_school, child.lives_here) == (True, "vaxelvis")
    assert app.household.assets.bank == 1200
    assert (app.history.jobbstimulans_months_used, app.history.last_support_month) == (3, "2026-11")
    assert (app.history.jobbstimulans_start, app.history.consecutive_months_by_person) == ("2026-02", {"co_applicant": 2})
    plain = parse_application(raw(application(household=doc["household"] | {"assets": None}))).application
    assert plain.household.assets is None
    bare = parse_application(raw(application())).application
    assert bare.history.jobbstimulans_months_used is None and bare.history.last_support_month is None
    assert bare.history.jobbstimulans_start is None and bare.history.consecutive_months_by_person == {}
    wrong = application(history={"consecutive_months_with_support": 5, "consecutive_months_by_person": {"child:0": 2}})
    assert parse_application(raw(wrong)).application is None


@pytest.mark.parametrize(
    ("path", "value", "field", "problem"),
    [
        (["costs", 0, "amount"], "6000", "costs[0].amount", "heltal"),
        (["costs", 0, "amount"], 6000.5, "costs[0].amount", "heltal"),
        (["costs", 0, "amount"], -1, "costs[0].amount", "mindre än 0"),
        (["costs", 0, "amount"], 10**12, "costs[0].amount", "större än"),
        (["costs", 0, "type"], "bil", "costs[0].type", "tillåtna värden"),
        (
            ["household", "applicant", "personnummer"],
            "199001012384",
            "household.applicant.personnummer",
            "kontrollsiffra",
        ),
        (["household", "applicant", "able_to_work"], "ja", "household.applicant.able_to_work", "true eller false"),
        (["household", "applicant", "able_to_work"], 1, "household.applicant.able_to_work", "true eller false"),
        (["period"], "2026-13", "period", "ÅÅÅÅ-MM"),
        (["submitted_at"], "2026-11-24T09:12:00", "submitted_at", "tidszon"),
        (["format"], "ansokan/2", "format", "tillåtna värden"),
        (["activities", 0, "person"], "child:0", "activities[0].person", "finns inte i hushållet"),
        (["application_id"], "../../etc/passwd", "application_id", "1–64 tecken"),
        (
            ["household", "children"],
            [{"birth_date": "2015-02-30", "lunch_away_5_days": False}],
            "household.children[0].birth_date",
            "datum",
        ),
    ],
)
def test_broken_fields_are_named_in_swedish(path, value, field, problem):
    parsed = parse_application(raw(mutate(application(), path, value)))
    assert parsed.application is None
    texts = [e.text() for e in parsed.errors]
    assert any(e.field == field and problem in e.problem for e in parsed.errors), texts


def test_unknown_and_missing_fields_are_errors():
    doc = application(bilaga="kvitto.pdf")
    del doc["history"]
    parsed = parse_application(raw(doc))
    found = {(e.field, e.problem) for e in parsed.errors}
    assert ("bilaga", "okänt fält") in found
    assert ("history", "fältet saknas") in found


def test_document_without_usable_id_gets_a_stable_content_id():
    doc = application(application_id=12)
    first, second = parse_application(raw(doc)), parse_application(raw(doc))
    assert first.application_id == second.application_id
    assert first.application_id.startswith("UTAN-ID-")
    assert parse_application(raw(application(application_id=13))).application_id != first.application_id


@pytest.mark.parametrize("content", [b"", b"not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"[" * 100_000])
def test_non_objects_are_not_applications(content):
    with pytest.raises(NotAnApplication):
        parse_application(content)


def test_deeply_nested_object_is_invalid_not_a_crash():
    nested = '{"a":' * 5000 + "1" + "}" * 5000
    try:
        parsed = parse_application(nested.encode())
    except NotAnApplication:
        return
    assert parsed.application is None


@settings(max_examples=150, deadline=None)
@given(household_case())
def test_generated_applications_are_valid(case):
    doc, *_ = case
    parsed = parse_application(json.dumps(doc).encode())
    assert parsed.errors == (), parsed.errors


def test_the_register_reads_tax_withheld_and_provider_attendance():
    from robot.formats.register import Register

    doc = register()
    person = doc["persons"][next(iter(doc["persons"]))]
    person["incomes"] = [{"source": "SKV", "type": "lon", "month": "2026-11", "amount": 10000, "tax_withheld": 2300}]
    person["activity"] = [{"month": "2026-11", "kind": "kompetenscenter", "planned_hours": 160, "attended_hours": 152}]
    reg = Register.model_validate_json(json.dumps(doc), strict=True)
    got = next(iter(reg.persons.values()))
    assert got.incomes[0].tax_withheld == 2300
    assert got.activity[0].attended_hours == 152
    assert Register.model_validate_json(json.dumps(register()), strict=True).person("000").activity is None


@given(text=st.text(st.characters(exclude_categories=())), limit=st.integers(1, 40))
def test_printable_text_is_cleaned_as_it_was(text, limit):
    """`printable` gives text already clean back as it is; the same as cleaning it character by character."""
    cleaned = "".join(ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else "?" for ch in text[: limit + 1])
    assert printable(text, limit) == (cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…")
