"""Swedish agreement: an adjective before (or after) an income or cost type agrees with its gender and
number: "uppgiven lön", "uppgivet barnbidrag", "uppgivna studiemedel", "ansökta glasögon",
"barnbidrag … (skattefritt)". Checked in every text in rules/ and robot/swedish/, and in every reason
text and motivering the chain writes for each income and cost type."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from robot.chain.engine import evaluate_raw
from robot.chain.inputs import Circumstances
from robot.chain.stickprov import StickprovInput
from robot.formats.register import Register
from robot.swedish.words import ADJECTIVES, COST_NAMES, INCOME_NAMES, NOUN_FORMS
from tests.builders import APPLICANT, PAYERS, application, raw, register
from tests.conftest import ROOT, RULES

FORMS = {form: (base, i) for base, forms in ADJECTIVES.items() for i, form in enumerate(forms)}
"""Every form of every adjective → (its base, 0 utrum / 1 neutrum / 2 plural)."""
GENDER = {"utrum": 0, "neutrum": 1, "plural": 2}
NOUNS = sorted(NOUN_FORMS, key=len, reverse=True)  # "övrig inkomst" before "inkomst"
WORD = "|".join(re.escape(f) for f in sorted(FORMS, key=len, reverse=True))
BEFORE = re.compile(rf"\b({WORD})\s+({'|'.join(re.escape(n) for n in NOUNS)})\b", re.IGNORECASE)
"""An adjective followed by a noun the table knows: "Uppgiven lön"."""
ANY_BEFORE = re.compile(rf"\b({WORD})\s+([a-zåäö][a-zåäö-]*)", re.IGNORECASE)
AFTER = re.compile(rf"\b({'|'.join(re.escape(n) for n in NOUNS)}) för [^;()]*?\(({WORD})[;)]", re.IGNORECASE)
"""A noun with its tax status in brackets after it: "barnbidrag för sökande 1 250 kr (skattefritt)"."""
NOT_NOUNS = {"men", "för", "och", "som", "i", "av"}
"""Words that may follow an adjective without being an income or cost (a clause goes on)."""


def agrees(adjective: str, noun: str) -> bool:
    base = FORMS[adjective.lower()][0]
    return ADJECTIVES[base][GENDER[NOUN_FORMS[noun.lower()]]] == adjective.lower()


def disagreements(text: str) -> list[str]:
    found = [f"{a} {n}" for a, n in BEFORE.findall(text) if not agrees(a, n)]
    found += [f"{n} … ({a})" for n, a in AFTER.findall(text) if not agrees(a, n)]
    return found


def unknown_nouns(text: str) -> list[str]:
    """Words after an adjective that the table does not know (so the check above could not see them)."""
    out = []
    for match in ANY_BEFORE.finditer(text):
        rest = text[match.start(2) :].lower()
        if not any(re.match(rf"{re.escape(n)}\b", rest) for n in NOUNS) and match.group(2).lower() not in NOT_NOUNS:
            out.append(f"{match.group(1)} {match.group(2)}")
    return out


def test_the_table_knows_every_income_and_cost_type():
    assert set(INCOME_NAMES.values()) | set(COST_NAMES.values()) <= set(NOUN_FORMS)
    assert set(NOUN_FORMS.values()) == set(GENDER)


def test_the_check_finds_a_wrong_form():
    assert disagreements("Uppgiven barnbidrag 1 250 kr") == ["Uppgiven barnbidrag"]
    assert disagreements("Uppgiven studiemedel") == ["Uppgiven studiemedel"]
    assert disagreements("Ansökt glasögon 900 kr") == ["Ansökt glasögon"]
    assert disagreements("barnbidrag för sökande 1 250 kr (skattefri)") == ["barnbidrag … (skattefri)"]
    assert (
        disagreements("Uppgivet barnbidrag; uppgivna studiemedel; ansökt hyra; lön för sökande 1 kr (skattepliktig;")
        == []
    )


def source_texts() -> list[tuple[str, str]]:
    paths = sorted(RULES.rglob("*.yaml")) + sorted((ROOT / "robot" / "swedish").glob("*.py"))
    paths += sorted((ROOT / "robot" / "chain").rglob("*.py"))
    return [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in paths]


@pytest.mark.parametrize(("name", "text"), source_texts(), ids=lambda v: v if "/" in str(v) else "")
def test_texts_in_the_rules_and_the_swedish_modules_agree(name, text):
    assert disagreements(text) == []


# Every template the chain fills with an income or cost name --------------------------------------------

AS_OF = Circumstances(as_of=dt.date(2026, 12, 29))
OFF = StickprovInput(key=b"k", rate_override=0.0)


def texts_of(app: dict, reg: dict) -> list[str]:
    model = Register.model_validate_json(json.dumps(reg), strict=True)
    v = evaluate_raw(raw(app), model, _ruleset(), OFF, circumstances=AS_OF).verdict
    return (
        [r.text for r in v.reasons] + [s.motivering for s in v.steps] + [line.text for line in v.norm.lines if v.norm]
    )


def _ruleset():
    from robot.chain.ruleset import load_ruleset

    return load_ruleset(RULES)


def income_texts(income_type: str) -> list[str]:
    inc = lambda month, amount: {"person": "applicant", "type": income_type, "month": month, "amount": amount}  # noqa: E731
    out = texts_of(application(incomes=[inc("2026-10", 1000)]), register())  # another month
    payer = PAYERS.get(income_type)
    if payer:
        row = {"source": payer, "type": income_type, "month": "2026-11", "amount": 2000}
        if payer == "SKV":
            row["tax_withheld"] = 500
        for declared in (1500, 10):  # agrees (tax status named) and differs
            out += texts_of(
                application(incomes=[inc("2026-11", declared)]), register(**{APPLICANT: {"incomes": [row]}})
            )
    return out


@pytest.mark.parametrize("income_type", sorted(INCOME_NAMES))
def test_every_reason_and_motivering_about_an_income_agrees(income_type):
    texts = income_texts(income_type)
    name = INCOME_NAMES[income_type]
    assert any(name in t for t in texts)
    for text in texts:
        assert disagreements(text) == [], text
        assert unknown_nouns(text) == [], "add them to NOUN_FORMS"


@pytest.mark.parametrize("cost_type", sorted(COST_NAMES))
def test_every_reason_and_motivering_about_a_cost_agrees(cost_type):
    texts = []
    for amount in (0, 100, 99_000):  # within, under or over a range, or always manual
        texts += texts_of(application(costs=[{"type": cost_type, "amount": amount}]), register())
    assert any(COST_NAMES[cost_type] in t.lower() for t in texts)
    for text in texts:
        assert disagreements(text) == [], text
        assert unknown_nouns(text) == [], "add them to NOUN_FORMS"
