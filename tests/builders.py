"""Test data: applications and registers as plain documents, and hypothesis strategies for them."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

from hypothesis import strategies as st

from robot.formats.personnummer import with_check_digit

APPLICANT = "199001012385"
CO_APPLICANT = "198503142385"


def application(**changes: Any) -> dict[str, Any]:
    """A valid single-adult application for 2026-12 that the shipped rules recommend (11 220 kr)."""
    doc: dict[str, Any] = {
        "format": "ansokan/1",
        "application_id": "TEST-2026-12-000001",
        "kind": "ateransokan",
        "channel": "e-tjanst",
        "district": "Nordost",
        "period": "2026-12",
        "submitted_at": "2026-11-24T09:12:00+01:00",
        "household": {
            "applicant": {"personnummer": APPLICANT, "able_to_work": True},
            "co_applicant": None,
            "children": [],
            "other_adults": 0,
            "protected_identity": False,
            "changed_since_last_application": False,
        },
        "activities": [
            {
                "person": "applicant",
                "kind": "kompetenscenter",
                "month": "2026-11",
                "planned_hours": 120,
                "attended_hours": 112,
                "exemption": None,
            }
        ],
        "costs": [{"type": "hyra", "amount": 6000}],
        "incomes": [],
        "history": {"consecutive_months_with_support": 5},
    }
    for key, value in changes.items():
        doc[key] = value
    return doc


def register(*persons: str, **overrides: dict[str, Any]) -> dict[str, Any]:
    doc = {"format": "register/1", "persons": {}}
    for pnr in persons or (APPLICANT,):
        doc["persons"][pnr] = {
            "af": {"status": "inskriven", "aktivitetsrapport": 200, "registered_since": "2024-03-01"},
            "incomes": [],
            "unavailable": [],
        }
    for pnr, person in overrides.items():
        doc["persons"].setdefault(pnr, {}).update(person)
    return doc


def raw(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


# Hypothesis strategies -------------------------------------------------------------------------

COST_TYPES = [
    "hyra",
    "hushallsel",
    "hemforsakring",
    "arbetsresor",
    "fackavgift",
    "a_kassa",
    "lakarvard",
    "medicin",
    "barnomsorg",
    "tandvard",
    "glasogon",
    "ovrigt",
]
INCOME_TYPES = [
    "lon",
    "a_kassa",
    "aktivitetsstod",
    "etableringsersattning",
    "sjukpenning",
    "foraldrapenning",
    "bostadsbidrag",
    "barnbidrag",
    "underhallsstod",
    "studiemedel",
    "pension",
    "ovrigt",
]
SOURCES = ["AF", "CSN", "FK", "SKV", "SO"]


@st.composite
def personnummer(draw: Any) -> str:
    born = draw(st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2007, 12, 31)))
    serial = draw(st.integers(min_value=0, max_value=999))
    return with_check_digit(f"{born:%Y%m%d}{serial:03d}")


@st.composite
def household_case(draw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A valid application and a register for it, covering every branch of every step."""
    period_month = draw(st.sampled_from(["2019-06", "2020-12", "2021-03", "2026-07", "2026-10", "2026-12", "2027-01"]))
    year, month = int(period_month[:4]), int(period_month[5:])
    control = f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"
    applicant = draw(personnummer())
    co = draw(st.one_of(st.none(), personnummer().filter(lambda p: p != applicant)))
    adults = ["applicant"] + (["co_applicant"] if co else [])
    start = dt.date(year, month, 1)
    children = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "birth_date": st.dates(
                        min_value=start - dt.timedelta(days=23 * 365), max_value=start + dt.timedelta(days=40)
                    ).map(str),
                    "lunch_away_5_days": st.booleans(),
                }
            ),
            max_size=8,
        )
    )
    people = adults + [f"child:{i}" for i in range(len(children))]
    activities = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "person": st.sampled_from(adults),
                    "kind": st.sampled_from(["kompetenscenter", "sfi", "praktik", "af_program", "studier", "annan"]),
                    "month": st.sampled_from([control, period_month]),
                    "planned_hours": st.integers(0, 200),
                    "attended_hours": st.integers(0, 200),
                    "exemption": st.sampled_from([None, None, None, "sjukskrivning", "foraldraledighet", "annat"]),
                }
            ),
            max_size=4,
        )
    )
    costs = draw(
        st.lists(
            st.fixed_dictionaries({"type": st.sampled_from(COST_TYPES), "amount": st.integers(0, 20_000)}), max_size=6
        )
    )
    incomes = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "person": st.sampled_from(people),
                    "type": st.sampled_from(INCOME_TYPES),
                    "month": st.sampled_from([control, control, period_month]),
                    "amount": st.integers(0, 30_000),
                }
            ),
            max_size=4,
        )
    )
    doc = application(
        application_id=draw(st.from_regex(r"[A-Z]{3}-[0-9]{4}-[0-9]{6}", fullmatch=True)),
        kind=draw(st.sampled_from(["ateransokan", "ateransokan", "nyansokan"])),
        channel=draw(st.sampled_from(["e-tjanst", "papper"])),
        period=period_month,
        activities=activities,
        costs=costs,
        incomes=incomes,
        history={"consecutive_months_with_support": draw(st.integers(0, 30))},
    )
    doc["household"] = {
        "applicant": {"personnummer": applicant, "able_to_work": draw(st.booleans())},
        "co_applicant": {"personnummer": co, "able_to_work": draw(st.booleans())} if co else None,
        "children": children,
        "other_adults": draw(st.integers(0, 3)),
        "protected_identity": draw(st.booleans().map(lambda b: b and draw(st.booleans()))),
        "changed_since_last_application": draw(st.booleans().map(lambda b: b and draw(st.booleans()))),
    }
    persons = {}
    for pnr in [applicant] + ([co] if co else []):
        if draw(st.booleans()):
            persons[pnr] = {
                "af": draw(
                    st.sampled_from(
                        [
                            {"status": "inskriven", "aktivitetsrapport": 200},
                            {"status": "inskriven", "aktivitetsrapport": 200},
                            {"status": "inskriven", "aktivitetsrapport": 501},
                            {"status": "inskriven", "aktivitetsrapport": 502},
                            {"status": "ej_inskriven", "aktivitetsrapport": 500},
                        ]
                    )
                ),
                "incomes": draw(
                    st.lists(
                        st.fixed_dictionaries(
                            {
                                "source": st.sampled_from(SOURCES),
                                "type": st.sampled_from(INCOME_TYPES),
                                "month": st.sampled_from(
                                    [control, control, f"{year - (month <= 2):04d}-{(month - 3) % 12 + 1:02d}"]
                                ),
                                "amount": st.integers(0, 30_000),
                            }
                        ),
                        max_size=3,
                    )
                ),
                "unavailable": draw(
                    st.lists(st.sampled_from(["AF", "CSN", "FK", "SKV", "SO", "TNS", "MIV"]), max_size=2, unique=True)
                ),
            }
    return doc, {"format": "register/1", "persons": persons}


def mutate(doc: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out
