"""Swedish formatting, one rule everywhere: what handläggare and applicants read."""

from __future__ import annotations

import datetime as dt

import pytest

from robot.swedish.dates import day_text, local_time, month_name
from robot.swedish.numbers import decimal, kr, percent, points, signed_kr
from robot.swedish.parameters import parameter_name
from robot.swedish.words import ACTIVITY_PHRASES, duration, join, months, other_adults, persons, role


@pytest.mark.parametrize(
    ("share", "text"),
    [(0.02, "2 %"), (0.375, "37,5 %"), (0.9, "90 %"), (0.0, "0 %"), (1.0, "100 %"), (0.12345, "12,3 %"),
     (-0.05, "−5 %"), (None, "–")],
)  # fmt: skip
def test_one_percent_rule_everywhere(share, text):
    assert percent(share) == text


def test_percent_with_no_decimals_and_points():
    assert percent(0.05, 0) == "5 %" and percent(0.056, 0) == "6 %"
    assert points(0.025) == "+2,5 p.e." and points(-0.02) == "−2 p.e." and points(None) == "–"


def test_kronor_and_decimals():
    assert kr(12470) == "12 470 kr" and kr(-1250) == "−1 250 kr" and kr(None) == "–"
    assert signed_kr(300) == "+300 kr" and decimal(0.12344) == "0,1234"


def test_months_and_dates():
    assert month_name("2026-11") == "november 2026"
    assert day_text(dt.date(2026, 12, 12)) == "12 december 2026"


def test_plural_agreement_and_lists():
    assert other_adults(1) == "1 annan vuxen" and other_adults(2) == "2 andra vuxna"
    assert persons(1) == "1 person" and persons(3) == "3 personer"
    assert months(1) == "1 månad" and months(6) == "6 månader"
    assert duration(480) == "8 timmar" and duration(60) == "1 timme" and duration(45) == "45 minuter"
    assert duration(1) == "1 minut" and duration(90) == "1 timme och 30 minuter"
    assert duration(61) == "1 timme och 1 minut"
    assert join(["a", "b", "c"]) == "a, b och c" and join(["a"]) == "a" and join([]) == ""
    assert role("child:0") == "barn 1" and role("co_applicant") == "medsökande"
    assert ACTIVITY_PHRASES["sfi"] == "på SFI"


def test_genitive_of_a_numbered_child_takes_a_colon():
    from robot.swedish.words import genitive

    assert [genitive(w) for w in ("Barn 1", "Sökande", "Medsökande", "Lars")] == [
        "Barn 1:s",
        "Sökandes",
        "Medsökandes",
        "Lars",
    ]


def test_adjectives_agree_with_the_income_or_cost():
    from robot.swedish.words import agreeing

    assert agreeing("uppgiven", "lön") == "uppgiven"
    assert agreeing("uppgiven", "barnbidrag") == "uppgivet"
    assert agreeing("uppgiven", "studiemedel") == "uppgivna"
    assert agreeing("ansökt", "glasögon") == "ansökta" and agreeing("ansökt", "hyra") == "ansökt"
    assert agreeing("skattefri", "barnbidrag") == "skattefritt"


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC), "2026-12-02 09:00 CET"),
        (dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC), "2026-07-02 00:30 CEST"),
        ("2026-12-02T08:00:00+00:00", "2026-12-02 09:00 CET"),
        (dt.datetime(2026, 12, 2, 8, 0), "2026-12-02 09:00 CET"),
        (None, "–"),
    ],
)
def test_every_time_is_stockholm_time_with_its_zone(moment, shown):
    assert local_time(moment) == shown


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("stickprov.andel_per_kostnadstyp", "andel till stickprov per kostnadstyp"),
        ("schablon.intervall.hushallsel", "schablon: hushållsel"),
        ("riksnorm.2026.personliga.barn.11-14.belopp", "riksnorm 2026, personliga kostnader, barn, 11–14 år"),
        ("riksnorm.2026.gemensamma.6", "riksnorm 2026, gemensamma hushållskostnader, 6 personer"),
        ("ny_regel.hogsta_belopp", "hogsta belopp"),
    ],
)
def test_a_parameter_is_named_in_words(path, words):
    assert parameter_name(path) == words
