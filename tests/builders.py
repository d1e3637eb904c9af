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
def personnummer(draw: Any, working_age: bool = False) -> str:
    born = draw(
        st.dates(
            min_value=dt.date(1962 if working_age else 1940, 1, 1),
            max_value=dt.date(2000, 12, 31) if working_age else dt.date(2007, 12, 31),
        )
    )
    serial = draw(st.integers(min_value=0, max_value=999))
    return with_check_digit(f"{born:%Y%m%d}{serial:03d}")


PAYERS = {
    "lon": "SKV",
    "a_kassa": "SO",
    "aktivitetsstod": "FK",
    "etableringsersattning": "FK",
    "sjukpenning": "FK",
    "foraldrapenning": "FK",
    "bostadsbidrag": "FK",
    "barnbidrag": "FK",
    "underhallsstod": "FK",
    "studiemedel": "CSN",
    "pension": "FK",
}
"""Who pays (and reports to SSBTEK) each income type, as rules/inkomst.yaml says."""
PERIODS = ["2019-06", "2020-12", "2021-03", "2026-01", "2026-07", "2026-10", "2026-12", "2026-12", "2027-01"]
FLERBARNSTILLAGG = {0: 0, 1: 0, 2: 150, 3: 730, 4: 1740, 5: 2990, 6: 4240}
"""Försäkringskassan's flerbarnstillägg in total for 0–6 children (since 2018-03-01); barnbidrag 1 250 kr each."""


def barnbidrag_for(children: int) -> int:
    return 1250 * children + FLERBARNSTILLAGG[children]


def months_back(month: str, n: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:]) - 1 - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@st.composite
def household_case(draw: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A valid application, a register and the circumstances, covering every branch of every step.

    With some probability the register agrees with the application (declared incomes registered by
    their payers, net of tax; AF or the provider confirming attendance; barnbidrag for children), so
    that recommendations are reachable as well as every reason.
    """
    period = draw(st.sampled_from(PERIODS))
    year, month = int(period[:4]), int(period[5:])
    control, gap = months_back(period, 1), months_back(period, 2)
    start = dt.date(year, month, 1)
    plain = draw(st.booleans())
    """A household a robot should be able to prepare: the register agrees with the application,
    everyone of working age is able to work, costs are ordinary. Otherwise anything goes."""
    applicant = draw(personnummer(plain))
    co = draw(st.one_of(st.none(), personnummer(plain).filter(lambda p: p != applicant)))
    adults = {"applicant": applicant} | ({"co_applicant": co} if co else {})
    children = draw(st.lists(child(start, plain), max_size=6))
    people = list(adults) + [f"child:{i}" for i in range(len(children))]
    months = [control] if plain else [control, control, control, period]
    activities = draw(st.lists(activity(list(adults), months, plain), max_size=4))
    cost_types = ["hyra", "hemforsakring", "arbetsresor"] if plain else COST_TYPES
    costs = draw(
        st.lists(
            st.fixed_dictionaries({"type": st.sampled_from(cost_types), "amount": st.integers(0, 20_000)}), max_size=5
        )
    )
    if plain:
        costs = [{"type": "hyra", "amount": draw(st.integers(1000, 8000))}]
    incomes = draw(st.lists(income(people, months), max_size=4))
    history: dict[str, Any] = {"consecutive_months_with_support": draw(st.integers(1 if plain else 0, 30))}
    if draw(st.booleans()) or plain:
        history["jobbstimulans_months_used"] = draw(st.integers(0, 30))
    if draw(st.booleans()):
        history["jobbstimulans_start"] = months_back(period, draw(st.integers(-3, 30)))
    if draw(st.booleans()) and not plain:
        history["consecutive_months_by_person"] = {"applicant": draw(st.integers(0, 30))}
    if draw(st.booleans()):
        history["last_support_month"] = draw(
            st.sampled_from([control] if plain else [control, gap, months_back(period, 4)])
        )
    doc = application(
        application_id=draw(st.from_regex(r"[A-Z]{3}-[0-9]{4}-[0-9]{6}", fullmatch=True)),
        kind="ateransokan" if plain else draw(st.sampled_from(["ateransokan", "ateransokan", "nyansokan"])),
        channel=draw(st.sampled_from(["e-tjanst", "papper"])),
        period=period,
        activities=activities,
        costs=costs,
        incomes=incomes,
        history=history,
    )
    # Submitted in the month before the period (plain) or in any month around it.
    submitted_month = control if plain else draw(st.sampled_from([control, period, months_back(period, -1), gap]))
    doc["submitted_at"] = f"{submitted_month}-{draw(st.integers(1, 28)):02d}T{draw(st.integers(0, 23)):02d}:30:00+01:00"
    able = st.just(True) if plain else st.booleans()
    doc["household"] = {
        "applicant": {"personnummer": applicant, "able_to_work": draw(able)},
        "co_applicant": {"personnummer": co, "able_to_work": draw(able)} if co else None,
        "children": children,
        "other_adults": 0 if plain else draw(st.sampled_from([0, 0, 1, 2])),
        "protected_identity": not plain and draw(st.booleans().map(lambda b: b and draw(st.booleans()))),
        "changed_since_last_application": not plain and draw(st.booleans().map(lambda b: b and draw(st.booleans()))),
    }
    if draw(st.booleans()):
        doc["household"]["assets"] = {
            "bank": draw(st.integers(0, 9000 if plain else 40_000)),
            "other": not plain and draw(st.booleans()),
        }
    if plain and children:
        amount = barnbidrag_for(len(children))
        doc["incomes"].append({"person": "applicant", "type": "barnbidrag", "month": control, "amount": amount})
        if draw(st.booleans()):  # a child's own work income
            doc["incomes"].append(
                {"person": "child:0", "type": "lon", "month": control, "amount": draw(st.integers(1, 20_000))}
            )
    if plain and draw(st.booleans()):  # work income, where jobbstimulans may apply
        doc["incomes"].append(
            {"person": "applicant", "type": "lon", "month": control, "amount": draw(st.integers(1, 15_000))}
        )
    persons = {}
    for role_name, pnr in adults.items():
        if plain:
            persons[pnr] = agreeing_person(draw, doc, role_name, control)
        elif draw(st.booleans()):
            persons[pnr] = draw(any_person(control, gap))
    circumstances = {"as_of": draw(st.dates(min_value=start, max_value=start + dt.timedelta(days=27)))}
    if draw(st.booleans()):
        circumstances["household"] = {
            "year": int(control[:4]),
            "through": draw(st.sampled_from([months_back(control, 1), months_back(control, 2)])),
            "children_work_income": {c["birth_date"]: draw(st.integers(0, 70_000)) for c in children},
        }
    return doc, {"format": "register/1", "persons": persons}, circumstances


@st.composite
def child(draw: Any, start: dt.date, plain: bool = False) -> dict[str, Any]:
    oldest = start - dt.timedelta(days=(15 * 365 if plain else 23 * 365))
    born = draw(
        st.dates(min_value=oldest, max_value=start - dt.timedelta(days=90) if plain else start + dt.timedelta(days=27))
    )
    out: dict[str, Any] = {"birth_date": str(born), "lunch_away_5_days": draw(st.booleans())}
    if draw(st.booleans()) and not plain:
        out["in_school"] = draw(st.booleans())
    if draw(st.integers(0, 9)) == 0 and not plain:
        out["lives_here"] = "vaxelvis"
    return out


@st.composite
def activity(draw: Any, adults: list[str], months: list[str], plain: bool = False) -> dict[str, Any]:
    """An activity as ansokan/1 allows it: never more hours attended than planned."""
    exemptions = [None] if plain else [None, None, None, "sjukskrivning", "foraldraledighet", "annat"]
    planned = draw(st.integers(180, 200) if plain else st.integers(0, 200))
    return {
        "person": draw(st.sampled_from(adults)),
        "kind": draw(st.sampled_from(["kompetenscenter", "sfi", "praktik", "af_program", "studier", "annan"])),
        "month": draw(st.sampled_from(months)),
        "planned_hours": planned,
        "attended_hours": draw(st.integers(min(planned, 180), planned) if plain else st.integers(0, planned)),
        "exemption": draw(st.sampled_from(exemptions)),
    }


def income(people: list[str], months: list[str]) -> Any:
    return st.fixed_dictionaries(
        {
            "person": st.sampled_from(people),
            "type": st.sampled_from(INCOME_TYPES),
            "month": st.sampled_from(months),
            "amount": st.integers(0, 30_000),
        }
    )


def agreeing_person(draw: Any, doc: dict[str, Any], role_name: str, control: str) -> dict[str, Any]:
    """A register entry that confirms what the application says about this adult."""
    incomes = []
    for i in doc["incomes"]:
        payer = PAYERS.get(i["type"])
        if i["person"] == role_name and i["month"] == control and payer:
            entry = {"source": payer, "type": i["type"], "month": control, "amount": i["amount"]}
            if payer == "SKV":
                tax = draw(st.integers(0, 8000))
                entry.update(amount=i["amount"] + tax, tax_withheld=tax)
            incomes.append(entry)
    person: dict[str, Any] = {"af": {"status": "inskriven", "aktivitetsrapport": 200}, "incomes": incomes}
    if draw(st.booleans()):
        planned = draw(st.integers(120, 200))
        person["activity"] = [{"month": control, "kind": "sfi", "planned_hours": planned, "attended_hours": planned}]
    return person


def any_person(control: str, gap: str) -> Any:
    return st.fixed_dictionaries(
        {
            "af": st.sampled_from(
                [
                    {"status": "inskriven", "aktivitetsrapport": 200},
                    {"status": "inskriven", "aktivitetsrapport": 200},
                    {"status": "inskriven", "aktivitetsrapport": 501},
                    {"status": "inskriven", "aktivitetsrapport": 502},
                    {"status": "ej_inskriven", "aktivitetsrapport": 500},
                    {"status": "okand", "aktivitetsrapport": 502},
                ]
            ),
            "incomes": st.lists(
                st.fixed_dictionaries(
                    {
                        "source": st.sampled_from(SOURCES),
                        "type": st.sampled_from(INCOME_TYPES),
                        "month": st.sampled_from([control, control, gap]),
                        "amount": st.integers(0, 30_000),
                    },
                    optional={"tax_withheld": st.integers(0, 9_000)},
                ),
                max_size=3,
            ),
            "unavailable": st.lists(
                st.sampled_from(["AF", "CSN", "FK", "SKV", "SO", "TNS", "MIV"]), max_size=2, unique=True
            ),
        },
        optional={
            "activity": st.lists(
                st.fixed_dictionaries(
                    {
                        "month": st.sampled_from([control, gap]),
                        "kind": st.sampled_from(["kompetenscenter", "sfi", "praktik"]),
                        "planned_hours": st.integers(0, 200),
                        "attended_hours": st.integers(0, 200),
                    }
                ),
                max_size=2,
            )
        },
    )


def mutate(doc: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out
